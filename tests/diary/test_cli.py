"""The diary's command-line entry points: ``gutbrain diary create-admin`` and ``gutbrain serve``."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.diary.core.db import Database
from gutbrain.diary.models import Researcher
from gutbrain.errors import DataError


def test_create_admin(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner = CliRunner()
    args = ["diary", "create-admin", "--email", "Boss@Example.org", "--database-url", url]
    result = runner.invoke(app, [*args, "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert "administrator boss@example.org created" in result.output
    db = Database(url)
    with db.session(write=False) as s:
        r = s.scalar(select(Researcher))
        assert r.email == "boss@example.org" and r.is_admin
    db.dispose()
    again = runner.invoke(app, [*args, "--password", "a long password"])
    assert isinstance(again.exception, DataError)
    assert "already exists" in str(again.exception)
    short = runner.invoke(app, [*args[:3], "x@example.org", *args[4:], "--password", "short"])
    assert isinstance(short.exception, DataError)
    assert "at least 10 characters" in str(short.exception)


def test_serve_help_lists_options():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--database-url", "--host", "--port"):
        assert option in result.output


def test_serve_starts_with_no_configuration(tmp_path):
    """A fresh clone: `gutbrain serve` with no settings makes a SQLite file in the cwd."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from .server_proc import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUTBRAIN_DIARY_")}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gutbrain.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "gutbrain serve did not start"
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (tmp_path / "gutbrain-diary.sqlite3").exists()
    assert (tmp_path / "gutbrain-diary.sqlite3.secret").stat().st_mode & 0o077 == 0
