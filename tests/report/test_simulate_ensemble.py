"""``gutbrain simulate --ensemble``: per-member summaries and parameter and sampling bands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.model.ensemble import load_ensemble
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.report.simulate_ensemble import simulate_ensemble
from gutbrain.report.simulate_output import simulate_scenario

PROBIOTIC = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "probiotic.toml"
KEYS = ["arm", "day", "quantity"]


def _ensemble(tmp_path: Path):
    name = "e_scfa_vagal"  # the butyrate -> vagal afferent gain: moves the probiotic's effect
    spec = PARAMETER_TABLE[name]
    (tmp_path / "ensemble.toml").write_text('version = "t"\nmethod = "test"\nseed = 0\n')
    path = tmp_path / "ensemble.csv"
    path.write_text(f"member,{name}\ntable,{spec.value}\nlow,{spec.low}\nhigh,{spec.high}\n")
    return load_ensemble(path)


def test_members_bands_and_the_same_seed(tmp_path) -> None:
    ens = _ensemble(tmp_path)
    kw = {"people": 3, "seed": 5}
    simulate_ensemble(PROBIOTIC, tmp_path / "a", ens, **kw)
    simulate_ensemble(PROBIOTIC, tmp_path / "b", ens, **kw)
    a = tmp_path / "a"
    members = pd.read_parquet(a / "members.parquet")
    assert members.equals(pd.read_parquet(tmp_path / "b" / "members.parquet"))  # same seed
    summary = pd.read_parquet(a / "ensemble_summary.parquet").set_index(KEYS)
    spread = members.groupby(KEYS)["mean"].agg(["min", "max"]).loc[summary.index]
    assert np.all(spread["min"].to_numpy() <= summary["param_q05"].to_numpy() + 1e-12)
    assert np.all(summary["param_q95"].to_numpy() <= spread["max"].to_numpy() + 1e-12)
    q = summary[[f"param_q{p}" for p in ("05", "25", "50", "75", "95")]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-12)
    assert (summary["within_q05"] <= summary["within_q95"]).all()
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["ensemble"]["members"] == ["table", "low", "high"]
    assert (a / "axis.png").is_file() and (a / "axis_people.png").is_file()
    # the member at the table values is the plain run with the same seed
    simulate_scenario(PROBIOTIC, tmp_path / "plain", summary=True, **kw)
    plain = pd.read_parquet(tmp_path / "plain" / "summary.parquet").set_index(KEYS)
    table = members[members["member"] == "table"].set_index(KEYS)
    assert np.array_equal(table["mean"].to_numpy(), plain.loc[table.index, "mean"].to_numpy())


def test_simulate_cli_says_which_ensemble(tmp_path) -> None:
    out = tmp_path / "o"
    args = ["simulate", str(PROBIOTIC), "-n", "2", "--ensemble", "2", "--out", str(out)]
    r = CliRunner().invoke(app, [*args, "--ensemble-source", "prior"])
    assert r.exit_code == 0, r.output
    assert "ensemble: 2 prior draws" in r.output and "2 members x 2 people" in r.output
