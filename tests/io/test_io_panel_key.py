"""study.toml's optional ``panel`` key: a ``.h5mu`` file name in the bundle folder."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from gutbrain.errors import DataError
from gutbrain.io import StudyMeta, read_bundle

TINY = Path(__file__).parent / "data" / "tiny"


def _with_panel(tmp_path: Path, panel: str) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    study = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    (root / "study.toml").write_text(tomli_w.dumps({**study, "panel": panel}), encoding="utf-8")
    return root


def test_a_bundle_without_panel_reads_and_one_with_its_file_too(tmp_path):
    assert read_bundle(TINY).study.panel is None
    root = _with_panel(tmp_path, "panel.h5mu")
    (root / "panel.h5mu").write_bytes(b"")  # the reader checks that the file is there
    meta = read_bundle(root).study
    assert meta.panel == "panel.h5mu" and meta.to_dict()["panel"] == "panel.h5mu"


def test_a_missing_panel_file_is_named(tmp_path):
    root = _with_panel(tmp_path, "panel.h5mu")
    with pytest.raises(DataError, match=r"panel = 'panel.h5mu' is not a file in the bundle"):
        read_bundle(root)


@pytest.mark.parametrize("panel", ["../panel.h5mu", "panel.csv", ".h5mu"])
def test_a_panel_that_is_no_h5mu_file_name_is_refused(tmp_path, panel):
    study = tomllib.loads((TINY / "study.toml").read_text(encoding="utf-8"))
    with pytest.raises(DataError, match=r"panel = .*; expected the multi-omics panel file"):
        StudyMeta.from_dict({**study, "panel": panel})
