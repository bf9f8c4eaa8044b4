"""gutbrain.analysis.lmm's predictions, F tests, profile intervals and discrete AR(1) against R.

Reference numbers come from ``tests/reference/lmm_parity.json``, written by
``tests/reference/lmm_parity.R`` (lme4 1.1-31, lmerTest 3.1-3, nlme 3.1-162, R 4.2.2; each entry
holds its R call under ``"call"``)::

    fit <- lmerTest::lmer(na ~ arm * week + baseline + (1 + day | participant), REML = TRUE, ...)
    predict(fit, newdata, re.form = NA); predict(fit, newdata, allow.new.levels = TRUE)
    anova(fit, type = 3); lmerTest::contest(fit, L, joint = TRUE)
    anova(lmerTest::lmer(weight ~ Time * Diet + (1 + Time | Rat), ...), type = 3)
    confint(profile(lme4::lmer(Reaction ~ Days + (1 + Days | Subject), REML = FALSE, ...)))
    nlme::lme(..., correlation = corAR1(form = ~ day | participant), method = 'REML' / 'ML')

Tolerances: estimates and predictions to a relative 1e-6, F statistics (squared t) to 2e-6.
lmerTest's Satterthwaite df come from numerical second derivatives (numDeriv): where the df are
known exactly (the balanced BodyWeight design, 13 = 16 rats - 3 diets) lmerTest's are 1.5e-5
off, ours 1e-7, so their df are compared at 3e-5 there and 3e-6 on the diary. Profile interval
ends: see :func:`test_profile_intervals_match_lme4`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.analysis.formula import split_bars
from gutbrain.analysis.lmm import LMMResult, lmm
from gutbrain.analysis.lmm.profile import Profile
from gutbrain.errors import DataError, DesignError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "lmm_parity.json").read_text())
RTOL = 1e-6
F_RTOL = 2e-6  # an F statistic is a squared t: twice the relative error of the estimates
DIARY_RS = "na ~ arm * week + baseline + (1 + day | participant)"


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / name)


@cache
def _diary_fit() -> LMMResult:
    return lmm(DIARY_RS, _data("lmm_diary_sim.csv"))


def test_predict_matches_lme4() -> None:
    """``predict(fit, newdata, re.form = NA)`` and ``predict(fit, newdata, allow.new.levels =
    TRUE)``: newdata holds fitted participants, a participant the fit never saw (P999, whose
    conditional prediction is the population one) and days beyond the data."""
    ref = REF["predict_diary_rs_reml"]
    new = _data("lmm_newdata.csv")
    fit = _diary_fit()
    pop = fit.predict(new, random_effects=False)
    cond = fit.predict(new)
    np.testing.assert_allclose(pop.to_numpy(), ref["population"], rtol=RTOL)
    np.testing.assert_allclose(cond.to_numpy(), ref["conditional"], rtol=RTOL)
    unseen = (new["participant"] == "P999").to_numpy()
    np.testing.assert_array_equal(cond[unseen], pop[unseen])
    assert not np.allclose(cond[~unseen], pop[~unseen])
    # In-sample predictions are the fitted values.
    d = _data("lmm_diary_sim.csv")
    np.testing.assert_allclose(fit.predict(d).loc[fit.fitted.index], fit.fitted, rtol=1e-12)


def test_predict_refuses_unknown_level_and_passes_missing() -> None:
    fit = _diary_fit()
    new = _data("lmm_newdata.csv").copy()
    new.loc[3, "baseline"] = np.nan
    out = fit.predict(new)
    assert np.isnan(out[3]) and np.isfinite(out.drop(index=3)).all()
    new.loc[5, "arm"] = "synbiotic"
    with pytest.raises(DataError, match=r"column 'arm', data row 5: level 'synbiotic'"):
        fit.predict(new)
    with pytest.raises(DataError, match=r"'participant'"):
        fit.predict(new.drop(columns="participant"))
    # Without the random effects the grouping column is not needed.
    fit.predict(new.drop(columns="participant").drop(index=5), random_effects=False)


def test_predict_rebuilds_formulaic_transforms() -> None:
    """A formula built by formulaic (``center()``) uses the fitted data's centre on new rows."""
    d = _data("lmm_diary_sim.csv")
    fit = lmm("na ~ arm + center(day)", d, groups="participant")
    new = d.iloc[:5]
    np.testing.assert_allclose(fit.predict(new), fit.fitted.loc[new.index], rtol=1e-10)
    shifted = fit.predict(new.assign(day=new["day"] + 1.0), random_effects=False)
    np.testing.assert_allclose(
        shifted - fit.predict(new, random_effects=False), fit.beta[-1], rtol=1e-10
    )


