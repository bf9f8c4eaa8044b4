"""report._output: atomic folder writes and JSON cleaning shared by the report commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gutbrain._outdir import MARKER
from gutbrain.errors import DataError
from gutbrain.report._output import jsonable, write_atomic


def test_write_atomic_failure_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # The second file cannot be written (its folder does not exist): the first must not remain.
    with pytest.raises(DataError, match="cannot write"):
        write_atomic(out, {"a.txt": "x", "sub/b.txt": "y"}, "meta")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_an_earlier_run_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_atomic(out, {"a.txt": "1"}, "meta")
    write_atomic(out, {"a.txt": "2"}, "meta", overwrite=True)
    assert (out / "a.txt").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    (out / "mine.txt").write_text("keep")
    (out / MARKER).unlink()
    with pytest.raises(DataError, match="holds other files"):
        write_atomic(out, {"a.txt": "3"}, "meta", overwrite=True)
    assert (out / "a.txt").read_text() == "2" and (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_jsonable() -> None:
    obj = {"a": np.float64(1.5), "b": np.array([1.0, np.nan]), "c": (np.int64(2), float("inf"))}
    assert (
        json.dumps(jsonable(obj), allow_nan=False) == '{"a": 1.5, "b": [1.0, null], "c": [2, null]}'
    )
