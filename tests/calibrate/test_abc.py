"""The ABC-SMC engine: scales, priors, refusals, exactness, determinism, checkpoint and resume.

These tests use a cheap linear simulator (the check on the real model is test_abc_sbc.py): each
target is one parameter mapped linearly onto a day scale, so the exact posterior is known.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import tomllib

import numpy as np
import pytest

from gutbrain.calibrate.abc import (
    Budget,
    calibrate,
    make_prior,
    start_temperature,
    target_scale,
    temperature_ladder,
)
from gutbrain.calibrate.abc_ensemble import ensemble_files, targets_sha256
from gutbrain.calibrate.abc_timing import FITTED, timing_targets
from gutbrain.errors import DataError
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import load_targets

logging.getLogger("ABC").setLevel(logging.WARNING)
SPECS = [PARAMETER_TABLE[k] for k in FITTED]
KEYS = [row.key for row in timing_targets()]


def linear(overrides: dict[str, float]) -> dict[str, float]:
    """Target k = 100 x (parameter k's position in its range): a known linear map."""
    return {
        key: 100 * (overrides[s.name] - s.low) / (s.high - s.low)
        for key, s in zip(KEYS, SPECS, strict=True)
    }


class Interrupting:
    """``linear``, raising KeyboardInterrupt on call number ``at`` (a run stopped mid-way)."""

    def __init__(self, at: int) -> None:
        self.at, self.calls = at, 0

    def __call__(self, overrides: dict[str, float]) -> dict[str, float]:
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return linear(overrides)


def _rows(values: list[float], sd: float):
    return [
        dataclasses.replace(row, value=v, sd=sd)
        for row, v in zip(timing_targets(), values, strict=True)
    ]


SMALL = Budget(40, 3)


def _run(tmp_path, name="ck", simulator=linear, budget=SMALL, sd=4.0, **kw):
    rows = _rows([30.0, 50.0, 70.0], sd)
    return calibrate(simulator, rows, FITTED, "uniform", budget, 7, tmp_path / name, **kw)


def test_scale_is_ci_then_se_then_range_then_sd():
    rows = {t.key: t for t in load_targets()}
    stetler = rows["STETLER2011_CORTISOL"]  # 95% CI 0.54-0.66
    assert target_scale(stetler) == pytest.approx(0.12 / (2 * 1.959964), rel=1e-6)
    ranged = next(t for t in rows.values() if t.interval == "range" and t.se is None)
    assert target_scale(ranged) == pytest.approx((ranged.high - ranged.low) / 2)
    assert target_scale(dataclasses.replace(stetler, interval=None, low=None, high=None, se=0.2))
    assert target_scale(timing_targets()[0]) == 3.5  # the SD
    direction = next(t for t in rows.values() if t.kind == "direction")
    with pytest.raises(DataError, match=rf"row '{direction.key}' has no CI, SE, range or SD"):
        target_scale(direction)


def test_refuses_holdout_rows_unknown_parameters_and_a_used_checkpoint(tmp_path):
    held = next(t for t in load_targets() if t.held_out)
    with pytest.raises(DataError, match=rf"row '{held.key}' is a holdout row"):
        calibrate(linear, [held], FITTED, checkpoint_dir=tmp_path / "a")
    with pytest.raises(DataError, match=r"parameter 'no_such' is not in parameters\.csv"):
        make_prior(["no_such"])
    with pytest.raises(DataError, match="population = 1; expected at least 2"):
        Budget(1, 3)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "run.toml").write_text("seed = 1\n")
    with pytest.raises(DataError, match="already holds a calibration run; pass --resume"):
        _run(tmp_path, "b")
    with pytest.raises(DataError, match="holds no calibration checkpoint"):
        _run(tmp_path, "c", resume=True)


def test_pert_prior_peaks_at_the_table_value():
    spec = PARAMETER_TABLE["gamma_ssri"]
    rv = make_prior(["gamma_ssri"], "pert")["gamma_ssri"]
    grid = np.linspace(spec.low, spec.high, 2001)
    assert grid[np.argmax([rv.pdf(x) for x in grid])] == pytest.approx(spec.value, abs=2e-4)
    assert rv.pdf(spec.low - 1e-9) == 0 and rv.pdf(spec.high + 1e-9) == 0


