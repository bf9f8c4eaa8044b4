"""Fixtures for the explorer: the app of ``gutbrain serve`` (diary + explorer) on a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the explorer extra is not installed")
pytest.importorskip("plotly", reason="the explorer extra is not installed")

from fastapi.testclient import TestClient

from gutbrain.diary.core.settings import Settings
from gutbrain.webapp import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", secret_key="t")
    with TestClient(create_app(settings, background=False)) as c:
        yield c
