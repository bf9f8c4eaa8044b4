"""One replicate's analysis: nlme's containment df, and the OLS t test against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.errors import DesignError
from gutbrain.power.fitting import Analysis, analyse, containment_df
from gutbrain.power.generator import Generator, simulate

REF = Path(__file__).resolve().parents[1] / "reference" / "power_containment_df.csv"


def _orthodont_design(intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    """Orthodont's structure: 27 subjects x ages 8-14, the last 11 girls."""
    age = np.tile([8.0, 10.0, 12.0, 14.0], 27)
    female = np.repeat((np.arange(27) >= 16).astype(float), 4)
    if intercept:  # distance ~ age * Sex
        x = np.column_stack([np.ones(108), age, female, age * female])
    else:  # distance ~ Sex - 1 + age
        x = np.column_stack([1.0 - female, female, age])
    return x, np.full(27, 4)


@pytest.mark.parametrize(("model", "intercept"), [("age*Sex", True), ("Sex-1+age", False)])
def test_containment_df_matches_nlme(model: str, intercept: bool) -> None:
    ref = pd.read_csv(REF)
    expected = ref.loc[ref.model == model, "df"].to_numpy(dtype=float)
    x, sizes = _orthodont_design(intercept)
    np.testing.assert_array_equal(containment_df(x, sizes), expected)


def test_ols_p_is_scipys_two_sample_t_test() -> None:
    gen = Generator(effects={"Z": 0.7}, sd_within=1.0)
    data = simulate(gen, 30, 1, np.random.default_rng(3))
    out = analyse(Analysis("ols", "y ~ Z", "Z", ar1=False), data, gen)
    ref = stats.ttest_ind(data.y[data.Z == 1], data.y[data.Z == 0])
    assert out.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert not out.failed


def test_lmm_p_matches_the_full_lmm_fit() -> None:
    """The shortcut path gives the p value of gutbrain.analysis.lmm with the containment df."""
    from gutbrain.analysis.lmm import lmm

    gen = Generator(intercept=10.0, effects={"W": 0.5}, sd_within=2.0, ar1=0.4, sd_intercept=1.5)
    data = simulate(gen, 20, 15, np.random.default_rng(5))
    out = analyse(Analysis("lmm", "y ~ W", "W", ar1=True), data, gen)
    fit = lmm("y ~ W", data, groups="participant", ar1_time="day")
    t = fit.beta[1] / fit.se[1]
    assert out.converged
    assert out.p == pytest.approx(2 * stats.t.sf(abs(t), 18), rel=1e-5)


def test_unknown_test_coefficient_is_a_design_error() -> None:
    gen = Generator(sd_within=1.0)
    data = simulate(gen, 10, 1, np.random.default_rng(1))
    with pytest.raises(DesignError, match="'Q' is not a coefficient"):
        analyse(Analysis("ols", "y ~ Z", "Q", ar1=False), data, gen, strict=True)
    assert analyse(Analysis("ols", "y ~ Z", "Q", ar1=False), data, gen).failed


def test_generator_dropout_and_compliance_remove_days() -> None:
    gen = Generator(sd_within=1.0, compliance=0.7, dropout=0.5)
    data = simulate(gen, 400, 20, np.random.default_rng(2))
    kept = len(data) / (400 * 20)
    # Compliance 0.7 and half dropping out at a uniform day in 2..20 (expected share of days
    # kept by a dropout: 10/20): 0.7 * (0.5 + 0.5 * 0.5) = 0.525.
    assert kept == pytest.approx(0.525, abs=0.02)
    days = data.groupby("participant").day.max()
    assert (days < 20).mean() > 0.4  # dropouts are monotone: their last day is early


def test_mood_dependent_compliance_misses_bad_days() -> None:
    """With missing = "mood", days with a high (bad) outcome are entered less often: the kept
    days' mean is lower than the all-days mean, which it is not when missing at random."""
    base = {"intercept": 50.0, "sd_within": 10.0, "compliance": 0.7}
    full = simulate(Generator(**{**base, "compliance": 1.0}), 200, 20, np.random.default_rng(6))
    mood = simulate(
        Generator(**base, missing="mood", mood_effect=1.0), 200, 20, np.random.default_rng(6)
    )
    rand = simulate(Generator(**base), 200, 20, np.random.default_rng(6))
    # SE of a mean of ~2,800 days with SD 10: ~0.2.
    assert mood.y.mean() < full.y.mean() - 1.5  # expected about -2.5 (logistic selection)
    assert abs(rand.y.mean() - full.y.mean()) < 1.0
    assert len(mood) / 4000 == pytest.approx(0.7, abs=0.05)


def test_satterthwaite_p_is_the_lmm_summarys() -> None:
    from gutbrain.analysis.lmm import lmm

    gen = Generator(
        intercept=5.0, effects={"X": 0.3}, sd_within=1.0, sd_intercept=1.0, sd_slope=0.4
    )
    data = simulate(gen, 15, 12, np.random.default_rng(9))
    an = Analysis("lmm", "y ~ X", "X", re="~ 1 + X", ar1=False, df="satterthwaite")
    out = analyse(an, data, gen)
    fit = lmm("y ~ X", data, groups="participant", re="~ 1 + X")
    assert out.p == pytest.approx(fit.p[1], rel=1e-4)
