"""``gutbrain calibrate`` through the CLI entry point, on a cheap stand-in problem."""

from __future__ import annotations

import sys
import tomllib

import pandas as pd
import pytest

import gutbrain.calibrate.abc_run as abc_run
from gutbrain.calibrate.abc_timing import FITTED, timing_targets
from gutbrain.cli import main
from gutbrain.model.parameters import PARAMETER_TABLE


def _linear(overrides: dict[str, float]) -> dict[str, float]:
    """Each target within +-2 of its SDs across its parameter's range: a quick calibration."""
    out = {}
    for row, name in zip(timing_targets(), FITTED, strict=True):
        spec = PARAMETER_TABLE[name]
        position = (overrides[name] - spec.low) / (spec.high - spec.low)
        out[row.key] = row.value + 4 * row.sd * (position - 0.5)
    return out


@pytest.fixture(autouse=True)
def _cheap_problem(monkeypatch):
    problem = abc_run.Problem(_linear, timing_targets(), FITTED, 171)
    monkeypatch.setattr(abc_run, "default_problem", lambda: problem)


def _cli(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["gutbrain", "calibrate", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_calibrate_writes_the_ensemble_and_resumes(tmp_path, monkeypatch, capsys):
    out = tmp_path / "calib"
    args = ["--out", str(out), "--population", "20", "--generations", "2", "--members", "30"]
    code, stdout, stderr = _cli(monkeypatch, capsys, *args, "--workers", "1", "--seed", "3")
    assert code == 0, stderr
    assert "2 generations (exact posterior)" in stdout
    members = pd.read_csv(out / "ensemble.csv")
    assert list(members.columns) == ["member", *FITTED] and len(members) == 30
    info = tomllib.loads((out / "ensemble.toml").read_text())
    assert info["seed"] == 3 and info["generations"] == 2 and info["person_days"] > 0
    # a finished run resumes to the same ensemble without simulating again
    code, _, stderr = _cli(monkeypatch, capsys, *args, "--workers", "1", "--seed", "3", "--resume")
    assert code == 0, stderr
    assert pd.read_csv(out / "ensemble.csv").equals(members)
    assert tomllib.loads((out / "ensemble.toml").read_text())["evaluated_in_last_call"] == 0


def test_calibrate_errors_are_one_line(tmp_path, monkeypatch, capsys):
    out = tmp_path / "calib"
    code, _, err = _cli(monkeypatch, capsys, "--out", str(out), "--resume")
    assert code == 2 and "--resume" in err and "Traceback" not in err
    code, _, err = _cli(monkeypatch, capsys, "--out", str(out), "--population", "1")
    assert code == 2 and "population = 1; expected at least 2 particles" in err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    code, _, err = _cli(monkeypatch, capsys, "--out", str(tmp_path / "other"))
    assert code == 2 and "holds other files" in err and len(err.strip().splitlines()) <= 2
