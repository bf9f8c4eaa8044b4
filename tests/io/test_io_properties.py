"""Property tests: random valid bundles round-trip exactly; injected faults are always reported.

Rows in messages are data rows counted from 1 (header not counted).
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _bundle_helpers import read_rows, write_rows
from _bundle_strategies import bundles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbrain._config import show
from gutbrain.errors import DataError
from gutbrain.io import BundleDataError, StudyBundle, read_bundle, validate_bundle, write_bundle

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_same(a: StudyBundle, b: StudyBundle) -> None:
    assert a.study == b.study
    assert a.tables().keys() == b.tables().keys()
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], check_exact=True, obj=name)


@SETTINGS
@given(bundle=bundles(), fmt=st.sampled_from(["csv", "parquet"]))
def test_round_trip(bundle: StudyBundle, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bundle(bundle, Path(tmp) / "b", format=fmt)  # type: ignore[arg-type]
        back = read_bundle(out)
    _assert_same(back, bundle)
    assert back.equals(bundle)
    assert back.diary["day"].dtype == "int64"
    assert back.diary["negative_affect"].dtype == "float64"
    assert back.participants["participant"].dtype == "str"


@SETTINGS
@given(bundle=bundles())
def test_csv_and_parquet_read_identically(bundle: StudyBundle) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a = read_bundle(write_bundle(bundle, Path(tmp) / "a", format="csv"))
        b = read_bundle(write_bundle(bundle, Path(tmp) / "b", format="parquet"))
    _assert_same(a, b)


def _read_error(folder: Path) -> BundleDataError:
    with pytest.raises(DataError) as info:
        read_bundle(folder)
    assert isinstance(info.value, BundleDataError)
    return info.value


_OUT_OF_RANGE = st.one_of(
    st.floats(-1e6, 0, exclude_max=True, allow_nan=False),
    st.floats(100, 1e6, exclude_min=True, allow_nan=False),
)


@SETTINGS
@given(
    bundle=bundles(min_diary_rows=1),
    data=st.data(),
    column=st.sampled_from(["negative_affect", "positive_affect"]),
    value=_OUT_OF_RANGE,
)
def test_out_of_range_affect_in_csv_is_reported_with_its_row(
    bundle: StudyBundle, data: st.DataObject, column: str, value: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bundle(bundle, Path(tmp) / "b", format="csv")
        rows = read_rows(out / "diary.csv")
        row = data.draw(st.integers(1, len(rows) - 1), label="row")
        text = repr(value)
        rows[row][rows[0].index(column)] = text
        write_rows(out / "diary.csv", rows)
        err = _read_error(out)
    assert err.row == row
    assert err.column == column
    assert f"row {row}, column {column!r}: {text!r} is out of range" in str(err)
    assert "diary.csv" in str(err)


@SETTINGS
@given(
    bundle=bundles(min_diary_rows=1),
    data=st.data(),
    value=st.text(max_size=10).filter(lambda t: not re.fullmatch(r"[+-]?[0-9]+", t)),
)
def test_non_integer_day_in_csv_is_reported_with_its_row(
    bundle: StudyBundle, data: st.DataObject, value: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bundle(bundle, Path(tmp) / "b", format="csv")
        rows = read_rows(out / "diary.csv")
        row = data.draw(st.integers(1, len(rows) - 1), label="row")
        rows[row][rows[0].index("day")] = value
        write_rows(out / "diary.csv", rows)
        err = _read_error(out)
    assert (err.row, err.column, err.value) == (row, "day", value)
    shown = "empty cell" if value == "" else show(value)
    assert f"row {row}, column 'day': {shown}" in str(err)


@SETTINGS
@given(bundle=bundles(min_diary_rows=1), data=st.data(), fmt=st.sampled_from(["csv", "parquet"]))
def test_duplicated_diary_row_is_reported(
    bundle: StudyBundle, data: st.DataObject, fmt: str
) -> None:
    diary = bundle.diary
    src = data.draw(st.integers(0, len(diary) - 1), label="source row")
    at = data.draw(st.integers(src + 1, len(diary)), label="insert at")
    dup = pd.concat([diary.iloc[:at], diary.iloc[[src]], diary.iloc[at:]], ignore_index=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bundle(bundle, Path(tmp) / "b", format=fmt)  # type: ignore[arg-type]
        (out / f"diary.{fmt}").unlink()
        if fmt == "csv":
            from gutbrain.io.write import write_csv_table

            write_csv_table(dup, out / "diary.csv")
        else:
            dup.to_parquet(out / "diary.parquet", index=False)
        err = _read_error(out)
    assert err.row == at + 1
    assert err.column == "participant+day"
    assert f"first at row {src + 1}" in str(err)


@SETTINGS
@given(bundle=bundles(min_diary_rows=1), data=st.data(), value=_OUT_OF_RANGE)
def test_out_of_range_in_memory_or_parquet_is_reported(
    bundle: StudyBundle, data: st.DataObject, value: float
) -> None:
    diary = bundle.diary.copy()
    row = data.draw(st.integers(0, len(diary) - 1), label="row")
    diary.loc[row, "negative_affect"] = value
    bad = dataclasses.replace(bundle, diary=diary)
    with pytest.raises(BundleDataError) as info:
        validate_bundle(bad, source="sim")
    assert (info.value.row, info.value.column) == (row + 1, "negative_affect")
    assert str(info.value).startswith(f"sim/diary: row {row + 1}, column 'negative_affect'")
    with tempfile.TemporaryDirectory() as tmp:
        out = write_bundle(bundle, Path(tmp) / "b", format="parquet")
        diary.to_parquet(out / "diary.parquet", index=False)
        err = _read_error(out)
    assert (err.row, err.column) == (row + 1, "negative_affect")
    assert np.float64(err.value) == np.float64(value)


@SETTINGS
@given(bundle=bundles(min_diary_rows=1), data=st.data())
def test_unknown_participant_is_reported(bundle: StudyBundle, data: st.DataObject) -> None:
    diary = bundle.diary.copy()
    row = data.draw(st.integers(0, len(diary) - 1), label="row")
    ghost = "ghost-" + "x" * 9  # longer than any generated id, so never a real one
    diary.loc[row, "participant"] = ghost
    with pytest.raises(BundleDataError) as info:
        validate_bundle(dataclasses.replace(bundle, diary=diary))
    assert (info.value.row, info.value.column, info.value.value) == (row + 1, "participant", ghost)
