"""`gutbrain analyze` and `gutbrain nof1`: outputs, manifest, atomic writing, errors, CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gutbrain import __version__
from gutbrain._outdir import MARKER
from gutbrain.cli import app
from gutbrain.errors import DataError
from gutbrain.io import write_bundle
from gutbrain.report._render import DISCLAIMER
from gutbrain.report.analyze_report import run_analyze
from gutbrain.report.nof1_report import run_nof1

# The synthetic-bundle builders live beside the analysis tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from _synthetic_bundles import nof1_bundle, parallel_bundle


@pytest.fixture(scope="module")
def parallel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "parallel"
    write_bundle(parallel_bundle(1, n=40, days=21, onset=10, na_effect=-10.0), path, format="csv")
    return path


@pytest.fixture(scope="module")
def nof1_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "nof1"
    write_bundle(nof1_bundle(2, n=4), path)
    return path


def test_analyze_writes_results_and_report(parallel_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_analyze(parallel_dir, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "report.html", "results.json"]
    res = json.loads((out / "results.json").read_text())
    man = res["manifest"]
    assert man["gutbrain_version"] == __version__ and man["command"] == "analyze"
    assert man["study"] == "synthetic parallel" and man["options"]["onset_shape"] == "step"
    files = {Path(f["path"]).name: f["sha256"] for f in man["inputs"]}
    assert set(files) >= {"study.toml", "participants.csv", "diary.csv", "visits.csv"}
    for name, digest in files.items():
        assert digest == hashlib.sha256((parallel_dir / name).read_bytes()).hexdigest()
    na = res["diary_trial"]["outcomes"]["negative_affect"]
    assert na["onset"]["day"] is not None
    assert na["onset"]["day"] == run.trial.outcomes["negative_affect"].onset.day  # type: ignore[union-attr]
    for row in na["weekly"]:
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    assert res["diary_trial"]["comparison"]["rows"]
    page = (out / "report.html").read_text()
    assert DISCLAIMER in page
    assert page.count("data:image/png;base64,") == 3
    assert "What the daily diary detects vs what pre/post detects" in page
    assert f"Onset: day {na['onset']['day']}" in page
    assert "http://" not in page and "https://" not in page


def test_analyze_nof1_bundle_has_panels(nof1_dir: Path, tmp_path: Path) -> None:
    run = run_analyze(nof1_dir, tmp_path / "out")
    assert run.nof1 is not None and run.results["design"] == "nof1"
    page = (tmp_path / "out" / "report.html").read_text()
    assert "N-of-1 panels" in page and DISCLAIMER in page


def test_nof1_command_outputs(nof1_dir: Path, tmp_path: Path) -> None:
    run = run_nof1(nof1_dir, tmp_path / "out", mid=3.0, wash_in=2)
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["manifest"]["options"]["wash_in"] == 2
    assert res["nof1"]["wash_in_days"] == 2 and len(res["nof1"]["participants"]) == 4
    assert res["nof1"]["pooled"]["estimate"] == pytest.approx(
        run.results["nof1"]["pooled"]["estimate"]
    )


def test_failed_run_leaves_nothing_and_fixed_bundle_succeeds(
    parallel_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bundle"
    write_bundle(parallel_bundle(1, n=40, days=21, onset=10, na_effect=-10.0), bad, format="csv")
    diary = bad / "diary.csv"
    good_text = diary.read_text()
    lines = good_text.splitlines(keepends=True)
    head = lines[0].rstrip("\r\n").split(",")
    cells = lines[3].rstrip("\r\n").split(",")
    cells[head.index("negative_affect")] = "150"
    lines[3] = ",".join(cells) + "\r\n"
    diary.write_text("".join(lines))
    out = tmp_path / "out"
    with pytest.raises(DataError, match="negative_affect"):
        run_analyze(bad, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
    diary.write_text(good_text)
    run_analyze(bad, out)
    assert (out / "report.html").exists()


def test_cli_analyze_and_nof1(parallel_dir: Path, nof1_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app, ["analyze", str(parallel_dir), "--out", str(tmp_path / "a"), "--onset-shape", "ramp"]
    )
    assert r.exit_code == 0, r.output
    assert "negative_affect" in r.output and "not medical advice" in r.output
    res = json.loads((tmp_path / "a" / "results.json").read_text())
    assert res["manifest"]["options"]["onset_shape"] == "ramp"
    profile = res["diary_trial"]["outcomes"]["negative_affect"]["onset"]["profile"]
    assert set(profile) == {"tau", "log_evidence_ramp", "posterior_ramp", "posterior"}
    assert abs(sum(profile["posterior"]) - 1) < 1e-9
    r = CliRunner().invoke(app, ["nof1", str(nof1_dir), "--out", str(tmp_path / "n"), "--mid", "3"])
    assert r.exit_code == 0, r.output
    assert "pooled" in r.output
    r = CliRunner().invoke(app, ["nof1", str(parallel_dir), "--out", str(tmp_path / "x")])
    assert r.exception is not None and "nof1" in str(r.exception)
    assert not (tmp_path / "x").exists()


def test_main_exits_2_with_a_short_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from gutbrain.cli import main; main()", "analyze",
         str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "o").exists()