@pytest.mark.parametrize(
    ("key", "formula", "data", "df_rtol"),
    [
        ("anova_diary_rs_reml", DIARY_RS, "lmm_diary_sim.csv", 3e-6),
        (
            "anova_bw_rs_reml",
            "weight ~ Time * C(Diet) + (1 + Time | Rat)",
            "lmm_bodyweight.csv",
            3e-5,
        ),
    ],
)
def test_type3_anova_matches_lmertest(key: str, formula: str, data: str, df_rtol: float) -> None:
    """``anova(fit, type = 3)``: type III F tests with Satterthwaite df; ``week`` / ``Time``
    test the slope averaged over the arms / diets, not the reference level's."""
    ref = REF[key]
    fit = lmm(formula, _data(data))
    out = fit.anova()
    assert [t.replace("C(Diet)", "Diet") for t in out.index] == ref["terms"]
    np.testing.assert_array_equal(out["num_df"], ref["numdf"])
    # On BodyWeight lme4 stops 4.6e-10 short in logLik (ours is strictly higher); the fixed
    # effects agree to 2e-12, but the Diet intercepts' covariance (at Time = 0, far from the
    # data) moves along that flat ridge, and the Diet F by 1e-5: compared at 2e-5 there.
    f_rtol = F_RTOL if fit.loglik <= ref["logLik"] + 1e-10 else 2e-5
    assert fit.loglik >= ref["logLik"] - 1e-10
    np.testing.assert_allclose(out["f"], ref["F"], rtol=f_rtol)
    np.testing.assert_allclose(out["den_df"], ref["dendf"], rtol=df_rtol)
    # p is F's upper tail at these df (R's p inherit its df error, amplified at p ~ 1e-7).
    np.testing.assert_allclose(out["p"], stats.f.sf(out["f"], out["num_df"], out["den_df"]))
    if key == "anova_bw_rs_reml":  # balanced: the exact df are 16 rats - 3 diets
        np.testing.assert_allclose(out["den_df"], 13.0, rtol=1e-7)


def test_joint_contrast_matches_lmertest() -> None:
    """``contest(fit, L, joint = TRUE)`` with a three-row L."""
    ref = REF["contest_diary_rs_reml"]
    out = _diary_fit().f_test(ref["L"])
    assert out.num_df == ref["numdf"]
    np.testing.assert_allclose(out.f, ref["F"], rtol=F_RTOL)
    np.testing.assert_allclose(out.den_df, ref["dendf"], rtol=3e-6)
    # One row: the t test squared, with the contrast's Satterthwaite df.
    one = _diary_fit().contrast([0, 1, 0, 0, 4])
    single = _diary_fit().f_test([[0, 1, 0, 0, 4]])
    np.testing.assert_allclose([single.f, single.den_df], [one.t**2, one.df], rtol=1e-12)
    with pytest.raises(DesignError, match="5 columns"):
        _diary_fit().f_test([[1, 0]])


# lme4's parameter order: sd_(Intercept), [cor, sd_Days,] sigma; ours: sds, corrs, sigma.
_LME4_ORDER = {"confint_sleep_ri_ml": [0, 1], "confint_sleep_rs_ml": [0, 2, 1, 3]}


