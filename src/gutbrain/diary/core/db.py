"""Database engine, sessions and migrations.

SQLite is the embedded default. Each connection runs in WAL mode with ``synchronous=FULL``, so a
commit is on disk (the WAL is fsynced) before the server answers; foreign keys are enforced and
writers wait on each other (``busy_timeout``) instead of failing. Write transactions start with
``BEGIN IMMEDIATE``: a transaction that reads and then writes could otherwise fail with
``SQLITE_BUSY`` when another writer committed in between. Read-only sessions use a deferred
``BEGIN`` so pages never queue behind the writer. PostgreSQL needs none of this.

The schema is owned by the Alembic migrations shipped inside the package; :func:`migrate` brings
any database to the newest revision at start-up.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

__all__ = ["Database", "make_engine", "migrate"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the durability settings described in the module docstring.

    Parameters
    ----------
    url
        A SQLAlchemy URL, e.g. ``sqlite:///diary.sqlite3``, ``sqlite://`` (in memory, for tests)
        or ``postgresql+psycopg://user:pw@host/db``. A ``postgresql://`` URL is given the psycopg 3
        driver.
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    memory = url in ("sqlite://", "sqlite:///:memory:")
    if memory:
        engine = create_engine(
            "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
        )
    else:
        path = url.removeprefix("sqlite:///")
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=20,
            max_overflow=20,
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours (see docstring).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("gutbrain_write", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """An engine with its two session factories.

    Attributes
    ----------
    engine
        The SQLAlchemy engine.
    write_session
        Sessions whose transactions may write (``BEGIN IMMEDIATE`` on SQLite).
    read_session
        Sessions for pages that only read (deferred ``BEGIN`` on SQLite).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.write_session = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = self.engine.execution_options(gutbrain_write=False)
        self.read_session = sessionmaker(read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool = True) -> Session:
        return self.write_session() if write else self.read_session()

    def ping(self) -> None:
        """Run a trivial query: raises if the database cannot be reached."""
        with self.session(write=False) as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply the packaged Alembic migrations to ``engine`` up to ``revision``."""
    from alembic import command
    from alembic.config import Config

    script_location = resources.files("gutbrain.diary") / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
