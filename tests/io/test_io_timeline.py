"""Impossible timelines are refused with the file, row, column and value (issue 22, item 4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from _bundle_helpers import add_column, append_row, read_error, set_cell

from gutbrain.errors import DataError
from gutbrain.io import BundleDataError, StudyBundle, read_bundle, validate_bundle


def _visit(bundle_dir: Path, participant: str, visit: str, day: int) -> int:
    """Append a PANAS-NA visit row; return its data row number."""
    row = {"participant": participant, "visit": visit, "day": str(day), "instrument": "PANAS-NA"}
    return append_row(bundle_dir / "visits.csv", {**row, "score": "20"})


def _add_days(bundle_dir: Path, days: str) -> None:
    study = bundle_dir / "study.toml"
    text = study.read_text(encoding="utf-8")
    study.write_text(text.replace("instruments =", f"days = {days}\ninstruments =", 1), "utf-8")


def test_diary_row_after_withdrawal(tiny_dir: Path) -> None:
    """P03 withdrew on day 2: an entry on day 2 is kept, one on day 3 is refused."""
    append_row(tiny_dir / "diary.csv", {"participant": "P03", "day": "2", "negative_affect": "1"})
    read_bundle(tiny_dir)
    row = append_row(
        tiny_dir / "diary.csv", {"participant": "P03", "day": "3", "negative_affect": "1"}
    )
    err = read_error(tiny_dir)
    assert (err.file, err.row, err.column, err.value) == (
        str(tiny_dir / "diary.csv"), row, "day", 3,
    )  # fmt: skip
    assert "after participant 'P03' withdrew (withdrawn_day = 2" in str(err)
    assert f"{tiny_dir / 'participants.csv'}, row 3" in str(err)


def test_visit_after_withdrawal(tiny_dir: Path) -> None:
    row = _visit(tiny_dir, "P03", "post", 5)
    err = read_error(tiny_dir)
    assert (err.file, err.row, err.column, err.value) == (
        str(tiny_dir / "visits.csv"), row, "day", 5,
    )  # fmt: skip
    assert "withdrew" in str(err)


def test_post_visit_dated_before_pre_is_refused(tiny_dir: Path) -> None:
    """P04's post visit is dated before their baseline, while P02's (and the study's) order is
    baseline then post: the post visit would have become P04's baseline."""
    row = _visit(tiny_dir, "P04", "post", -3)
    _visit(tiny_dir, "P01", "post", 2)
    err = read_error(tiny_dir)
    assert (err.file, err.row, err.column, err.value) == (
        str(tiny_dir / "visits.csv"), row, "day", -3,
    )  # fmt: skip
    assert (
        "the 'post' visit of participant 'P04' before their 'baseline' visit (day -1, row 6)"
        in str(err)
    )
    assert "would become the baseline" in str(err)


def test_visits_in_order_pass_however_sparse(tiny_dir: Path) -> None:
    """Visits on the same day, or a participant with only a later visit, are not out of order."""
    _visit(tiny_dir, "P01", "post", -1)
    _visit(tiny_dir, "P03", "post", 1)
    read_bundle(tiny_dir)


def test_day_outside_the_planned_days(tiny_dir: Path) -> None:
    """With days = [-1, 2] in study.toml, day 9999 is refused where it is read, naming the
    planned days (it used to fail inside the fit as a linear combination)."""
    _add_days(tiny_dir, "[-1, 2]")
    read_bundle(tiny_dir)
    set_cell(tiny_dir / "biomarkers.csv", 3, "day", "9999")
    err = read_error(tiny_dir)
    assert (err.file, err.row, err.column, err.value) == (
        str(tiny_dir / "biomarkers.csv"), 3, "day", 9999,
    )  # fmt: skip
    assert "expected a planned study day (study.toml: days = [-1, 2]), -1 to 2" in str(err)


def test_without_planned_days_any_day_is_read(tiny_dir: Path) -> None:
    """Older bundles have no days key: they are read as before."""
    set_cell(tiny_dir / "biomarkers.csv", 3, "day", "9999")
    assert read_bundle(tiny_dir).study.days is None


@pytest.mark.parametrize(
    ("days", "match"),
    [
        ("[2, -1]", "the first day is after the last"),
        ("[0]", "the first and last planned study day"),
        ("[0, 1.5]", r"days\[2\] = 1.5; expected an integer"),
        ('"56"', "days = '56'; expected the first and last"),
    ],
)
def test_planned_days_must_be_two_days_in_order(tiny_dir: Path, days: str, match: str) -> None:
    _add_days(tiny_dir, days)
    err = read_error(tiny_dir)
    assert err.column == "days" or (err.column or "").startswith("days[")
    assert err.file == str(tiny_dir / "study.toml")
    with pytest.raises(DataError, match=match):
        read_bundle(tiny_dir)


def test_diary_date_must_advance_with_the_day(tiny_dir: Path) -> None:
    """P02's day 2 dated 2026-01-09 puts their day 0 two days after rows 4-5 do."""
    set_cell(tiny_dir / "diary.csv", 6, "date", "2026-01-09")
    err = read_error(tiny_dir)
    assert (err.row, err.column, err.value) == (6, "date", "2026-01-09")
    assert "row 4 dates their day 0 2026-01-05" in str(err)


def test_diary_date_before_enrolment(tiny_dir: Path) -> None:
    add_column(tiny_dir / "participants.csv", "enrolled", "2026-01-04")
    read_bundle(tiny_dir)
    set_cell(tiny_dir / "participants.csv", 2, "enrolled", "2026-01-06")
    err = read_error(tiny_dir)
    assert (err.file, err.row, err.column, err.value) == (
        str(tiny_dir / "diary.csv"), 4, "date", "2026-01-05",
    )  # fmt: skip
    assert "before participant 'P02' enrolled (2026-01-06" in str(err)


def test_in_memory_bundles_are_checked_too(tiny: StudyBundle) -> None:
    bad = dataclasses.replace(tiny, study=dataclasses.replace(tiny.study, days=(0, 1)))
    with pytest.raises(BundleDataError, match=r"diary table: row 1, column 'day': -1 is out"):
        validate_bundle(bad)