@pytest.mark.parametrize(
    ("key", "formula"),
    [
        ("confint_sleep_ri_ml", "Reaction ~ Days + (1 | Subject)"),
        ("confint_sleep_rs_ml", "Reaction ~ Days + (1 + Days | Subject)"),
    ],
)
def test_profile_intervals_match_lme4(key: str, formula: str) -> None:
    """``confint(profile(fit))`` of ML fits. Our ends solve the signed-root equation
    ``z(v) = +-1.95996`` to 1e-6 (checked here); lme4 interpolates a spline through its profile
    points, and at its ends our z misses 1.95996 by up to 1.5e-4 (corr. upper end), 3e-5
    elsewhere: lme4's error, which on the parameter scale is up to 5e-5 relative. So the ends
    agree to 1e-4 relative, and lme4's lie within 2e-4 of the critical z of our profile."""
    ref = REF[key]
    fit = lmm(formula, _data("lmm_sleepstudy.csv"), method="ML")
    ci = fit.confint_profile()
    order = _LME4_ORDER[key]
    low, high = np.array(ref["lower"])[order], np.array(ref["upper"])[order]
    np.testing.assert_allclose(ci["lower"], low, rtol=1e-4)
    np.testing.assert_allclose(ci["upper"], high, rtol=1e-4)
    prof = Profile(fit.profile_space, ci["estimate"].to_numpy())
    zc = stats.norm.ppf(0.975)
    for k in range(len(order)):
        assert prof.signed_root(k, ci["lower"][k]) == pytest.approx(-zc, abs=1e-6)
        assert prof.signed_root(k, ci["upper"][k]) == pytest.approx(zc, abs=1e-6)
        assert prof.signed_root(k, low[k]) == pytest.approx(-zc, abs=2e-4)
        assert prof.signed_root(k, high[k]) == pytest.approx(zc, abs=2e-4)


def test_profile_reml_uses_the_reml_criterion() -> None:
    """A REML fit is profiled on its own criterion (lme4 1.1-31 profiles the ML deviance, so its
    REML-fit intervals equal its ML-fit ones: compare ``confint_sleep_ri_reml`` and
    ``confint_sleep_ri_ml`` in the JSON); the REML intervals are wider and hold the REML
    estimates."""
    d = _data("lmm_sleepstudy.csv")
    reml = lmm("Reaction ~ Days + (1 | Subject)", d).confint_profile()
    ml = lmm("Reaction ~ Days + (1 | Subject)", d, method="ML").confint_profile()
    np.testing.assert_allclose(
        REF["confint_sleep_ri_reml"]["lower"], REF["confint_sleep_ri_ml"]["lower"], rtol=1e-6
    )
    assert (reml["lower"] < reml["estimate"]).all() and (reml["estimate"] < reml["upper"]).all()
    assert (reml["upper"] - reml["lower"] > ml["upper"] - ml["lower"]).all()


