"""The diary on PostgreSQL: migrations, the participant flow, upserts, export, backup and restore.

Uses ``GUTBRAIN_TEST_POSTGRES_URL`` when set; otherwise starts a throw-away cluster with the
local ``initdb``/``pg_ctl`` when they are installed (as the ``postgres`` user when run as root).
Skips, saying why, when neither is possible.
"""

from __future__ import annotations

import io
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install gutbrain[postgres])")

from .server_proc import free_port

pytestmark = pytest.mark.slow


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    url = os.environ.get("GUTBRAIN_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PostgreSQL: set GUTBRAIN_TEST_POSTGRES_URL or install initdb/pg_ctl")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' user to own a test cluster")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to start PostgreSQL as 'postgres'")
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="gutbrain-pg-"))
    data = base / "data"
    if user:
        shutil.chown(base, user)
    port = free_port()
    try:
        _run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], user)
        opts = f"-p {port} -k {base} -h 127.0.0.1 -F"
        _run([pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"], user)
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL test cluster: {exc}")
    try:
        time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            (["runuser", "-u", user, "--"] if user else [])
            + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_full_flow_on_postgres(pg_url, clock):
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select, text

    from gutbrain.diary.core.db import Database, migrate
    from gutbrain.diary.core.settings import Settings
    from gutbrain.diary.crud.researchers import create_researcher
    from gutbrain.diary.main import create_app
    from gutbrain.diary.models import Entry, EntryRevision

    from .conftest import BASE, PASSWORD, Diary

    db = Database(pg_url)
    with db.engine.begin() as conn:  # a clean schema for this run
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(db.engine)
    migrate(db.engine)  # idempotent
    with db.session() as s, s.begin():
        create_researcher(s, email="owner@example.org", password=PASSWORD)
    db.dispose()
    app = create_app(
        Settings(database_url=pg_url, secret_key="pg", session_hours=1000),
        clock=clock,
        background=False,
    )
    with TestClient(app, base_url=BASE, follow_redirects=True) as client:
        d = Diary(app, client, clock)
        csrf = d.login(client, "owner@example.org")
        sid = d.create_study(client, csrf, visits="baseline 0 PHQ-9")
        pc, pcsrf = d.participant(d.enrol(client, csrf, sid))
        for na in ("10", "20"):
            r = pc.post(
                "/diary/entry",
                data={"csrf": pcsrf, "a_negative_affect": na, "a_positive_affect": "50"},
                headers={"accept": "application/json"},
            )
            assert r.status_code == 200, r.text
        assert r.json()["revision"] == 2
        answers = {f"item_{i}": "0" for i in range(1, 10)}
        assert (
            pc.post(
                "/diary/visit/baseline/PHQ-9",
                data={"csrf": pcsrf, **answers},
                headers={"accept": "application/json"},
            ).json()["risk"]
            is False
        )
        assert client.get(f"/studies/{sid}").status_code == 200
        export = client.get(f"/studies/{sid}/export")
        assert export.status_code == 200
        with app.state.diary.db.session(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Entry)) == 1
            assert s.scalar(select(func.count()).select_from(EntryRevision)) == 2


def _libpq(url: str, database: str) -> str:
    """The libpq form of SQLAlchemy URL ``url`` (as pg_dump takes it), for ``database``."""
    return url.replace("+psycopg", "").rsplit("/", 1)[0] + "/" + database


def test_backup_and_restore_with_pg_dump(pg_url, clock, tmp_path):
    """docs/deploy.md's backup and restore: ``pg_dump -Fc`` of a study in use, ``pg_restore``
    into an empty database, and the app on the restored database exports the same bundle."""
    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from gutbrain.diary.core.settings import Settings
    from gutbrain.diary.main import create_app
    from gutbrain.diary.server import create_admin

    from .conftest import BASE, PASSWORD, Diary

    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not pg_dump or not pg_restore:
        pytest.skip("pg_dump/pg_restore are not installed")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in ("diary_live", "diary_restored"):
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text("CREATE DATABASE diary_live"))
        conn.execute(text("CREATE DATABASE diary_restored"))
    admin.dispose()
    live, restored = (pg_url.rsplit("/", 1)[0] + "/" + n for n in ("diary_live", "diary_restored"))
    create_admin(email="owner@example.org", password=PASSWORD, database_url=live)

    def exported(url: str, study_id: int | None) -> tuple[int, dict[str, bytes]]:
        settings = Settings(database_url=url, secret_key="pg", session_hours=1000)
        app = create_app(settings, clock=clock, background=False)
        with TestClient(app, base_url=BASE, follow_redirects=True) as client:
            d = Diary(app, client, clock)
            csrf = d.login(client, "owner@example.org")
            if study_id is None:  # fill the live database through the pages
                study_id = d.create_study(client, csrf)
                pc, pcsrf = d.participant(d.enrol(client, csrf, study_id))
                r = pc.post(
                    "/diary/entry",
                    data={"csrf": pcsrf, "a_negative_affect": "12", "a_positive_affect": "61"},
                    headers={"accept": "application/json"},
                )
                assert r.status_code == 200, r.text
            r = client.get(f"/studies/{study_id}/export")
            assert r.status_code == 200, r.text
            with zipfile.ZipFile(io.BytesIO(r.content)) as bundle:  # files, not zip timestamps
                return study_id, {name: bundle.read(name) for name in bundle.namelist()}

    study_id, before = exported(live, None)
    dump = tmp_path / "diary.dump"
    subprocess.run([pg_dump, "-Fc", "-f", str(dump), _libpq(pg_url, "diary_live")], check=True)
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", "-d", _libpq(pg_url, "diary_restored"),
         str(dump)],
        check=True,
    )  # fmt: skip
    _same_id, after = exported(restored, study_id)
    assert after == before
    assert b"12" in next(v for k, v in before.items() if k.endswith("diary.csv"))
