"""The targets table: its rows pass the checks, the committed split is the seeded draw's own
output (no row moved by hand), the coverage rules of issue 18 hold, and a bad cell is reported
with its file, row, column, value and what was expected."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest

from gutbrain.errors import DataError
from gutbrain.model.target_split import PINNED, SEED, draw_split, with_split
from gutbrain.model.targets import CATEGORIES, COLUMNS, load_targets, parse_targets, read_targets

TEXT = files("gutbrain.model").joinpath("data/targets.csv").read_text(encoding="utf-8")


def _pairs() -> list[tuple[str, str]]:
    return [(t.key, t.category) for t in load_targets()]


def test_table_has_at_least_30_rows_covering_every_category():
    rows = load_targets()
    assert len(rows) >= 30
    assert set(Counter(t.category for t in rows)) == set(CATEGORIES)


def test_committed_split_is_the_seeded_draw():
    assert with_split(TEXT) == TEXT, "a split was changed by hand: rerun split_targets.py"


def test_split_holds_out_a_third_and_one_per_category_and_keeps_pinned_rows_calibration():
    rows = load_targets()
    assert 3 * sum(t.held_out for t in rows) >= len(rows)
    for category in CATEGORIES:
        assert any(t.held_out for t in rows if t.category == category), category
    split = {t.key: t.split for t in rows}
    assert PINNED and all(split[k] == "calibration" for k in PINNED)


def test_draw_is_random_in_the_seed():
    assert draw_split(_pairs(), SEED) != draw_split(_pairs(), SEED + 1)


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_adding_a_row_moves_at_most_one_existing_row(category):
    before = draw_split(_pairs())
    after = draw_split([*_pairs(), ("NEW_2099_ROW", category)])
    assert sum(before[k] != after[k] for k in before) <= 1


def test_direction_rows_carry_a_sign_and_ranges_carry_no_value():
    for t in load_targets():
        if t.kind == "direction":
            assert t.value in (-1, 0, 1) and t.unit == "sign", t.key
        if t.value is None:
            assert t.interval == "range", t.key


def test_sign_and_ci_width_read_the_published_figure():
    rows = {t.key: t for t in load_targets()}
    assert rows["NIK2021_STANDALONE"].sign == -1
    assert rows["SO2018_ALPHA_DIVERSITY"].sign == 0
    assert rows["FURUKAWA2016_RESPONSE"].sign == 1  # a range, 0.35-0.40
    assert rows["STETLER2011_ACTH"].ci95_width == pytest.approx(0.25)
    assert rows["KEENAN_ACTH_HALF_LIFE"].ci95_width is None  # an SE, no CI


def _table(**cells: str) -> str:
    """The header and the first row of the packaged table, with ``cells`` replaced."""
    header, first = TEXT.splitlines()[:2]
    row = {**next(csv.DictReader([header, first])), **cells}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


AT = "targets.csv: row 2 (key 'SO2018_BIFIDOBACTERIUM'), column"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"category": "gut"}, f"{AT} 'category' = 'gut'; expected a category: microbiome"),
        ({"kind": "slope"}, f"{AT} 'kind' = 'slope'; expected a kind: mean"),
        ({"split": "test"}, f"{AT} 'split' = 'test'; expected a split: calibration, holdout"),
        ({"value": "0.9"}, f"{AT} 'value' = 0.9; expected a value inside [0.42, 0.86]"),
        ({"value": "abc"}, f"{AT} 'value' = 'abc'; expected a number or an empty cell"),
        ({"value": ""}, f"{AT} 'value': empty cell; expected the published value"),
        ({"high": ""}, f"{AT} 'high': empty cell; expected both ends of the interval"),
        ({"low": "0.9", "high": "0.5"}, f"{AT} 'low' = 0.9; expected a lower end <= high"),
        ({"interval": "iqr"}, f"{AT} 'interval' = 'iqr'; expected an interval: ci95, range"),
        ({"unit": ""}, f"{AT} 'unit': empty cell; expected the unit of the figure"),
        ({"source": " "}, f"{AT} 'source': empty cell; expected the source of the figure"),
        ({"where_read": "memory"}, f"{AT} 'where_read' = 'memory'; expected the page read"),
        ({"sd": "-1"}, f"{AT} 'sd' = -1.0; expected a spread > 0"),
        ({"n": "2.5"}, f"{AT} 'n' = '2.5'; expected a whole number of people"),
        (
            {"kind": "proportion", "value": "1.5", "low": "", "high": "", "interval": ""},
            f"{AT} 'value' = 1.5; expected a share in [0, 1] (kind 'proportion')",
        ),
        (
            {"kind": "direction", "value": "2", "low": "", "high": "", "interval": ""},
            f"{AT} 'value' = '2'; expected -1, 0 or 1 with unit 'sign'",
        ),
        (
            {
                "kind": "direction",
                "value": "1",
                "unit": "sign",
                "low": "",
                "high": "",
                "interval": "",
                "sd": "2",
            },
            f"{AT} 'kind': a direction row carries no interval, SD or SE",
        ),
        (
            {"key": "bad key"},
            "targets.csv: row 2, column 'key' = 'bad key'; expected a key of capitals",
        ),
    ],
)
def test_a_bad_cell_names_file_row_column_value_and_expectation(cells, message):
    assert _error(_table(**cells)).startswith(message)


def _error(text: str) -> str:
    with pytest.raises(DataError) as err:
        parse_targets(text)
    return str(err.value)


def test_a_repeated_key_and_a_wrong_header_are_refused(tmp_path):
    lines = _table().splitlines()
    assert _error("\n".join([*lines, lines[1]])) == (
        "targets.csv: row 3, column 'key' = 'SO2018_BIFIDOBACTERIUM'; "
        "expected a key not used on line 2"
    )
    assert _error(_table().replace("where_read", "page")).startswith(
        "targets.csv: header 'key,category,"
    )
    assert "(missing ['where_read'], unknown ['page'])" in _error(
        _table().replace("where_read", "page")
    )
    with pytest.raises(DataError) as err:
        read_targets(tmp_path / "absent.csv")
    assert str(err.value).startswith(f"{tmp_path / 'absent.csv'}: cannot be read")


def test_guide_counts_match_the_table():
    text = (Path(__file__).resolve().parents[2] / "docs" / "targets.md").read_text()
    rows = load_targets()
    for category in CATEGORIES:
        in_category = [t for t in rows if t.category == category]
        held = sum(t.held_out for t in in_category)
        assert re.search(rf"\| `{category}` \|[^\n]*\| {len(in_category)} \| {held} \|", text)
    assert f"| total | | {len(rows)} | {sum(t.held_out for t in rows)} |" in text


def test_guide_example_runs(doc_examples):
    assert doc_examples.run("targets.md") >= 1
