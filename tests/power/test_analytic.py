"""Simulated power against closed-form power (issue 20's analytic checks), on reduced grids.

Each design point's simulated power must lie within 3 Monte Carlo standard errors,
sqrt(p (1 - p) / reps) at the analytic p, of the analytic power; at effect 0 that is the type I
error against alpha. Replicate counts keep the whole file to about half a minute.
"""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.power.analytic import (
    ancova_power,
    expected_power,
    lmm_ar1_group_power,
    ttest_power,
)
from gutbrain.power.design import Grid, PowerDesign
from gutbrain.power.fitting import Analysis
from gutbrain.power.generator import Generator
from gutbrain.power.run import run_power

ALPHA = 0.05


def _within_3_se(simulated: float, analytic: float, reps: int) -> bool:
    se = np.sqrt(analytic * (1.0 - analytic) / reps)
    return abs(simulated - analytic) <= 3.0 * se


def _run(gen: Generator, analysis: Analysis, grid: Grid, reps: int, seed: int) -> list[dict]:
    design = PowerDesign("check", seed, reps, 0.8, gen, analysis, grid, chunk=reps)
    return run_power(design).curve


def test_two_sample_t_test() -> None:
    reps = 600
    gen = Generator(intercept=5.0, sd_within=2.0)
    grid = Grid(participants=(16, 40), days=(1,), effect=(0.0, 1.0, 1.6))
    curve = _run(gen, Analysis("ols", "y ~ Z", "Z", ar1=False), grid, reps, seed=11)
    bad = []
    for r in curve:
        n = r["participants"]
        ref = ttest_power(n // 2, n - n // 2, r["effect"], 2.0, ALPHA)
        if not _within_3_se(r["power"], ref, r["reps"]):
            bad.append((n, r["effect"], r["power"], ref))
    assert not bad
    assert all(r["reps"] == reps and r["failed"] == 0 for r in curve)


def test_ancova() -> None:
    """``y ~ Z + W`` with a random baseline W: the exact conditional power given W, averaged
    over 1,000 draws of W (the averaging error is far below the simulation's)."""
    reps = 500
    gen = Generator(intercept=5.0, sd_within=1.5, effects={"W": 0.8}, w_mean=10.0, w_sd=2.0)
    grid = Grid(participants=(20, 40), days=(1,), effect=(0.0, 1.2))
    curve = _run(gen, Analysis("ols", "y ~ Z + W", "Z", ar1=False), grid, reps, seed=12)
    rng = np.random.default_rng(99)
    bad = []
    for r in curve:
        n = r["participants"]
        draws = rng.normal(10.0, 2.0, (1000, n))
        ref = expected_power(
            lambda w, n=n, e=r["effect"]: ancova_power(n // 2, n - n // 2, e, 1.5, ALPHA, w),
            draws,
        )
        if not _within_3_se(r["power"], ref, r["reps"]):
            bad.append((n, r["effect"], r["power"], ref))
    assert not bad


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_random_intercept_lmm_with_ar1(rho: float) -> None:
    """Arm effect in ``y ~ Z`` with a random intercept and CAR(1) residuals (REML, containment
    df) against the Wald test from the exact GLS variance with the variance components known."""
    reps = 300
    gen = Generator(intercept=3.0, sd_within=1.0, ar1=rho, sd_intercept=0.8)
    grid = Grid(participants=(20, 40), days=(10,), effect=(0.0, 0.9))
    curve = _run(gen, Analysis("lmm", "y ~ Z", "Z", ar1=True), grid, reps, seed=13)
    bad = []
    for r in curve:
        n = r["participants"]
        ref = lmm_ar1_group_power(n // 2, n - n // 2, 10, r["effect"], 0.8, 1.0, rho, ALPHA)
        if not _within_3_se(r["power"], ref, r["reps"]):
            bad.append((n, r["effect"], r["power"], ref))
    assert not bad
    assert sum(r["failed"] for r in curve) == 0


def test_analytic_power_at_the_null_is_alpha() -> None:
    assert ttest_power(10, 10, 0.0, 1.0, ALPHA) == pytest.approx(ALPHA, rel=1e-10)
    assert lmm_ar1_group_power(8, 8, 5, 0.0, 1.0, 1.0, 0.3, ALPHA) == pytest.approx(ALPHA)


def test_gls_variance_of_an_independent_design_is_the_textbook_one() -> None:
    """Without AR(1) the GLS variance of a person mean is sd_u^2 + sd^2 / T: the power is the
    t test's on person means with that SD."""
    got = lmm_ar1_group_power(10, 10, 7, 1.0, 0.6, 1.2, 0.0, ALPHA)
    assert got == pytest.approx(ttest_power(10, 10, 1.0, np.sqrt(0.36 + 1.44 / 7), ALPHA))
