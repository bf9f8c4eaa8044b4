"""The power run: Dask equals local, the CLI's outputs and errors, the design reader, and
PowerAnalysisIL's Model 2 against the nlme reference on a reduced grid."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.errors import DesignError
from gutbrain.power import read_design, run_power
from gutbrain.power.design import parse_design

ROOT = Path(__file__).resolve().parents[2]
PAIL = ROOT / "examples" / "power" / "pail_model2.toml"
PAIL_REF = ROOT / "tests" / "reference" / "power_pail_model2.csv"

SMALL = """
name = "small"
seed = 4
reps = 12
chunk = 4
[generator]
sd_within = 1.0
ar1 = 0.3
sd_intercept = 0.5
compliance = 0.8
dropout = 0.2
[generator.effects]
Z = 0.8
[analysis]
formula = "y ~ Z"
test = "Z"
[grid]
participants = [10, 16]
days = [6]
alpha = [0.05, 0.2]
"""


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_dask_run_equals_local_run(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    design = read_design(_small(tmp_path))
    local = run_power(design)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_power(design, scheduler=client)
    assert remote.curve == local.curve
    assert len(local.curve) == 4 and all(r["reps"] + r["failed"] == 12 for r in local.curve)


def test_cli_writes_results_and_report(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["power", str(_small(tmp_path)), "--out", str(tmp_path / "o"), "--workers", "1"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "o" / "results.json").read_text())
    assert {"participants", "days", "power", "ci_low", "ci_high", "reps"} <= set(out["curve"][0])
    assert [s["alpha"] for s in out["smallest"]] == [0.05, 0.2]
    for r in out["curve"]:
        assert r["ci_low"] <= r["power"] <= r["ci_high"]
    html = (tmp_path / "o" / "report.html").read_text()
    assert "<svg" in html and "Smallest design" in html


def test_cli_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("participants = [10, 16]", "participants = [10, 1]"))
    res = CliRunner().invoke(app, ["power", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert "bad.toml: grid.participants[2] = 1; expected an integer in [2, " in str(res.exception)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("formula", "formulae"), "analysis.formulae"),
        (("Z = 0.8", "Q = 0.8"), "generator.effects = 'Q'; expected an effect term"),
        (("compliance = 0.8", "compliance = 0"), "generator.compliance = 0"),
    ],
)
def test_design_errors_name_the_key(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(DesignError, match=re.escape(f"d.toml: {message}")):
        parse_design(tomllib.loads(SMALL.replace(*edit)), "d.toml")


def test_unknown_formula_column_stops_the_run() -> None:
    design = read_design(PAIL)
    bad = dataclasses.replace(
        design, analysis=dataclasses.replace(design.analysis, formula="y ~ depression")
    )
    with pytest.raises(DesignError, match="depression"):
        run_power(bad)


def test_pail_model2_matches_nlme_at_small_n() -> None:
    """PowerAnalysisIL's README scenario at N = 15 and 30 (reduced: 150 replicates each):
    within 3 combined Monte Carlo SEs of the nlme reference (tests/reference/
    power_pail_model2.R). The full curve is benchmarks/bench_power.py's."""
    design = read_design(PAIL)
    reduced = dataclasses.replace(
        design,
        reps=150,
        grid=dataclasses.replace(design.grid, participants=(15, 30)),
    )
    ref = pd.read_csv(PAIL_REF).set_index("participants")
    for r in run_power(reduced).curve:
        n = r["participants"]
        se = np.hypot(
            ref.loc[n, "mc_se"],
            np.sqrt(ref.loc[n, "power"] * (1 - ref.loc[n, "power"]) / r["reps"]),
        )
        assert abs(r["power"] - ref.loc[n, "power"]) <= 3 * se, (n, r["power"], ref.loc[n, "power"])


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "power").glob("*.toml")))
def test_examples_read(path: Path) -> None:
    design = read_design(path)
    assert design.reps >= 500 and design.grid.participants


def test_an_effect_grid_needs_a_generator_term() -> None:
    text = SMALL.replace('test = "Z"', 'test = "Intercept"').replace(
        "alpha = [0.05, 0.2]", "effect = [1.0]"
    )
    with pytest.raises(DesignError, match=re.escape("analysis.test = 'Intercept'; expected a")):
        parse_design(tomllib.loads(text), "d.toml")
