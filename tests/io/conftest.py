"""Shared fixtures for the study-bundle tests: the tiny example bundle and CSV editing helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gutbrain.io import StudyBundle, read_bundle

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny example bundle (CSV)."""
    return Path(shutil.copytree(TINY, tmp_path / "tiny"))


@pytest.fixture
def tiny() -> StudyBundle:
    """The tiny example bundle, read and validated."""
    return read_bundle(TINY)
