"""gutbrain._outdir: an existing output folder is never absent, and never lost, while it is
replaced; and one rule decides which folders a command may replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from gutbrain._outdir import MARKER, check_out, claim_dir, swap_dir, write_atomic, written_by
from gutbrain.errors import DataError


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "a.txt").write_text(text)
    return path


def test_swap_replaces_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = _folder(tmp_path / "out", "old")
    swap_dir(_folder(tmp_path / "new", "new"), out)
    assert (out / "a.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_swap_puts_the_old_folder_back_when_the_new_one_cannot_be_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _folder(tmp_path / "out", "old")
    new = _folder(tmp_path / "new", "new")
    real = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if self == new:
            raise OSError(28, "No space left on device")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="No space"):
        swap_dir(new, out)
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "out"]


def test_an_output_under_a_file_is_named_as_such(tmp_path: Path) -> None:
    """``--out FILE/sub`` used to fail with the operating system's 'File exists'."""
    f = tmp_path / "notes.txt"
    f.write_text("keep")
    for call in (
        lambda: check_out(f / "sub", "meta"),
        lambda: write_atomic(f / "sub" / "deeper", {"a.txt": "x"}, "meta"),
    ):
        with pytest.raises(DataError, match=r"notes\.txt is a file, not a folder"):
            call()
    assert f.read_text() == "keep"


def test_new_and_empty_folders_are_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "new", tmp_path / "empty"):
        write_atomic(out, {"a.txt": "x"}, "analyze")
        assert written_by(out) == "analyze" and (out / "a.txt").read_text() == "x"


def test_an_earlier_output_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    """Issue 25: ``simulate``, ``analyze`` and ``meta`` used to replace it silently."""
    out = tmp_path / "out"
    write_atomic(out, {"a.txt": "1"}, "analyze")
    with pytest.raises(DataError, match="earlier gutbrain analyze output; pass --overwrite"):
        write_atomic(out, {"a.txt": "2"}, "analyze")
    assert (out / "a.txt").read_text() == "1"
    write_atomic(out, {"a.txt": "2"}, "analyze", overwrite=True)
    assert (out / "a.txt").read_text() == "2"


def test_another_commands_output_is_never_replaced(tmp_path: Path) -> None:
    """Issue 25: ``meta --out`` over an analyze report used to replace it."""
    out = tmp_path / "out"
    write_atomic(out, {"results.json": "{}"}, "analyze")
    with pytest.raises(DataError, match=r"not an earlier gutbrain meta output; --overwrite"):
        write_atomic(out, {"results.json": "[]"}, "meta", overwrite=True)
    assert (out / "results.json").read_text() == "{}" and written_by(out) == "analyze"


def test_a_folder_of_other_files_is_refused_naming_overwrite(tmp_path: Path) -> None:
    mine = _folder(tmp_path / "mine", "keep")
    for overwrite in (False, True):
        with pytest.raises(DataError, match=r"holds other files \(a\.txt\).*--overwrite"):
            check_out(mine, "simulate", overwrite=overwrite)
        with pytest.raises(DataError, match="holds other files"):
            claim_dir(mine, "demo", overwrite=overwrite)
    assert sorted(p.name for p in mine.iterdir()) == ["a.txt"]


def test_claim_dir_marks_a_folder_written_in_place(tmp_path: Path) -> None:
    out = claim_dir(tmp_path / "demo", "demo")
    assert (out / MARKER).read_text() == "gutbrain demo\n"
    (out / "axis.png").write_bytes(b"png")
    with pytest.raises(DataError, match="pass --overwrite"):
        claim_dir(out, "demo")
    assert claim_dir(out, "demo", overwrite=True) == out
