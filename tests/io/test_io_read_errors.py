"""Every kind of table problem is reported with its file, row, column and value.

Rows are data rows counted from 1, the header not counted (row 1 is line 2 of the CSV).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from _bundle_helpers import (
    add_column,
    append_row,
    drop_column,
    read_error,
    read_rows,
    set_cell,
    write_rows,
)

from gutbrain.io import BundleDataError, read_bundle


def _assert_names(err: BundleDataError, file: str, row: int | None, column: str, value: str):
    msg = str(err)
    assert file in msg
    assert f"column {column!r}" in msg
    assert value in msg
    if row is not None:
        assert re.search(rf"\brow {row}\b", msg), msg
    assert err.row == row
    assert err.column == column


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("day", "abc", "is not an integer"),
        ("day", "2.5", "is not an integer"),
        ("day", "1.0", "is not an integer"),
        ("day", " 3", "is not an integer"),
        ("day", "", "needs a value in every row"),
        ("negative_affect", "high", "is not a number"),
        ("negative_affect", "inf", "is not a number"),
        ("stool_form", "4.0", "is not an integer"),
        ("date", "05/01/2026", "is not a YYYY-MM-DD date"),
        ("date", "2026-02-30", "is not a valid date"),
    ],
)
def test_wrong_type_in_diary(tiny_dir: Path, column: str, value: str, reason: str) -> None:
    set_cell(tiny_dir / "diary.csv", 4, column, value)
    err = read_error(tiny_dir)
    _assert_names(err, "diary.csv", 4, column, repr(value) if value else "empty cell")
    assert reason in str(err)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("negative_affect", "100.5"),
        ("negative_affect", "-1"),
        ("positive_affect", "250"),
        ("stool_form", "0"),
        ("stool_form", "8"),
        ("adherence", "2"),
        ("sleep_hours", "25"),
    ],
)
def test_out_of_range_diary_value(tiny_dir: Path, column: str, value: str) -> None:
    path = tiny_dir / "diary.csv"
    row = append_row(
        path, {"participant": "P04", "day": "5", "negative_affect": "1", "positive_affect": "1"}
    )
    if column not in read_rows(path)[0]:
        add_column(path, column)
    set_cell(path, row, column, value)
    err = read_error(tiny_dir)
    _assert_names(err, "diary.csv", row, column, repr(value))
    assert "out of range" in str(err)


def test_visit_score_outside_instrument_range(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "visits.csv", 2, "score", "85")  # STAI-state is 20-80
    err = read_error(tiny_dir)
    _assert_names(err, "visits.csv", 2, "score", "85")
    assert "STAI-state scores 20 to 80" in str(err)


def test_visit_score_below_panas_floor(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "visits.csv", 6, "score", "9")  # PANAS-NA is 10-50
    err = read_error(tiny_dir)
    _assert_names(err, "visits.csv", 6, "score", "9.0")
    assert "PANAS-NA scores 10 to 50" in str(err)


def test_unknown_instrument(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "visits.csv", 3, "instrument", "PANAS-XX")
    err = read_error(tiny_dir)
    _assert_names(err, "visits.csv", 3, "instrument", "'PANAS-XX'")
    assert "not a known instrument" in str(err)


def test_instrument_not_listed_in_study_toml(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "visits.csv", 5, "instrument", "PHQ-9")
    set_cell(tiny_dir / "visits.csv", 5, "score", "4")
    err = read_error(tiny_dir)
    _assert_names(err, "visits.csv", 5, "instrument", "'PHQ-9'")
    assert "not listed in study.toml" in str(err)


def test_duplicate_participant_day(tiny_dir: Path) -> None:
    row = append_row(
        tiny_dir / "diary.csv",
        {"participant": "P02", "day": "1", "negative_affect": "3", "positive_affect": "4"},
    )
    err = read_error(tiny_dir)
    _assert_names(err, "diary.csv", row, "participant+day", "('P02', 1)")
    assert "duplicate participant-day (first at row 5)" in str(err)


def test_duplicate_participant(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "participants.csv", 3, "participant", "P01")
    err = read_error(tiny_dir)
    _assert_names(err, "participants.csv", 3, "participant", "'P01'")
    assert "duplicate participant (first at row 1)" in str(err)


def test_duplicate_participant_visit_instrument(tiny_dir: Path) -> None:
    row = append_row(
        tiny_dir / "visits.csv",
        {
            "participant": "P02",
            "visit": "post",
            "day": "3",
            "instrument": "PANAS-NA",
            "score": "20",
        },
    )
    err = read_error(tiny_dir)
    _assert_names(
        err, "visits.csv", row, "participant+visit+instrument", "('P02', 'post', 'PANAS-NA')"
    )


def test_duplicate_biomarker(tiny_dir: Path) -> None:
    row = append_row(
        tiny_dir / "biomarkers.csv",
        {"participant": "P03", "day": "-1", "marker": "crp", "value": "1.0", "unit": "mg/L"},
    )
    err = read_error(tiny_dir)
    _assert_names(err, "biomarkers.csv", row, "participant+day+marker", "('P03', -1, 'crp')")


def test_unknown_arm(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "participants.csv", 2, "arm", "probiotc")
    err = read_error(tiny_dir)
    _assert_names(err, "participants.csv", 2, "arm", "'probiotc'")
    assert "'placebo', 'probiotic'" in str(err)


def test_missing_arm(tiny_dir: Path) -> None:
    set_cell(tiny_dir / "participants.csv", 4, "arm", "")
    err = read_error(tiny_dir)
    _assert_names(err, "participants.csv", 4, "arm", "empty cell")


@pytest.mark.parametrize("table", ["diary", "visits", "biomarkers"])
def test_participant_not_in_participants(tiny_dir: Path, table: str) -> None:
    set_cell(tiny_dir / f"{table}.csv", 2, "participant", "P99")
    err = read_error(tiny_dir)
    _assert_names(err, f"{table}.csv", 2, "participant", "'P99'")
    assert "participants.csv" in str(err)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("participants", "participant"),
        ("diary", "day"),
        ("diary", "negative_affect"),
        ("diary", "positive_affect"),
        ("visits", "score"),
        ("visits", "instrument"),
        ("biomarkers", "unit"),
    ],
)
def test_missing_required_column(tiny_dir: Path, table: str, column: str) -> None:
    drop_column(tiny_dir / f"{table}.csv", column)
    err = read_error(tiny_dir)
    msg = str(err)
    assert f"{table}.csv" in msg
    assert f"missing required column {column!r}" in msg
    assert err.column == column


def test_missing_arm_column_for_parallel_design(tiny_dir: Path) -> None:
    drop_column(tiny_dir / "participants.csv", "arm")
    err = read_error(tiny_dir)
    assert "participants.csv" in str(err)
    assert "missing column 'arm'" in str(err)


def test_missing_required_table(tiny_dir: Path) -> None:
    (tiny_dir / "diary.csv").unlink()
    err = read_error(tiny_dir)
    assert "has no diary table" in str(err)


def test_csv_and_parquet_of_the_same_table(tiny_dir: Path, tiny) -> None:
    tiny.visits.to_parquet(tiny_dir / "visits.parquet")
    err = read_error(tiny_dir)
    assert "both visits.csv and visits.parquet" in str(err)


def test_ragged_row(tiny_dir: Path) -> None:
    path = tiny_dir / "biomarkers.csv"
    path.write_text(path.read_text() + "P01,2,crp,1.0,mg/L,extra\n")
    err = read_error(tiny_dir)
    assert "biomarkers.csv: row 5" in str(err)
    assert "6 fields but the header has 5" in str(err)


def test_duplicate_header(tiny_dir: Path) -> None:
    path = tiny_dir / "biomarkers.csv"
    rows = read_rows(path)
    rows[0][4] = "value"
    write_rows(path, rows)
    err = read_error(tiny_dir)
    assert "column 'value' appears twice" in str(err)


def test_empty_csv(tiny_dir: Path) -> None:
    (tiny_dir / "biomarkers.csv").write_text("")
    err = read_error(tiny_dir)
    assert "biomarkers.csv: is empty" in str(err)


def test_more_rows_with_the_same_problem_are_counted(tiny_dir: Path) -> None:
    path = tiny_dir / "diary.csv"
    for row in (2, 5, 7):
        set_cell(path, row, "positive_affect", "101")
    err = read_error(tiny_dir)
    assert "row 2" in str(err)
    assert "2 more rows in this column" in str(err)


def test_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file.csv").write_text("a\n")
    assert "is a file" in str(read_error(tmp_path / "file.csv"))
    assert "not found" in str(read_error(tmp_path / "nowhere"))


def test_header_only_diary_is_valid(tiny_dir: Path) -> None:
    rows = read_rows(tiny_dir / "diary.csv")
    write_rows(tiny_dir / "diary.csv", rows[:1])
    bundle = read_bundle(tiny_dir)
    assert len(bundle.diary) == 0
    assert bundle.diary["day"].dtype == "int64"


def test_error_pickles(tiny_dir: Path) -> None:
    import pickle

    set_cell(tiny_dir / "diary.csv", 4, "day", "x")
    err = read_error(tiny_dir)
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, BundleDataError)
    assert (str(back), back.file, back.row, back.column, back.value) == (
        str(err),
        err.file,
        err.row,
        err.column,
        err.value,
    )


# --- extra columns: declared kinds ([columns.<table>] in study.toml) and inferred ones ----------


def _declare(folder: Path, text: str) -> None:
    with (folder / "study.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)


def test_declared_text_column_keeps_numeric_looking_cells(tiny_dir: Path) -> None:
    add_column(tiny_dir / "diary.csv", "notes", fill="12")
    set_cell(tiny_dir / "diary.csv", 2, "notes", "007")
    set_cell(tiny_dir / "diary.csv", 3, "notes", "")
    _declare(tiny_dir, '[columns.diary]\nnotes = "text"\n')
    notes = read_bundle(tiny_dir).diary["notes"]
    assert notes.dtype == "str"
    assert [None if pd.isna(v) else v for v in notes[:3]] == ["12", "007", None]


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [("int", "1.5", "is not an integer"), ("float", "n/a", "is not a number")],
)
def test_declared_numeric_column_reports_the_cell(
    tiny_dir: Path, kind: str, value: str, reason: str
) -> None:
    add_column(tiny_dir / "participants.csv", "visits_done", fill="3")
    set_cell(tiny_dir / "participants.csv", 3, "visits_done", value)
    _declare(tiny_dir, f'[columns.participants]\nvisits_done = "{kind}"\n')
    err = read_error(tiny_dir)
    _assert_names(err, "participants.csv", 3, "visits_done", repr(value))
    assert reason in str(err)


def test_declared_int_column_is_int64_and_Int64_with_missing(tiny_dir: Path) -> None:
    add_column(tiny_dir / "participants.csv", "visits_done", fill="3")
    _declare(tiny_dir, '[columns.participants]\nvisits_done = "int"\n')
    assert read_bundle(tiny_dir).participants["visits_done"].dtype == "int64"
    set_cell(tiny_dir / "participants.csv", 2, "visits_done", "")
    assert read_bundle(tiny_dir).participants["visits_done"].dtype == "Int64"


def test_declared_column_that_is_absent_is_reported(tiny_dir: Path) -> None:
    _declare(tiny_dir, '[columns.diary]\nnots = "text"\n')
    err = read_error(tiny_dir)
    assert "diary.csv" in str(err)
    assert "has no column 'nots', which study.toml declares in [columns.diary]" in str(err)


@pytest.mark.parametrize(
    ("cells", "dtype", "values"),
    [
        (["1", "2", "", "4"], "Int64", [1, 2, None, 4]),  # integers: inferred as numbers
        (["1.5", "2", "NA", "4"], "float64", [1.5, 2.0, None, 4.0]),
        (["007", "12", "", "4"], "str", ["007", "12", None, "4"]),  # a leading zero: a code
        (["+5", "12", "3", "4"], "str", ["+5", "12", "3", "4"]),  # a plus sign: a code
        (["0.5", "0", "-0.25", "4"], "float64", [0.5, 0.0, -0.25, 4.0]),  # 0.5 is a number
    ],
)
def test_undeclared_extra_column_inference(
    tiny_dir: Path, cells: list[str], dtype: str, values: list[object]
) -> None:
    add_column(tiny_dir / "participants.csv", "site")
    for row, cell in enumerate(cells, start=1):
        set_cell(tiny_dir / "participants.csv", row, "site", cell)
    site = read_bundle(tiny_dir).participants["site"]
    assert site.dtype == dtype
    assert [None if pd.isna(v) else v for v in site] == values