@pytest.mark.parametrize(
    ("key", "formula", "data"),
    [
        (
            "diary_ri_ar1_reml",
            "na ~ arm * week + baseline + (1 | participant)",
            "lmm_diary_sim.csv",
        ),
        ("diary_ri_ar1_ml", "na ~ arm * week + baseline + (1 | participant)", "lmm_diary_sim.csv"),
        ("sleep_ri_ar1_reml", "Reaction ~ Days + (1 | Subject)", "lmm_sleepstudy.csv"),
        ("neg_ri_ar1_reml", "y ~ day + (1 | participant)", "lmm_ar1_negative_sim.csv"),
        ("neg_ri_ar1_ml", "y ~ day + (1 | participant)", "lmm_ar1_negative_sim.csv"),
    ],
)
def test_discrete_ar1_matches_nlme(key: str, formula: str, data: str) -> None:
    """nlme ``corAR1(form = ~ day | participant)``: integer days with gaps; the simulated set
    (lmm_ar1_negative_sim.csv) has phi = -0.4, which corCAR1 cannot fit."""
    ref = REF[key]
    time_col = "Days" if key.startswith("sleep") else "day"
    method = "ML" if key.endswith("_ml") else "REML"
    fit = lmm(formula, _data(data), ar1_time=time_col, correlation="ar1", method=method)
    assert fit.convergence.converged
    # nlme's nlminb stops where the log-likelihood is flat to ~1e-9: ours is as high or higher
    # in every case (by up to 8e-10). Where it is strictly higher, the parameters that move
    # along that flat ridge (random-intercept variance, phi and the SEs that depend on them)
    # differ from nlme's by up to 6e-6 relative and are compared at 1e-5; otherwise at 1e-6.
    assert fit.loglik >= ref["logLik"] - 1e-10
    ridge = 1e-5 if fit.loglik > ref["logLik"] else RTOL
    names = list(ref["fixef"])
    np.testing.assert_allclose(fit.beta, [ref["fixef"][n] for n in names], rtol=RTOL)
    # nlme's ML standard errors use sigma^2 N / (N - p) (as in test_lmm_reference.py).
    n, p = fit.n_obs, len(fit.beta)
    se_factor = np.sqrt(n / (n - p)) if method == "ML" else 1.0
    np.testing.assert_allclose(fit.se * se_factor, [ref["se"][n] for n in names], rtol=ridge)
    np.testing.assert_allclose(fit.sigma, ref["sigma"], rtol=RTOL)
    np.testing.assert_allclose(fit.re_cov, ref["re_cov"], rtol=ridge)
    np.testing.assert_allclose(fit.phi, ref["phi"], rtol=ridge)
    assert (fit.phi < 0) == key.startswith("neg")
    assert "AR(1) in" in repr(fit) and "CAR(1)" not in repr(fit)


def test_discrete_ar1_refuses_fractional_times() -> None:
    d = _data("lmm_diary_sim.csv")
    with pytest.raises(DataError, match=r"column 'week', data row 1: 0.285714 is not a whole"):
        lmm("na ~ arm", d, groups="participant", ar1_time="week", correlation="ar1")
    with pytest.raises(DesignError, match="correlation 'arma'"):
        lmm("na ~ arm", d, groups="participant", ar1_time="day", correlation="arma")


def test_lme4_style_random_term_equals_groups_and_re() -> None:
    d = _data("lmm_diary_sim.csv")
    a = _diary_fit()
    b = lmm("na ~ arm * week + baseline", d, groups="participant", re="~ 1 + day")
    np.testing.assert_array_equal(a.beta, b.beta)
    np.testing.assert_array_equal(a.re_cov, b.re_cov)
    assert (a.formula, a.re_formula, a.groups) == (
        "na ~ arm * week + baseline",
        "~ 1 + day",
        "participant",
    )


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("y ~ x + (1 | g)", ("y ~ x", "~ 1", "g")),
        ("y ~ (day | g) + x * z", ("y ~ x * z", "~ day", "g")),
        ("log(y) ~ I(x + 1) + (0 + day | site)", ("log(y) ~ I(x + 1)", "~ 0 + day", "site")),
        ("y ~ (1 | g)", ("y ~ 1", "~ 1", "g")),
        ("y ~ x", None),
    ],
)
def test_split_bars(formula: str, expected: tuple[str, str, str] | None) -> None:
    assert split_bars(formula) == expected


@pytest.mark.parametrize(
    ("formula", "kwargs", "match"),
    [
        ("na ~ day + (1 | participant) + (1 | arm)", {}, "2 random-effect terms"),
        ("na ~ day + (1 + day || participant)", {}, r"`\|\|` is not supported"),
        ("na ~ day + (1 | participant)", {"groups": "participant"}, "not both"),
        ("na ~ day", {}, "no grouping"),
    ],
)
def test_random_term_errors(formula: str, kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(DesignError, match=match):
        lmm(formula, _data("lmm_diary_sim.csv"), **kwargs)


def test_anova_refuses_transformed_terms() -> None:
    fit = lmm("na ~ log(day + 1)", _data("lmm_diary_sim.csv"), groups="participant")
    with pytest.raises(DesignError, match="use f_test"):
        fit.anova()
