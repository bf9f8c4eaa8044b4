"""Fixtures for the diary tests: an app on a real SQLite file, a controllable clock, and helpers
that log in, create studies and enrol participants through the real pages."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip(
    "fastapi", reason="the diary extra is not installed (pip install gutbrain[diary])"
)

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gutbrain.diary.core.db import Database, migrate
from gutbrain.diary.core.settings import Settings
from gutbrain.diary.crud.researchers import create_researcher
from gutbrain.diary.main import create_app

BASE = "https://testserver"
#: The test clients' address: a loopback one, so a test can name it as the trusted proxy.
CLIENT = ("127.0.0.1", 50000)
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r'<code id="personal-link">([^<]+)</code>')


class FakeClock:
    """A settable UTC clock: ``clock()`` returns ``clock.now``."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


@dataclass
class Diary:
    """The app under test, with helpers."""

    app: FastAPI
    client: TestClient
    clock: FakeClock

    def new_client(self) -> TestClient:
        return TestClient(self.app, base_url=BASE, follow_redirects=True, client=CLIENT)

    def add_researcher(self, email: str, *, admin: bool = False) -> None:
        db = self.app.state.diary.db
        with db.session() as s, s.begin():
            create_researcher(s, email=email, password=PASSWORD, is_admin=admin)

    def login(self, client: TestClient, email: str) -> str:
        """Log ``client`` in; returns the session's CSRF token."""
        page = client.get("/login")
        r = client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf": csrf_of(page.text)}
        )
        assert r.status_code == 200, r.text
        return csrf_of(client.get("/studies").text)

    def create_study(self, client: TestClient, csrf: str, **fields: str) -> int:
        data = {
            "csrf": csrf,
            "name": "Probiotic N-of-1",
            "design": "nof1",
            "arms": "A: placebo\nB: probiotic",
            "block_days": "2",
            "n_pairs": "2",
            "start": "2026-03-02",
            "consent_text": "You agree to answer a short daily diary.",
        }
        data.update(fields)
        r = client.post("/studies", data=data)
        assert r.status_code == 200, r.text
        m = re.search(r"/studies/(\d+)$", str(r.url))
        assert m, r.url
        return int(m.group(1))

    def enrol(self, client: TestClient, csrf: str, study_id: int, **fields: str) -> str:
        """Enrol through the dashboard's form; returns the personal link's path (``/p/...``)."""
        r = client.post(f"/studies/{study_id}/participants", data={"csrf": csrf, **fields})
        assert r.status_code == 200, r.text
        assert re.search(rf"/studies/{study_id}/participants/\d+/link$", str(r.url)), r.url
        m = LINK.search(r.text)
        assert m
        return m.group(1).removeprefix(BASE)

    def participant(self, link: str, *, consent: bool = True) -> tuple[TestClient, str]:
        """A browser of the participant with ``link``; returns it and its CSRF token."""
        c = self.new_client()
        r = c.get(link)
        assert r.status_code == 200, r.text
        csrf = csrf_of(r.text)
        if consent:
            r = c.post("/diary/consent", data={"csrf": csrf, "agree": "yes"})
            assert r.status_code == 200, r.text
        return c, csrf


RESEARCHERS = (
    ("owner@example.org", False),
    ("other@example.org", False),
    ("admin@example.org", True),
)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with three accounts, built once and copied for each test
    (argon2 hashing and the migrations take about a second per test otherwise)."""
    path = tmp_path_factory.mktemp("template") / "diary.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate(db.engine)
    with db.session() as s, s.begin():
        for email, admin in RESEARCHERS:
            create_researcher(s, email=email, password=PASSWORD, is_admin=admin)
    db.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def make_app(tmp_path: Path, clock: FakeClock, template_db: Path) -> Iterator[Callable[..., Diary]]:
    clients: list[TestClient] = []
    target = tmp_path / "diary.sqlite3"
    shutil.copyfile(template_db, target)

    def make(**settings: object) -> Diary:
        s = Settings(
            database_url=f"sqlite:///{target}",
            **({"secret_key": "test-secret-key", "session_hours": 24 * 365} | settings),  # type: ignore[arg-type]
        )
        app = create_app(s, clock=clock, background=False)
        client = TestClient(app, base_url=BASE, follow_redirects=True, client=CLIENT)
        client.__enter__()
        clients.append(client)
        return Diary(app, client, clock)

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def diary(make_app: Callable[..., Diary]) -> Diary:
    """The app with accounts owner@, other@ and admin@example.org (password PASSWORD)."""
    return make_app()
