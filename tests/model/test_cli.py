"""The model's commands through the real CLI entry point."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "gutbrain.cli", *args], capture_output=True, text=True
    )


def test_simulate_writes_outputs(tmp_path):
    out = tmp_path / "sim"
    r = _run(
        "simulate",
        str(EXAMPLES / "probiotic.toml"),
        "--people",
        "20",
        "--seed",
        "3",
        "--out",
        str(out),
        "--csv",
    )
    assert r.returncode == 0, r.stderr
    assert "(trajectories.parquet, trajectories.csv, axis.png)" in r.stdout
    df = pd.read_parquet(out / "trajectories.parquet")
    assert len(df) == 2 * 20 * 56
    assert {"participant", "arm", "day", "negative_affect", "cortisol", "fibre_g"} <= set(
        df.columns
    )
    csv = pd.read_csv(out / "trajectories.csv")
    assert list(csv.columns) == list(df.columns)
    num = df.select_dtypes("number").columns
    assert len(num) > 10 and (csv[num].to_numpy() == df[num].to_numpy()).all()  # exact round trip
    assert (out / "axis.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["people"] == 20
    assert manifest["files"] == ["trajectories.parquet", "trajectories.csv", "axis.png"]


def test_simulate_states_and_summary(tmp_path):
    scenario = str(EXAMPLES / "probiotic.toml")
    out = tmp_path / "sim"
    r = _run(
        "simulate", scenario, "-n", "3", "--states", "cortisol, negative_affect", "-o", str(out)
    )
    assert r.returncode == 0, r.stderr
    df = pd.read_parquet(out / "trajectories.parquet")
    assert list(df.columns) == ["participant", "arm", "day", "cortisol", "negative_affect"]
    r = _run("simulate", scenario, "-n", "3", "--summary", "-o", str(out), "--overwrite")
    assert r.returncode == 0, r.stderr
    shown = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert shown == ["axis.png", "manifest.json", "summary.parquet"]
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 2 * 56 * 14  # arms x days x the figure's quantities


def test_simulate_unknown_state_is_a_clean_error(tmp_path):
    out = tmp_path / "sim"
    r = _run(
        "simulate", str(EXAMPLES / "probiotic.toml"), "--states", "cortisol,mood", "-o", str(out)
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "--states: unknown state or output 'mood'; valid: negative_affect, " in r.stderr
    assert not out.exists()


def test_every_example_scenario_runs(tmp_path):
    for f in sorted(EXAMPLES.glob("*.toml")):
        r = _run("simulate", str(f), "--people", "3", "--out", str(tmp_path / f.stem))
        assert r.returncode == 0, (f, r.stderr)


def test_probiotic_plot_shows_na_falling_between_day_10_and_16(tmp_path):
    """The issue's acceptance figure: population-median NA starts to fall from day 10-16.

    Run as the figure is made (daily-life noise on, 300 people per arm). JS2025 and MODEL B5:
    negative mood falls from about day 14, with no clear effect before day 10.
    """
    from gutbrain.model.run import run_scenario
    from gutbrain.model.scenario import load_scenario
    from gutbrain.model.validation import effect_onset

    scenario = load_scenario(EXAMPLES / "probiotic.toml")
    traj = run_scenario(scenario, 300, 1)
    na = [traj.quantiles("negative_affect", (0.5,), group=g)[0] for g in (0, 1)]
    eff = na[0] - na[1]
    assert eff[28] > 1.0
    # no clear effect before day 10: through day 9 the median NA effect stays below a fifth of
    # its day-28 size; half of it is reached on day 10-16
    assert eff[:10].max() < 0.2 * eff[28], eff[:10] / eff[28]
    assert 10 <= effect_onset(eff, 28, 0.2) <= 16
    assert 10 <= effect_onset(eff, 28) <= 16
    # PA flat (JS2025: no effect on positive mood). In the noisy population the arms' median PA
    # never differs by 0.2 between-person SDs of PA through day 28 (Cohen 1988: d < 0.2 is
    # negligible; at d = 0.2 a trial of 88 has about 15 % power), while the NA effect reaches
    # 0.3 SDs of NA. Measured: PA 0.15 SD (1.4 points), NA 0.44 SD.
    sd_pa = np.asarray(traj["positive_affect"])[:, 0].std()
    sd_na = np.asarray(traj["negative_affect"])[:, 0].std()
    pa = [traj.quantiles("positive_affect", (0.5,), group=g)[0] for g in (0, 1)]
    assert np.abs(pa[1][:29] - pa[0][:29]).max() < 0.2 * sd_pa
    assert eff[28] > 0.3 * sd_na
    # for the reference person the arms' PA never differ by 1 point on the 0-100 scale
    det = run_scenario(scenario, 1, 1, noise=False)
    pa_ref = det["positive_affect"]
    assert np.abs(pa_ref[0, :29] - pa_ref[1, :29]).max() < 1.0


def test_validate_json_subset():
    r = _run("validate", "--json", "--check", "B1", "--check", "B9", "--check", "B5a")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["id"] for x in rows] == ["B1", "B9", "B5a"]
    assert all(x["passed"] is True for x in rows)
    assert set(rows[0]) == {"id", "description", "expected", "simulated", "passed"}


def test_validate_unknown_check_is_a_clean_error():
    r = _run("validate", "--check", "B99")
    assert r.returncode == 2 and "unknown check 'B99'" in r.stderr and "Traceback" not in r.stderr


def test_validate_exits_non_zero_when_a_check_fails(monkeypatch, capsys):
    # every real check passes, so a failing one is injected into the registry
    import pytest

    from gutbrain import cli
    from gutbrain.model import validation

    failing = validation.CheckResult("XFAIL", "an injected failing check", "pass", "fail", False)
    monkeypatch.setitem(validation.CHECKS, "XFAIL", lambda: failing)
    monkeypatch.setattr(sys, "argv", ["gutbrain", "validate", "--check", "XFAIL", "--check", "B1"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 1
    assert "1 of 2 checks pass" in capsys.readouterr().out


def test_simulate_keeps_a_folder_it_did_not_write(tmp_path):
    """--out on a folder holding other files is refused: it used to be deleted."""
    scenario = str(EXAMPLES / "probiotic.toml")
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me")
    r = _run("simulate", scenario, "--people", "2", "--out", str(mine))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"output {mine}: folder holds other files (thesis.txt)" in r.stderr
    assert (mine / "thesis.txt").read_text() == "keep me"
    # an earlier simulate output is replaced with --overwrite only (issue 25: it used to be
    # replaced silently)
    out = tmp_path / "sim"
    r = _run("simulate", scenario, "--people", "2", "--seed", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = _run("simulate", scenario, "--people", "2", "--seed", "2", "--out", str(out))
    assert r.returncode == 2 and "pass --overwrite to replace it" in r.stderr, r.stderr
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    r = _run("simulate", scenario, "-n", "2", "--seed", "2", "--out", str(out), "--overwrite")
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_simulate_bad_out_is_one_line(tmp_path):
    scenario = str(EXAMPLES / "probiotic.toml")
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    r = _run("simulate", scenario, "--people", "2", "--out", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"output {f}: exists and is not a folder" in r.stderr and f.read_text() == "keep me"
    r = _run("simulate", scenario, "--people", "2", "--out", str(f / "sim"))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"output {f / 'sim'}: {f} is a file, not a folder" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
