"""Helpers for editing bundle CSV files in tests, and reading the error a bundle raises
(imported by the tests in this folder)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gutbrain.errors import DataError
from gutbrain.io import BundleDataError, read_bundle


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)  # CRLF: "\r" in a cell gets quoted


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header not counted) of ``column`` in a CSV file."""
    rows = read_rows(path)
    rows[row][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    j = rows[0].index(column)
    write_rows(path, [r[:j] + r[j + 1 :] for r in rows])


def append_row(path: Path, values: dict[str, str]) -> int:
    """Append a row (missing columns empty); return its 1-based data row number."""
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)
    return len(rows) - 1


def add_column(path: Path, column: str, fill: str = "") -> None:
    rows = read_rows(path)
    write_rows(path, [[*rows[0], column]] + [[*r, fill] for r in rows[1:]])


def read_error(path: Path) -> BundleDataError:
    """The :class:`BundleDataError` that reading the bundle at ``path`` raises."""
    with pytest.raises(DataError) as info:
        read_bundle(path)
    assert isinstance(info.value, BundleDataError)
    return info.value
