"""write_bundle: validates first, writes atomically, never clobbers what is not a bundle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import gutbrain.io.write as write_mod
from gutbrain.errors import DataError
from gutbrain.io import StudyBundle, read_bundle, write_bundle


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_tiny(tmp_path: Path, tiny: StudyBundle, fmt: str) -> None:
    out = write_bundle(tiny, tmp_path / "out", format=fmt)  # type: ignore[arg-type]
    assert out == tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["study.toml", *(f"{name}.{fmt}" for name in tiny.tables())]
    )
    back = read_bundle(out)
    assert back.equals(tiny)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folders left


def test_csv_output_is_plain(tmp_path: Path, tiny: StudyBundle) -> None:
    out = write_bundle(tiny, tmp_path / "out", format="csv")
    diary = (out / "diary.csv").read_text().splitlines()
    assert diary[0] == "participant,day,negative_affect,positive_affect,stool_form,adherence,date"
    assert diary[1] == "P01,-1,12.5,60.0,4,,2026-01-04"
    assert diary[3] == "P01,1,,58.0,3,1,2026-01-06"


def test_csv_quotes_awkward_text(tmp_path: Path, tiny: StudyBundle) -> None:
    participants = tiny.participants.copy()
    participants["sex"] = pd.Series(["a\rb", 'say "hi", ok', "x\ny", "\r\n"], dtype="str")
    bundle = dataclasses.replace(tiny, participants=participants)
    back = read_bundle(write_bundle(bundle, tmp_path / "out", format="csv"))
    assert back.participants["sex"].tolist() == participants["sex"].tolist()


def test_refuses_existing_bundle_without_overwrite(tmp_path: Path, tiny: StudyBundle) -> None:
    out = write_bundle(tiny, tmp_path / "out", format="csv")
    before = _listing(out)
    with pytest.raises(DataError, match="already holds a bundle; pass overwrite=True"):
        write_bundle(tiny, out, format="parquet")
    assert _listing(out) == before


def test_overwrite_replaces_the_whole_bundle(tmp_path: Path, tiny: StudyBundle) -> None:
    out = write_bundle(tiny, tmp_path / "out", format="csv")
    smaller = dataclasses.replace(tiny, visits=None, biomarkers=None)
    write_bundle(smaller, out, format="parquet", overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == [
        "diary.parquet",
        "participants.parquet",
        "study.toml",
    ]
    assert read_bundle(out).equals(smaller)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_refuses_non_bundle_folder(tmp_path: Path, tiny: StudyBundle) -> None:
    target = tmp_path / "thesis"
    target.mkdir()
    (target / "chapter1.md").write_text("precious")
    with pytest.raises(DataError, match="is not a bundle"):
        write_bundle(tiny, target, overwrite=True)
    assert _listing(target) == {"chapter1.md": b"precious"}


def test_refuses_a_file(tmp_path: Path, tiny: StudyBundle) -> None:
    (tmp_path / "x").write_text("file")
    with pytest.raises(DataError, match="is a file"):
        write_bundle(tiny, tmp_path / "x")


def test_empty_folder_and_missing_parents_are_fine(tmp_path: Path, tiny: StudyBundle) -> None:
    (tmp_path / "empty").mkdir()
    write_bundle(tiny, tmp_path / "empty")
    write_bundle(tiny, tmp_path / "a" / "b" / "c")
    assert read_bundle(tmp_path / "a" / "b" / "c").equals(tiny)


def test_invalid_bundle_writes_nothing(tmp_path: Path, tiny: StudyBundle) -> None:
    diary = tiny.diary.copy()
    diary.loc[2, "negative_affect"] = 140.0
    with pytest.raises(DataError, match=r"diary table: row 3, column 'negative_affect': 140\.0"):
        write_bundle(dataclasses.replace(tiny, diary=diary), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_failure_mid_write_leaves_no_partial_folder(
    tmp_path: Path, tiny: StudyBundle, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = write_mod._write_table

    def flaky(df, folder, name, format):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        real(df, folder, name, format)

    monkeypatch.setattr(write_mod, "_write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_bundle(tiny, tmp_path / "out", format=fmt)  # type: ignore[arg-type]
    assert calls["n"] == 3
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_overwrite_keeps_the_old_bundle(
    tmp_path: Path, tiny: StudyBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_bundle(tiny, tmp_path / "out", format="csv")
    before = _listing(out)

    def broken(df, folder, name, format):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(write_mod, "_write_table", broken)
    with pytest.raises(KeyboardInterrupt):
        write_bundle(tiny, out, format="parquet", overwrite=True)
    assert _listing(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failure_during_swap_restores_the_old_bundle(
    tmp_path: Path, tiny: StudyBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_bundle(tiny, tmp_path / "out", format="csv")
    before = _listing(out)
    real_replace = write_mod.os.replace
    calls = {"n": 0}

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # the move of the new bundle into place
            raise OSError("rename failed (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(write_mod.os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        write_bundle(tiny, out, format="parquet", overwrite=True)
    assert _listing(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_unknown_format(tmp_path: Path, tiny: StudyBundle) -> None:
    with pytest.raises(DataError, match="format 'xlsx' is unknown"):
        write_bundle(tiny, tmp_path / "out", format="xlsx")  # type: ignore[arg-type]
