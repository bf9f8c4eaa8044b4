"""validate_bundle on in-memory bundles and Parquet files: types are checked, never coerced."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutbrain.errors import DataError
from gutbrain.io import (
    Arm,
    BundleDataError,
    StudyBundle,
    StudyMeta,
    read_bundle,
    validate_bundle,
    write_bundle,
)


def _err(bundle: StudyBundle) -> BundleDataError:
    with pytest.raises(DataError) as info:
        validate_bundle(bundle)
    assert isinstance(info.value, BundleDataError)
    return info.value


def _with(bundle: StudyBundle, table: str, column: str, values: object) -> StudyBundle:
    df = getattr(bundle, table).copy()
    df[column] = values
    return dataclasses.replace(bundle, **{table: df})


def test_tiny_is_valid(tiny: StudyBundle) -> None:
    validate_bundle(tiny)
    validate_bundle(tiny, source="anything")


def test_float_day_is_refused_even_when_whole(tiny: StudyBundle) -> None:
    days = tiny.diary["day"].astype("float64")
    err = _err(_with(tiny, "diary", "day", days))
    assert (err.row, err.column, err.value) == (1, "day", -1.0)
    assert "is a float, not an integer" in str(err)
    days[3] = 2.5
    err = _err(_with(tiny, "diary", "day", days))
    assert "diary table: row 1, column 'day': -1.0 is a float" in str(err)
    assert "9 more rows" in str(err)


def test_numeric_participant_ids_are_refused(tiny: StudyBundle) -> None:
    ids = pd.Series([1, 2, 3, 4])
    err = _err(_with(tiny, "participants", "participant", ids))
    assert (err.row, err.column, err.value) == (1, "participant", 1)
    assert "has type int, not text" in str(err)


def test_source_names_tables(tiny: StudyBundle) -> None:
    diary = tiny.diary.copy()
    diary.loc[6, "positive_affect"] = 101.0
    with pytest.raises(DataError, match=r"^sim-7/diary: row 7, column 'positive_affect': 101\.0"):
        validate_bundle(dataclasses.replace(tiny, diary=diary), source="sim-7")


def test_int32_and_object_ints_are_accepted(tiny: StudyBundle) -> None:
    bundle = _with(tiny, "diary", "day", tiny.diary["day"].astype("int32"))
    validate_bundle(bundle)
    bundle = _with(tiny, "diary", "day", pd.Series(list(tiny.diary["day"]), dtype=object))
    validate_bundle(bundle)


def test_bool_in_int_column_is_refused(tiny: StudyBundle) -> None:
    adherence = pd.Series([True] * len(tiny.diary))
    err = _err(_with(tiny, "diary", "adherence", adherence))
    assert "is true/false" in str(err)


def test_named_index_is_refused(tiny: StudyBundle) -> None:
    participants = tiny.participants.set_index("participant")
    with pytest.raises(DataError, match=r"named index \(participant\); call reset_index"):
        validate_bundle(dataclasses.replace(tiny, participants=participants))


def test_unnamed_index_is_ignored(tiny: StudyBundle) -> None:
    diary = tiny.diary.iloc[::-1]
    validate_bundle(dataclasses.replace(tiny, diary=diary))
    diary = diary.copy()
    diary.iloc[0, diary.columns.get_loc("negative_affect")] = -5.0
    err = _err(dataclasses.replace(tiny, diary=diary))
    assert err.row == 1  # storage order, not the index label


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False, True, True], "is true/false"),
        (pd.to_datetime(["2026-01-01"] * 4), "extra columns must be numbers or text"),
        (["a", 1, "b", "c"], "has type int, not text"),
    ],
)
def test_extra_columns_must_be_numbers_or_text(
    tiny: StudyBundle, values: object, expected: str
) -> None:
    err = _err(_with(tiny, "participants", "extra", values))
    assert expected in str(err)
    assert err.column == "extra"


def test_non_text_column_name(tiny: StudyBundle) -> None:
    participants = tiny.participants.copy()
    participants[7] = 1.0
    with pytest.raises(DataError, match="non-text name 7"):
        validate_bundle(dataclasses.replace(tiny, participants=participants))


def test_bundle_fields_are_type_checked(tiny: StudyBundle) -> None:
    with pytest.raises(DataError, match=r"StudyBundle\.diary is a dict"):
        StudyBundle(study=tiny.study, participants=tiny.participants, diary={})  # type: ignore[arg-type]
    with pytest.raises(DataError, match="expected a StudyMeta"):
        StudyBundle(study={}, participants=tiny.participants, diary=tiny.diary)  # type: ignore[arg-type]


def test_observational_without_arms_refuses_arm_values(tiny: StudyBundle) -> None:
    meta = StudyMeta("obs", "observational", dt.date(2026, 1, 5), "enrolment", ("diary",))
    err = _err(dataclasses.replace(tiny, study=meta, visits=None))
    assert "declares no [[arms]]" in str(err)
    validate_bundle(
        dataclasses.replace(
            tiny, study=meta, visits=None, participants=tiny.participants.drop(columns="arm")
        )
    )


def _crossover(tiny: StudyBundle, sequences: list[str]) -> StudyBundle:
    meta = StudyMeta(
        "x",
        "crossover",
        dt.date(2026, 1, 5),
        "day 0",
        ("diary", "PANAS-NA", "STAI-state"),
        phases=(Arm("A", "placebo"), Arm("B", "probiotic")),
    )
    participants = tiny.participants.drop(columns="arm").assign(
        sequence=pd.Series(sequences, dtype="str")
    )
    return dataclasses.replace(tiny, study=meta, participants=participants)


def test_crossover_sequences(tiny: StudyBundle) -> None:
    validate_bundle(_crossover(tiny, ["AB", "BA", "ABBA", "BAAB"]))
    err = _err(_crossover(tiny, ["AB", "BA", "ACBA", "BA"]))
    assert (err.row, err.column, err.value) == (3, "sequence", "ACBA")
    assert "contains 'C', which is not a phase label" in str(err)
    err = _err(_crossover(tiny, ["AB", "BA", None, "BA"]))  # type: ignore[list-item]
    assert (err.row, err.column) == (3, "sequence")
    assert "empty cell" in str(err)


def test_crossover_with_arm_column(tiny: StudyBundle) -> None:
    bundle = _crossover(tiny, ["AB", "BA", "AB", "BA"])
    participants = bundle.participants.assign(arm=tiny.participants["arm"])
    err = _err(dataclasses.replace(bundle, participants=participants))
    assert "assigns participants by 'sequence'" in str(err)


def test_diary_phase_must_be_a_phase_label(tiny: StudyBundle) -> None:
    bundle = _crossover(tiny, ["AB", "BA", "AB", "BA"])
    phase = pd.Series(["A", None, "B", "A", "A", "B", "B", "A", "A", "b"], dtype="str")
    err = _err(_with(bundle, "diary", "phase", phase))
    assert (err.row, err.column, err.value) == (10, "phase", "b")


def test_taxa_sample_belongs_to_one_participant_day(tiny: StudyBundle) -> None:
    taxa = pd.DataFrame(
        {
            "sample": ["S1", "S1", "S2"],
            "participant": ["P01", "P02", "P02"],
            "day": [0, 0, 0],
            "taxon": ["Coprococcus", "Dialister", "Coprococcus"],
            "abundance": [0.1, 0.2, 0.3],
        }
    )
    err = _err(dataclasses.replace(tiny, taxa=taxa))
    assert (err.row, err.column, err.value) == (2, "sample", "S1")
    taxa.loc[1, "participant"] = "P01"
    validate_bundle(dataclasses.replace(tiny, taxa=taxa))


def test_truth_latent_keys(tiny: StudyBundle) -> None:
    latent = tiny.diary[["participant", "day"]].assign(cortisol=1.0, mood=np.linspace(0, 1, 10))
    validate_bundle(dataclasses.replace(tiny, truth_latent=latent))
    latent = pd.concat([latent, latent.iloc[[0]]], ignore_index=True)
    err = _err(dataclasses.replace(tiny, truth_latent=latent))
    assert err.row == 11
    assert "duplicate participant-day" in str(err)


def test_timestamps_need_an_offset(tiny_dir: Path) -> None:
    from _bundle_helpers import add_column, set_cell

    path = tiny_dir / "diary.csv"
    add_column(path, "submitted_at", "2026-01-05T20:15:00+01:00")
    bundle = read_bundle(tiny_dir)
    assert bundle.diary["submitted_at"].dtype == "datetime64[us, UTC]"
    assert bundle.diary["submitted_at"][0] == pd.Timestamp("2026-01-05T19:15:00", tz="UTC")
    set_cell(path, 3, "submitted_at", "2026-01-05T20:15:00")
    with pytest.raises(
        DataError, match=r"row 3, column 'submitted_at': '2026-01-05T20:15:00' has no UTC offset"
    ):
        read_bundle(tiny_dir)


def test_parquet_tables_are_checked_the_same_way(tmp_path: Path, tiny: StudyBundle) -> None:
    out = write_bundle(tiny, tmp_path / "b")
    diary = pd.read_parquet(out / "diary.parquet")
    diary["day"] = diary["day"].astype("float64")
    diary.to_parquet(out / "diary.parquet")
    with pytest.raises(DataError, match=r"diary\.parquet: row 1, column 'day': -1\.0 is a float"):
        read_bundle(out)
    (out / "diary.parquet").write_text("not parquet")
    with pytest.raises(DataError, match=r"diary\.parquet: cannot be read as Parquet"):
        read_bundle(out)


def test_parquet_index_is_ignored(tmp_path: Path, tiny: StudyBundle) -> None:
    out = write_bundle(tiny, tmp_path / "b")
    diary = tiny.diary.iloc[::-1]  # non-default index, which pandas stores as a column
    diary.to_parquet(out / "diary.parquet")
    back = read_bundle(out)
    assert list(back.diary.columns) == list(tiny.diary.columns)
    assert back.diary["day"].tolist() == diary["day"].tolist()


def test_canonical_dtypes(tiny: StudyBundle) -> None:
    d = tiny.diary.dtypes
    assert d["participant"] == "str"
    assert d["day"] == "int64"
    assert d["negative_affect"] == "float64"
    assert d["stool_form"] == "Int64"
    assert d["date"] == "datetime64[us]"
    assert tiny.participants["risk_aversion"].dtype == "float64"
    assert tiny.participants["withdrawn_day"].dtype == "Int64"
    assert tiny.visits is not None and tiny.visits["score"].dtype == "float64"


def test_summary_and_repr(tiny: StudyBundle) -> None:
    s = tiny.summary()
    assert list(s["table"]) == ["participants", "diary", "visits", "biomarkers"]
    assert list(s["rows"]) == [4, 10, 6, 4]
    assert repr(tiny) == (
        "StudyBundle('Tiny example', parallel, participants=4 rows, diary=10 rows, "
        "visits=6 rows, biomarkers=4 rows)"
    )
    d = tiny.to_dict()
    assert d["study"]["start"] == "2026-01-05"
    assert d["tables"]["diary"]["rows"] == 10


def test_extra_columns_keep_their_kind(tmp_path: Path, tiny: StudyBundle) -> None:
    participants = tiny.participants.assign(
        site=pd.Series(["01", "02", "01", "03"], dtype="str"),  # typed text stays text
        visits_done=pd.Series([3, 2, None, 4], dtype="Int64"),
        score=[1.5, 2.0, np.nan, 0.25],
    )
    bundle = dataclasses.replace(tiny, participants=participants)
    back = read_bundle(write_bundle(bundle, tmp_path / "pq", format="parquet"))
    assert back.participants["site"].tolist() == ["01", "02", "01", "03"]
    assert back.participants["visits_done"].dtype == "Int64"
    assert back.participants["score"].dtype == "float64"
    # In CSV a leading zero marks a code, so "01" stays text without a declaration.
    back = read_bundle(write_bundle(bundle, tmp_path / "csv", format="csv"))
    assert back.participants["site"].tolist() == ["01", "02", "01", "03"]
    assert back.participants["site"].dtype == "str"
    assert back.study.declared("participants") == {}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_numeric_looking_text_round_trips_in_both_formats(
    tmp_path: Path, tiny: StudyBundle, fmt: str
) -> None:
    codes = pd.Series(["12", "7", None, "NA"], dtype="str")  # "NA" is text in a text column
    bundle = dataclasses.replace(tiny, participants=tiny.participants.assign(code=codes))
    back = read_bundle(write_bundle(bundle, tmp_path / fmt, format=fmt))  # type: ignore[arg-type]
    got = back.participants["code"]
    assert got.dtype == "str"
    assert [None if pd.isna(v) else v for v in got] == ["12", "7", None, "NA"]
    assert back.study.declared("participants") == {"code": "text"}
    assert '[columns.participants]\ncode = "text"' in (tmp_path / fmt / "study.toml").read_text()
    assert back.study.declared("diary") == {}  # nothing declared that needs no declaration


def test_non_finite_extra_is_refused(tiny: StudyBundle) -> None:
    err = _err(_with(tiny, "participants", "score", [1.0, np.inf, 2.0, 3.0]))
    assert (err.row, err.column) == (2, "score")
    assert "is not finite" in str(err)
