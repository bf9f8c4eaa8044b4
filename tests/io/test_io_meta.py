"""study.toml: every inconsistency is reported with the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gutbrain.errors import DataError
from gutbrain.io import Arm, BundleDataError, StudyMeta, read_bundle
from gutbrain.io.meta import read_study_toml

GOOD = """\
name = "Tiny"
design = "parallel"
start = 2026-01-05
day0 = "first intervention day"
instruments = ["diary", "PHQ-9"]

[[arms]]
label = "placebo"

[[arms]]
label = "probiotic"
description = "5e9 CFU/day"

[provenance]
seed = 1
gutbrain_version = "0.1.0"
"""

CROSSOVER = """\
name = "Cross"
design = "crossover"
start = 2026-01-05
day0 = "first day of period 1"
instruments = ["diary"]

[[phases]]
label = "A"

[[phases]]
label = "B"
"""


def _err(tmp_path: Path, text: str) -> BundleDataError:
    path = tmp_path / "study.toml"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_study_toml(path)
    assert isinstance(info.value, BundleDataError)
    assert str(path) in str(info.value)
    return info.value


def test_good_study_toml(tmp_path: Path) -> None:
    (tmp_path / "study.toml").write_text(GOOD)
    meta = read_study_toml(tmp_path / "study.toml")
    assert meta.design == "parallel"
    assert meta.start == dt.date(2026, 1, 5)
    assert meta.arms == (Arm("placebo"), Arm("probiotic", "5e9 CFU/day"))
    assert meta.labels == ("placebo", "probiotic")
    assert meta.instruments == ("diary", "PHQ-9")
    assert meta.provenance == {"seed": 1, "gutbrain_version": "0.1.0"}
    assert StudyMeta.from_dict(meta.to_dict()) == meta
    assert "parallel" in repr(meta)


def test_crossover_uses_phases(tmp_path: Path) -> None:
    (tmp_path / "study.toml").write_text(CROSSOVER)
    meta = read_study_toml(tmp_path / "study.toml")
    assert meta.uses_sequences
    assert meta.labels == ("A", "B")


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        (
            'design = "parallel"',
            'design = "paralel"',
            "design",
            "design = 'paralel'; expected one of parallel",
        ),
        ('design = "parallel"', "design = 3", "design", "design = 3; expected one of"),
        (
            "start = 2026-01-05",
            'start = "2026-01-05"',
            "start",
            "start = '2026-01-05'; expected a TOML date",
        ),
        (
            "start = 2026-01-05",
            "start = 2026-01-05T10:00:00",
            "start",
            "start = 2026-01-05T10:00:00; expected a TOML date",
        ),
        ('name = "Tiny"', "name = 1", "name", "name = 1; expected a study name"),
        ('name = "Tiny"', 'name = ""', "name", "name = ''; expected a study name"),
        (
            'instruments = ["diary", "PHQ-9"]',
            'instruments = "diary"',
            "instruments",
            "expected an array",
        ),
        (
            'instruments = ["diary", "PHQ-9"]',
            'instruments = ["diary", "PHQ9"]',
            "instruments[2]",
            "= 'PHQ9'; expected an instrument: diary, PHQ-9",
        ),
        (
            'instruments = ["diary", "PHQ-9"]',
            'instruments = ["diary", "diary"]',
            "instruments[2]",
            "= 'diary'; expected a value not already used by instruments[1]",
        ),
        (
            'label = "placebo"',
            'label = "probiotic"',
            "arms[2].label",
            "not already used by arms[1]",
        ),
        ('label = "placebo"', "label = 7", "arms[1].label", "label = 7; expected a text label"),
        (
            'label = "placebo"',
            'lable = "placebo"',
            "arms[1].lable",
            "expected only the keys label, description",
        ),
        ("seed = 1", 'seed = "one"', "provenance.seed", "expected an integer"),
        (
            'name = "Tiny"',
            'name = "Tiny"\ndesgin = "x"',
            "desgin",
            "desgin = 'x'; expected only the keys name",
        ),
        (
            "seed = 1",
            'seed = 1\n[columns.diray]\nx = "text"',
            "columns.diray",
            "expected a bundle table",
        ),
        ("seed = 1", 'seed = 1\n[columns.diary]\nday = "text"', "columns.diary.day", "defines"),
        (
            "seed = 1",
            'seed = 1\n[columns.diary]\nx = "str"',
            "columns.diary.x",
            "= 'str'; expected a column kind: text, int, float",
        ),
        (
            "seed = 1",
            "seed = 1\n[columns.diary]\nx = 1",
            "columns.diary.x",
            "x = 1; expected a column kind",
        ),
        (
            "seed = 1",
            'seed = 1\n[columns]\ndiary = "x"',
            "columns.diary",
            "diary = 'x'; expected a table",
        ),
    ],
)
def test_bad_values(tmp_path: Path, old: str, new: str, key: str, expected: str) -> None:
    err = _err(tmp_path, GOOD.replace(old, new, 1))
    assert f"study.toml: {key}" in str(err)
    assert expected in str(err)
    assert err.column == key


def test_declared_columns_round_trip_through_to_dict(tmp_path: Path) -> None:
    text = GOOD + '[columns.diary]\nnotes = "text"\nsteps = "int"\n'
    (tmp_path / "study.toml").write_text(text)
    meta = read_study_toml(tmp_path / "study.toml")
    assert meta.declared("diary") == {"notes": "text", "steps": "int"}
    assert meta.declared("visits") == {}
    assert StudyMeta.from_dict(meta.to_dict()) == meta


@pytest.mark.parametrize("key", ["name", "design", "start", "day0", "instruments"])
def test_missing_key(tmp_path: Path, key: str) -> None:
    lines = [ln for ln in GOOD.splitlines() if not ln.startswith(f"{key} =")]
    err = _err(tmp_path, "\n".join(lines))
    assert f"missing key {key!r}" in str(err)


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    err = _err(tmp_path, GOOD.replace('day0 = "first intervention day"', "day0 = first day"))
    assert "not valid TOML" in str(err)
    assert "line 4" in str(err)


def test_parallel_without_arms(tmp_path: Path) -> None:
    text = GOOD.split("[[arms]]")[0] + "[provenance]\nseed = 1\n"
    err = _err(tmp_path, text)
    assert "arms: a parallel design needs at least two arms ([[arms]]); found 0" in str(err)


def test_nof1_without_phases(tmp_path: Path) -> None:
    text = CROSSOVER.replace('design = "crossover"', 'design = "nof1"').split("[[phases]]")[0]
    err = _err(tmp_path, text)
    assert "nof1 design needs at least two phases ([[phases]]" in str(err)


def test_crossover_with_arms(tmp_path: Path) -> None:
    err = _err(tmp_path, CROSSOVER + '\n[[arms]]\nlabel = "x"\n')
    assert "uses phases and participants' sequences, not arms" in str(err)


def test_phase_labels_are_single_characters(tmp_path: Path) -> None:
    err = _err(tmp_path, CROSSOVER.replace('label = "B"', 'label = "BB"'))
    assert "phases[2].label = 'BB'; expected a single character" in str(err)
    assert err.column == "phases[2].label"


def test_nof1_block_only_for_nof1(tmp_path: Path) -> None:
    err = _err(tmp_path, CROSSOVER + "\n[nof1]\nblock_days = 14\n")
    assert 'only allowed with design = "nof1"' in str(err)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("block_days = 0", "block_days = 0; expected an integer >= 1"),
        ("block_days = 1.5", "block_days = 1.5; expected an integer >= 1"),
        ("weeks = 2", "weeks = 2; expected only the keys block_days, wash_in_days"),
    ],
)
def test_nof1_block_checked(tmp_path: Path, block: str, expected: str) -> None:
    text = CROSSOVER.replace('design = "crossover"', 'design = "nof1"') + f"\n[nof1]\n{block}\n"
    assert expected in str(_err(tmp_path, text))


def test_from_dict_copies_nof1_and_provenance() -> None:
    """The frozen StudyMeta does not share the parsed tables: changing them does not change it."""
    nof1, prov = {"block_days": 14}, {"seed": 1}
    d = {
        "name": "N",
        "design": "nof1",
        "start": dt.date(2026, 1, 5),
        "day0": "first intervention day",
        "instruments": ["diary"],
        "phases": [{"label": "A"}, {"label": "B"}],
        "nof1": nof1,
        "provenance": prov,
    }
    meta = StudyMeta.from_dict(d)
    nof1["block_days"], prov["seed"] = 0, 2
    assert meta.nof1 == {"block_days": 14} and meta.provenance == {"seed": 1}


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_bytes(GOOD.encode("utf-8") + b"# \xff\n")
    with pytest.raises(DataError, match="not UTF-8"):
        read_study_toml(path)


def test_bundle_without_study_toml(tiny_dir: Path) -> None:
    (tiny_dir / "study.toml").unlink()
    with pytest.raises(DataError, match=r"study\.toml: not found"):
        read_bundle(tiny_dir)


def test_constructor_checks_too() -> None:
    with pytest.raises(DataError, match="parallel design needs at least two"):
        StudyMeta("x", "parallel", dt.date(2026, 1, 5), "day 0", ("diary",), arms=(Arm("a"),))
    meta = StudyMeta(
        "x",
        "nof1",
        dt.date(2026, 1, 5),
        "day 0",
        ["diary"],
        phases=[Arm("A"), Arm("B")],
        nof1={"block_days": 14, "wash_in_days": 3},
    )
    assert meta.phases == (Arm("A"), Arm("B"))
    assert meta.instruments == ("diary",)


def test_observational_may_have_no_arms() -> None:
    meta = StudyMeta("x", "observational", dt.date(2026, 1, 5), "enrolment", ("diary",))
    assert meta.labels == ()


def test_study_toml_that_is_a_folder(tiny_dir: Path) -> None:
    (tiny_dir / "study.toml").unlink()
    (tiny_dir / "study.toml").mkdir()
    with pytest.raises(DataError, match=r"study\.toml: cannot be read"):
        read_bundle(tiny_dir)
