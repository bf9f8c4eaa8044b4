"""gutbrain._outdir: an existing output folder is never absent, and never lost, while it is
replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from gutbrain._outdir import check_out, swap_dir, write_atomic
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
        lambda: check_out(f / "sub", ["a.txt"]),
        lambda: write_atomic(f / "sub" / "deeper", {"a.txt": "x"}, ["a.txt"]),
    ):
        with pytest.raises(DataError, match=r"notes\.txt is a file, not a folder"):
            call()
    assert f.read_text() == "keep"
