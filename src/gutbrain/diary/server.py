"""Running the diary: :func:`serve` (uvicorn) and :func:`create_admin` (the first account)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gutbrain.diary.core.settings import Settings

__all__ = ["create_admin", "serve"]


def _settings(database_url: str | None) -> Settings:
    if database_url:
        return Settings(database_url=database_url)
    return Settings()


def serve(
    *,
    database_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    factory: Callable[..., Any] | None = None,
) -> None:
    """Serve the diary app with uvicorn until interrupted.

    Parameters
    ----------
    database_url
        SQLAlchemy URL; default ``GUTBRAIN_DIARY_DATABASE_URL`` / ``DATABASE_URL`` or a SQLite file
        ``gutbrain-diary.sqlite3`` in the current directory.
    host, port
        Where to listen. Keep the default loopback address behind a TLS-terminating reverse proxy.
    factory
        Builds the app from the settings, like :func:`gutbrain.diary.main.create_app` (the
        default); ``gutbrain serve`` passes :func:`gutbrain.webapp.create_app`, which adds the
        model explorer.
    """
    import uvicorn

    from gutbrain.diary.core.logs import LOG_CONFIG
    from gutbrain.diary.main import create_app

    app = (factory or create_app)(_settings(database_url), tune_gc=True)
    # One process: the group-commit writer and the rate limiters live in it.
    uvicorn.run(app, host=host, port=port, log_config=LOG_CONFIG, proxy_headers=False)


def create_admin(*, email: str, password: str, database_url: str | None = None) -> str:
    """Create an administrator account (the first one, or another), migrating the database first.

    Returns
    -------
    str
        The normalised e-mail address of the new account.

    Raises
    ------
    gutbrain.errors.DataError
        For a malformed address, a password shorter than 10 characters, or an existing account.
    """
    from gutbrain.diary.core.db import Database, migrate
    from gutbrain.diary.crud.researchers import create_researcher

    db = Database(_settings(database_url).database_url)
    try:
        migrate(db.engine)
        with db.session() as session, session.begin():
            researcher = create_researcher(session, email=email, password=password, is_admin=True)
            return researcher.email
    finally:
        db.dispose()
