"""The emulator route on a cheap stand-in model: design and resume, emulators, MCMC, and a
reduced simulation-based check (benchmarks/emulator_sbc.py runs it on the real model)."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
import pytest

from gutbrain.calibrate.emulator import error_scale, fit_emulators, to_unit
from gutbrain.calibrate.emulator_check import coverage, pass_rule
from gutbrain.calibrate.emulator_design import design_points, load_design, run_design
from gutbrain.calibrate.emulator_mcmc import sample_posterior
from gutbrain.calibrate.emulator_run import run_emulator_calibration
from gutbrain.cli import main
from gutbrain.errors import DataError
from gutbrain.model.ensemble import load_ensemble
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import load_targets

NAMES = ["gamma_expectancy", "e_expectancy_na"]
KEYS = ["DOW2010_IL6", "LI2019_PLACEBO_IMPROVEMENT", "JAKOBSEN2017_SSRI_HDRS"]


def _rows():
    by_key = {t.key: t for t in load_targets()}
    return [by_key[k] for k in KEYS]


def stand_in(overrides: dict[str, float], keys: list[str]) -> dict[str, float]:
    """A smooth two-parameter model: each row moves by many error scales over the ranges."""
    u = to_unit(pd.DataFrame([overrides]), NAMES)[0]
    scales = {r.key: error_scale(r)[0] for r in _rows()}
    shape = {
        "DOW2010_IL6": 4 * u[0] + 2 * u[1] ** 2,
        "LI2019_PLACEBO_IMPROVEMENT": -3 * u[1] + np.sin(3 * u[0]),
        "JAKOBSEN2017_SSRI_HDRS": 2 * u[0] * u[1] + 3 * u[1],
    }
    return {k: 4 * scales[k] * shape[k] for k in keys}


def test_design_points_lie_in_the_declared_ranges_one_per_stratum_per_batch():
    pts = design_points(NAMES, 20, seed=3)
    for n in NAMES:
        spec = PARAMETER_TABLE[n]
        unit = (pts[n] - spec.low) / (spec.high - spec.low)
        assert unit.between(0, 1).all()
        assert sorted(np.floor(unit * 20).astype(int)) == list(range(20))  # a Latin hypercube
    assert design_points(NAMES, 20, seed=3).equals(pts)


def test_an_interrupted_design_resumes_to_the_uninterrupted_table(tmp_path):
    whole = run_design(tmp_path / "a", 6, 1, names=NAMES, keys=KEYS, predictor=stand_in)
    calls = []

    def stop_after_two(overrides, keys):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return stand_in(overrides, keys)

    with pytest.raises(KeyboardInterrupt):
        run_design(tmp_path / "b", 6, 1, names=NAMES, keys=KEYS, predictor=stop_after_two)
    assert len(load_design(tmp_path / "b")) == 2
    again = run_design(tmp_path / "b", 6, 1, names=NAMES, keys=KEYS, predictor=stand_in)
    pd.testing.assert_frame_equal(
        again.drop(columns="seconds"), whole.drop(columns="seconds"), check_exact=True
    )
    with pytest.raises(DataError, match="seed = 1, now 2"):
        run_design(tmp_path / "b", 6, 2, names=NAMES, keys=KEYS, predictor=stand_in)


@pytest.fixture(scope="module")
def fitted():
    design = run_design_in_memory(40, seed=2)
    return design, fit_emulators(design, NAMES, _rows(), seed=0)


def run_design_in_memory(n: int, seed: int) -> pd.DataFrame:
    pts = design_points(NAMES, n, seed)
    preds = pd.DataFrame([stand_in(dict(p), KEYS) for _, p in pts.iterrows()])
    return pd.concat([pts, preds], axis=1)


def test_emulators_validate_well_on_a_smooth_model(fitted):
    _, emu = fitted
    table = emu.table.set_index("key")
    # leave-out error of the chosen emulator, in units of each row's error scale
    chosen = [table.loc[k, f"cv_rmse_{kind}"] for k, kind in zip(KEYS, emu.kinds, strict=True)]
    assert max(np.array(chosen) / table["design_sd"]) < 0.1, table


def test_mcmc_recovers_the_parameters_behind_noise_free_targets(fitted):
    _, emu = fitted
    truth = {"gamma_expectancy": 0.55, "e_expectancy_na": 0.2}
    observed = np.array(list(stand_in(truth, KEYS).values()))
    chain = sample_posterior(emu, 600, seed=4, observed=observed)
    assert 0.1 < chain.acceptance < 0.9
    lo, hi = chain.draws.quantile(0.05), chain.draws.quantile(0.95)
    for name, value in truth.items():
        assert lo[name] <= value <= hi[name]
        spec = PARAMETER_TABLE[name]
        assert hi[name] - lo[name] < 0.6 * (spec.high - spec.low)  # the data inform it
    assert len(chain.members(50)) == 50


def test_the_90_percent_intervals_cover_the_truths_at_the_nominal_rate(fitted):
    """Reduced check: 10 leave-one-out truths x 2 parameters = 20 cases. A correct method keeps
    the count inside the binomial range of pass_rule (0.1% in each tail)."""
    design, emu = fitted
    cases = coverage(design, emu, truths=range(10), steps=200, seed=7)
    assert len(cases) == 20
    low, high = pass_rule(len(cases))
    assert low <= int(cases["inside"].sum()) <= high, cases


def test_a_row_without_a_published_spread_gets_a_declared_scale():
    by_key = {t.key: t for t in load_targets()}
    scale, basis = error_scale(by_key["SMILES2017_CONTROL_REMISSION"])
    assert basis.startswith("binomial") and scale == pytest.approx((0.08 * 0.92 / 25) ** 0.5)
    scale, basis = error_scale(by_key["WHIT2013_REMISSION_3M"])
    assert basis.startswith("assumed") and scale == pytest.approx(0.75 * 0.23 / 1.96, rel=1e-3)
    assert error_scale(dataclasses.replace(by_key["DOW2010_IL6"]))[1].startswith("published")


def test_the_run_writes_an_ensemble_that_load_ensemble_reads_and_resumes(tmp_path):
    kw = dict(points=40, steps=60, members=20, names=NAMES, keys=KEYS, predictor=stand_in)
    with pytest.raises(DataError, match="no whole batch"):  # the clock stops it at once
        run_emulator_calibration(tmp_path, minutes=1e-9, **kw)
    run = run_emulator_calibration(tmp_path, resume=True, **kw)
    ens = load_ensemble(tmp_path / "ensemble.csv")
    assert len(ens) == 20 and ens.names == tuple(NAMES)
    assert run.info["design_points"] == 40 and run.info["target_keys"] == KEYS
    assert set(pd.read_csv(tmp_path / "emulators.csv")["key"]) == set(KEYS)
    with pytest.raises(DataError, match="--overwrite"):
        run_emulator_calibration(tmp_path, **kw)


def test_calibrate_refuses_an_unknown_method(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "argv", ["gutbrain", "calibrate", "-o", str(tmp_path), "--method", "x"]
    )
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    assert "--method 'x': expected 'abc' or 'emulator'" in capsys.readouterr().err