def test_temperature_ladder_and_start_temperature():
    ladder = temperature_ladder(64.0, 4)
    assert ladder[0] == 64.0 and ladder[-1] == 1.0
    assert np.allclose(np.diff(np.log(ladder)), -np.log(64.0) / 3)
    log_kernel = -0.5 * np.random.default_rng(1).chisquare(3, 2000) * 50
    t0 = start_temperature(log_kernel)
    assert np.mean(np.exp(log_kernel / t0)) == pytest.approx(0.3, abs=1e-6)
    assert start_temperature(np.zeros(10)) == 1.0  # everything accepted at T = 1


def test_posterior_matches_the_exact_gaussian_posterior(tmp_path):
    """y_k = 100 u_k observed with SD 4, uniform prior on u_k in [0, 1]: the posterior of
    100 u_k is N(y_k, 4^2) (the prior edges are > 7 SD away). The weighted mean's tolerance is
    4 SE of the importance-sampling estimate, SE = 4 / sqrt(ESS)."""
    post = _run(tmp_path, budget=Budget(150, 3))
    assert post.temperature == 1.0 and post.generations == 3
    w = post.weights
    ess = 1 / np.sum(w**2)
    for spec, y in zip(SPECS, [30.0, 50.0, 70.0], strict=True):
        scaled = 100 * (post.members[spec.name].to_numpy() - spec.low) / (spec.high - spec.low)
        mean = float(np.sum(w * scaled))
        sd = float(np.sqrt(np.sum(w * (scaled - mean) ** 2)))
        assert mean == pytest.approx(y, abs=4 * 4 / np.sqrt(ess))
        assert 0.6 * 4 < sd < 1.4 * 4  # the SD of an SD estimate from ESS >= 50 is < 10%


def test_same_seed_same_posterior_in_process_and_in_worker_processes(tmp_path):
    one = _run(tmp_path, "one", workers=1)
    two = _run(tmp_path, "two", workers=2)
    assert one.members.equals(two.members)
    assert np.array_equal(one.weights, two.weights)
    assert one.simulations == two.simulations


def test_an_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path):
    whole = _run(tmp_path, "whole", workers=1)
    stop = Interrupting(at=whole.simulations // 2)  # in the second or third generation
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "cut", simulator=stop, workers=1)
    stored = tomllib.loads((tmp_path / "cut" / "run.toml").read_text())
    assert stored["seed"] == 7
    resumed = _run(tmp_path, "cut", workers=1, resume=True)
    assert resumed.members.equals(whole.members)
    assert np.array_equal(resumed.weights, whole.weights)
    assert resumed.simulations == whole.simulations
    assert resumed.evaluated < whole.evaluated  # the completed generations were not redone
    with pytest.raises(DataError, match=r"run.toml: population = 40 in the checkpoint, 41 now"):
        _run(tmp_path, "cut", budget=Budget(41, 3), resume=True)


def test_ensemble_files_layout(tmp_path):
    post = _run(tmp_path, budget=Budget(20, 2), sd=40.0)  # a wide error: quick
    texts = ensemble_files(post, timing_targets(), members=25, seed=3, person_days_per_call=171)
    table = list(csv.reader(io.StringIO(texts["ensemble.csv"])))
    assert table[0] == ["member", *FITTED]
    assert [r[0] for r in table[1:]] == [f"posterior-{i:03d}" for i in range(1, 26)]
    for spec, column in zip(SPECS, list(zip(*table[1:], strict=True))[1:], strict=True):
        assert all(spec.low <= float(x) <= spec.high for x in column)
    info = tomllib.loads(texts["ensemble.toml"])
    assert info["version"] == 1 and info["seed"] == 3 and "pyabc" in info["libraries"]
    assert info["shortlist"] == list(FITTED) and info["target_keys"] == KEYS
    assert info["targets_sha256"] == targets_sha256()
    assert info["person_days"] == (post.simulations + 20) * 171


def test_guide_example_runs(doc_examples):
    assert doc_examples.run("calibration.md") == 2


def test_a_dask_run_gives_the_local_result(tmp_path):
    """Two threads in one Dask worker: they share numpy's global generator and must take turns."""
    from dask.distributed import Client

    local = _run(tmp_path, "local", workers=1, sd=20.0)
    with Client(processes=False, n_workers=1, threads_per_worker=2) as client:
        remote = _run(tmp_path, "dask", scheduler=client, sd=20.0)
    assert remote.members.equals(local.members)
    assert np.array_equal(remote.weights, local.weights)
