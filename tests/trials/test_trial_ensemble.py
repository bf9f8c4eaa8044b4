"""``gutbrain trial --ensemble``: one bundle per member, each recording its member, and bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import gutbrain.io as gio
from gutbrain.cli import app
from gutbrain.model.ensemble import load_ensemble
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.trials.ensemble import write_trial_ensemble
from gutbrain.trials.output import write_trial

JS2025 = Path(__file__).resolve().parents[2] / "examples" / "trials" / "js2025.toml"


def _small_design(tmp_path: Path) -> Path:
    design = tmp_path / "d.toml"
    design.write_text(JS2025.read_text().replace("n = 88", "n = 8"))
    return design


def test_member_bundles_record_their_member_and_bands_contain_them(tmp_path) -> None:
    name = "e_scfa_vagal"
    spec = PARAMETER_TABLE[name]
    (tmp_path / "ensemble.toml").write_text('version = "t"\nmethod = "test"\nseed = 0\n')
    csv = tmp_path / "ensemble.csv"
    csv.write_text(f"member,{name}\ntable,{spec.value}\nlow,{spec.low}\nhigh,{spec.high}\n")
    ens = load_ensemble(csv)
    design = _small_design(tmp_path)
    run = write_trial_ensemble(design, tmp_path / "out", ens, seed=4)
    for i, member in enumerate(ens.members):
        prov = gio.read_bundle(tmp_path / "out" / "members" / member).study.provenance
        assert prov["ensemble_member"] == member and prov["ensemble_source"] == str(csv)
        assert prov["ensemble_parameters"] == ens.overrides(i) and prov["seed"] == 4
    est = pd.read_csv(tmp_path / "out" / "ensemble_members.csv")
    assert set(est["member"]) == set(ens.members)
    summary = run.summary.set_index(["comparison", "outcome"])
    spread = est.groupby(["comparison", "outcome"])["estimate"].agg(["min", "max"])
    spread = spread.loc[summary.index]
    assert np.all(spread["min"].to_numpy() <= summary["param_q05"].to_numpy() + 1e-12)
    assert np.all(summary["param_q95"].to_numpy() <= spread["max"].to_numpy() + 1e-12)
    assert np.all(summary["sampling_q05"] < summary["sampling_q95"])
    assert "probiotic - placebo" in set(summary.index.get_level_values(0))
    # the member at the table values is the plain trial with the same seed, table for table
    write_trial(design, tmp_path / "plain", 4)
    plain = gio.read_bundle(tmp_path / "plain")
    table = gio.read_bundle(tmp_path / "out" / "members" / "table")
    for t in ("participants", "diary", "truth_latent"):
        assert getattr(table, t).equals(getattr(plain, t)), t
    # the same seed again: the same estimates
    again = write_trial_ensemble(design, tmp_path / "again", ens.head(1), seed=4)
    first = est[est["member"] == "table"].set_index(["comparison", "outcome"])["estimate"]
    q50 = again.summary.set_index(["comparison", "outcome"])["param_q50"]
    assert q50.to_dict() == first.to_dict()


def test_trial_cli_ensemble_prints_bands(tmp_path) -> None:
    out = tmp_path / "o"
    args = ["trial", str(_small_design(tmp_path)), "--out", str(out), "--ensemble", "2"]
    r = CliRunner().invoke(app, [*args, "--ensemble-source", "prior"])
    assert r.exit_code == 0, r.output
    assert "ensemble: 2 prior draws" in r.output and "parameter 90 % band" in r.output
    assert (out / "ensemble.png").is_file() and len(list((out / "members").iterdir())) == 2
