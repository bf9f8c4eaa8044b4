"""gutbrain.analysis.lmm against lme4, lmerTest and nlme.

Every reference number comes from ``tests/reference/lmm_reference.json``, written by
``tests/reference/lmm_reference.R`` (lme4 1.1-31, lmerTest 3.1-3, nlme 3.1-162, R 4.2.2; the exact
R call of each fit is stored next to its numbers under ``"call"`` and repeated in the test
docstrings). The R script fits with tightened optimiser tolerances so that the references are the
optimum, not a default stopping point.

The R calls (``d`` = the CSV named in each entry; ``tight_lmer`` / ``tight_lme`` are the
control objects defined in the R script)::

    lmerTest::lmer(Reaction ~ Days + (1 | Subject), data = d, REML = TRUE/FALSE, control = ...)
    lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), data = d, REML = TRUE/FALSE, ...)
    lmerTest::lmer(na ~ arm * week + baseline + (1 + day | participant), data = d, REML = ..., ...)
    lmerTest::lmer(na ~ arm * week + baseline + (1 | participant), data = d, REML = ..., ...)
    lmerTest::contest1D(fit, c(0, 1, 0, 0, 4));  anova(m0, m1)
    nlme::lme(weight ~ Time * Diet, random = ~ 1 | Rat,
              correlation = corCAR1(form = ~ Time | Rat), data = d, method = 'REML'/'ML', ...)
    nlme::lme(weight ~ Time * Diet, random = ~ Time | Rat, correlation = corCAR1(...), ...)
    nlme::lme(na ~ arm * week + baseline, random = ~ 1 | participant,
              correlation = corCAR1(form = ~ day | participant), data = d, method = ..., ...)
    nlme::lme(na ~ arm * week + baseline, random = ~ 1 + day | participant, correlation = ...)
    nlme::lme(Reaction ~ Days, random = ~ Days | Subject, data = d, method = 'REML', ...)
    lme4::lmer(y ~ steps + x + (1 + steps | participant), data = d, REML = FALSE)   # warns
    lme4::lmer(y ~ steps_10k + x + (1 + steps_10k | participant), data = d, REML = FALSE, ...)
    lmerTest::lmer(y ~ x + (1 + x | g), data = d, REML = TRUE/FALSE, ...)          # singular

Tolerances ("6 significant digits"): fixed effects, standard errors, SDs, sigma and phi to a
relative 1e-6; correlations to an absolute 1e-6; log-likelihoods to an absolute 1e-7 (~1e-10
relative). R's own optimum is only so precise: where the likelihood is flat R's estimates wander
at the 1e-7 level, which is why 1e-6 and not tighter.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutbrain.analysis.lmm import LMMResult, lmm, lrt

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "lmm_reference.json").read_text())

RTOL = 1e-6  # six significant digits
CORR_ATOL = 1e-6
LOGLIK_ATOL = 1e-7

DIARY = "na ~ arm * week + baseline"
BW = "weight ~ Time * C(Diet)"

# key -> (data file, formula, groups, re, ar1_time, method)
LME4_CASES = {
    "sleep_ri_reml": ("lmm_sleepstudy.csv", "Reaction ~ Days", "Subject", "~ 1", None, "REML"),
    "sleep_ri_ml": ("lmm_sleepstudy.csv", "Reaction ~ Days", "Subject", "~ 1", None, "ML"),
    "sleep_rs_reml": (
        "lmm_sleepstudy.csv",
        "Reaction ~ Days",
        "Subject",
        "~ 1 + Days",
        None,
        "REML",
    ),
    "sleep_rs_ml": ("lmm_sleepstudy.csv", "Reaction ~ Days", "Subject", "~ 1 + Days", None, "ML"),
    "diary_rs_reml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1 + day", None, "REML"),
    "diary_rs_ml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1 + day", None, "ML"),
    "diary_ri_reml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1", None, "REML"),
    "diary_ri_ml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1", None, "ML"),
}
NLME_CASES = {
    "bw_ri_car1_reml": ("lmm_bodyweight.csv", BW, "Rat", "~ 1", "Time", "REML"),
    "bw_ri_car1_ml": ("lmm_bodyweight.csv", BW, "Rat", "~ 1", "Time", "ML"),
    "bw_rs_car1_reml": ("lmm_bodyweight.csv", BW, "Rat", "~ 1 + Time", "Time", "REML"),
    "bw_rs_car1_ml": ("lmm_bodyweight.csv", BW, "Rat", "~ 1 + Time", "Time", "ML"),
    "diary_ri_car1_reml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1", "day", "REML"),
    "diary_ri_car1_ml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1", "day", "ML"),
    "diary_rs_car1_reml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1 + day", "day", "REML"),
    "diary_rs_car1_ml": ("lmm_diary_sim.csv", DIARY, "participant", "~ 1 + day", "day", "ML"),
    "sleep_rs_reml_nlme": (
        "lmm_sleepstudy.csv",
        "Reaction ~ Days",
        "Subject",
        "~ 1 + Days",
        None,
        "REML",
    ),
}


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / name)


@cache
def _fit(key: str) -> LMMResult:
    file, formula, groups, re_, ar, method = {**LME4_CASES, **NLME_CASES}[key]
    return lmm(formula, _data(file), groups=groups, re=re_, ar1_time=ar, method=method)


def _r_name(name: str) -> str:
    """Our coefficient names in R's spelling: arm[T.probiotic] -> armprobiotic, C(Diet)[T.2] ->
    Diet2, Intercept -> (Intercept)."""
    name = re.sub(r"C\((\w+)\)\[T\.([^\]]+)\]", r"\1\2", name)
    name = re.sub(r"(\w+)\[T\.([^\]]+)\]", r"\1\2", name)
    return "(Intercept)" if name == "Intercept" else name


def _as_list(value: str | list[str]) -> list[str]:
    """jsonlite writes a one-element character vector as a plain string."""
    return [value] if isinstance(value, str) else list(value)


def _ref_vector(fit: LMMResult, table: dict[str, float]) -> np.ndarray:
    return np.array([table[_r_name(n)] for n in fit.coef_names])


@pytest.mark.parametrize("key", sorted(LME4_CASES))
def test_matches_lme4(key: str) -> None:
    """lme4/lmerTest: e.g. ``lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject),
    data = sleepstudy, REML = TRUE)`` (exact call in the JSON entry's ``call``): fixed effects,
    SEs, Satterthwaite df, random-effect SDs and correlation, sigma, logLik, AIC, BIC, BLUPs and
    fitted values."""
    ref = REF[key]
    fit = _fit(key)
    assert fit.convergence.converged, fit.convergence
    assert fit.n_obs == ref["nobs"]
    np.testing.assert_allclose(fit.beta, _ref_vector(fit, ref["fixef"]), rtol=RTOL)
    np.testing.assert_allclose(fit.se, _ref_vector(fit, ref["se"]), rtol=RTOL)
    np.testing.assert_allclose(fit.df, _ref_vector(fit, ref["df"]), rtol=RTOL)
    np.testing.assert_allclose(fit.cov_beta, np.array(ref["vcov"]), rtol=2 * RTOL)
    vc = ref["varcorr"]
    q = len(fit.re_names)
    sds = [v for v, v2 in zip(vc["sdcor"], vc["var2"], strict=True) if v2 is None]
    np.testing.assert_allclose(fit.re_sd, sds[:q], rtol=RTOL)
    np.testing.assert_allclose(fit.sigma, ref["sigma"], rtol=RTOL)
    if q == 2:
        corr = [v for v, v2 in zip(vc["sdcor"], vc["var2"], strict=True) if v2 is not None]
        np.testing.assert_allclose(fit.re_corr[1, 0], corr[0], atol=CORR_ATOL)
    np.testing.assert_allclose(fit.loglik, ref["logLik"], atol=LOGLIK_ATOL)
    np.testing.assert_allclose(fit.aic, ref["AIC"], atol=LOGLIK_ATOL)
    np.testing.assert_allclose(fit.bic, ref["BIC"], atol=LOGLIK_ATOL)
    _check_blups_and_fitted(fit, ref)


@pytest.mark.parametrize("key", sorted(NLME_CASES))
def test_matches_nlme(key: str) -> None:
    """nlme: e.g. ``nlme::lme(weight ~ Time * Diet, random = ~ Time | Rat, correlation =
    corCAR1(form = ~ Time | Rat), data = BodyWeight, method = 'REML')`` (exact call in the JSON
    entry's ``call``): fixed effects, SEs, random-effect SDs and correlation, sigma, CAR(1) phi,
    logLik, AIC, BIC, BLUPs and fitted values.

    Conventions that differ from lme4 (and from us) and are converted here, not tolerated:
    nlme's ML standard errors use sigma^2 N / (N - p), and its REML BIC uses log(N - p).
    """
    ref = REF[key]
    fit = _fit(key)
    assert fit.convergence.converged, fit.convergence
    assert fit.n_obs == ref["nobs"]
    n, p = fit.n_obs, len(fit.beta)
    np.testing.assert_allclose(fit.beta, _ref_vector(fit, ref["fixef"]), rtol=RTOL)
    se_factor = np.sqrt(n / (n - p)) if fit.method == "ML" else 1.0
    np.testing.assert_allclose(fit.se * se_factor, _ref_vector(fit, ref["se"]), rtol=RTOL)
    np.testing.assert_allclose(fit.re_sd, list(ref["re_sd"].values()), rtol=RTOL)
    if len(fit.re_names) == 2:
        np.testing.assert_allclose(fit.re_corr[1, 0], ref["re_corr"], atol=CORR_ATOL)
    np.testing.assert_allclose(fit.sigma, ref["sigma"], rtol=RTOL)
    if ref["phi"] is None:
        assert fit.phi is None
    else:
        np.testing.assert_allclose(fit.phi, ref["phi"], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, ref["logLik"], atol=LOGLIK_ATOL)
    np.testing.assert_allclose(fit.aic, ref["AIC"], atol=LOGLIK_ATOL)
    n_bic = n - p if fit.method == "REML" else n
    np.testing.assert_allclose(
        -2 * fit.loglik + fit.n_params * np.log(n_bic), ref["BIC"], atol=LOGLIK_ATOL
    )
    _check_blups_and_fitted(fit, ref)


def _check_blups_and_fitted(fit: LMMResult, ref: dict) -> None:  # type: ignore[type-arg]
    """Conditional modes per group and the first ten conditional fitted values."""
    blups = pd.DataFrame(
        ref["ranef"]["values"], index=ref["ranef"]["groups"], columns=ref["ranef"]["columns"]
    )
    ours = fit.random_effects.copy()
    ours.index = ours.index.astype(str)
    ours = ours.loc[blups.index.astype(str)]
    scale = float(np.abs(blups.to_numpy()).max(axis=0).min())
    np.testing.assert_allclose(ours.to_numpy(), blups.to_numpy(), rtol=RTOL, atol=RTOL * scale)
    np.testing.assert_allclose(fit.fitted.to_numpy()[:10], ref["fitted_head"], rtol=1e-7)


def test_lmer_default_control_is_not_better() -> None:
    """lme4 with default control (``lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject),
    data = sleepstudy)``) stops short of the tight-control optimum; our REML criterion is at
    least as good."""
    ref = REF["sleep_rs_reml_default"]
    assert _fit("sleep_rs_reml").loglik >= ref["logLik"] - 1e-9


def test_balanced_satterthwaite_df_are_exact() -> None:
    """In the balanced sleepstudy design the Satterthwaite df are known exactly: m - 1 = 17 for
    both fixed effects with a random slope, and N - m - 1 = 161 for Days with a random intercept
    (the GLS estimates are then ordinary means / within-subject contrasts). lmerTest's numeric
    derivatives give 17.0000052 and 160.99999976 (``df`` in the JSON); ours are exact to 1e-7."""
    np.testing.assert_allclose(_fit("sleep_rs_reml").df, [17.0, 17.0], rtol=1e-7)
    np.testing.assert_allclose(_fit("sleep_ri_reml").df[1], 161.0, rtol=1e-7)


def test_contrast_matches_lmertest_contest1d() -> None:
    """``lmerTest::contest1D(fit, c(0, 1, 0, 0, 4))`` on the diary REML fit: probiotic minus
    placebo at week 4, with Satterthwaite df."""
    ref = REF["diary_rs_reml_contrast"]
    out = _fit("diary_rs_reml").contrast(ref["L"])
    np.testing.assert_allclose(out.estimate, ref["estimate"], rtol=RTOL)
    np.testing.assert_allclose(out.se, ref["se"], rtol=RTOL)
    np.testing.assert_allclose(out.df, ref["df"], rtol=RTOL)
    np.testing.assert_allclose(out.t, ref["t"], rtol=RTOL)
    np.testing.assert_allclose(out.p, ref["p"], rtol=1e-5)


def test_lrt_matches_lme4_anova() -> None:
    """``anova(m0, m1)`` for the diary random-intercept vs intercept + slope ML fits."""
    ref = REF["diary_lrt"]
    res = lrt(_fit("diary_ri_ml"), _fit("diary_rs_ml"))
    assert res.df == ref["df"]
    np.testing.assert_allclose(res.statistic, ref["chisq"], rtol=1e-8)
    np.testing.assert_allclose(res.p, ref["p"], rtol=1e-6)


def test_badly_scaled_covariate_reaches_the_optimum_lme4_misses() -> None:
    """A covariate in the 1e4-1e5 range with a random slope on it.

    ``lme4::lmer(y ~ steps + x + (1 + steps | participant), data = d, REML = FALSE)`` warns
    "Some predictor variables are on very different scales: consider rescaling" and stops at a
    singular fit with a lower log-likelihood; refitted on ``steps / 1e4`` (an exact
    reparametrisation, the same ML optimum) lme4 converges. We fit the raw data and must reach the
    rescaled optimum, with estimates back on the raw scale.
    """
    raw = REF["scale_raw_default"]
    resc = REF["scale_rescaled"]
    assert any("very different scales" in w for w in _as_list(raw["warnings"]))
    fit = lmm(
        "y ~ steps + x",
        _data("lmm_scale_sim.csv"),
        groups="participant",
        re="~ 1 + steps",
        method="ML",
    )
    assert fit.convergence.converged
    np.testing.assert_allclose(fit.loglik, resc["logLik"], atol=LOGLIK_ATOL)
    assert fit.loglik > raw["logLik"] + 0.1  # lme4 on the raw scale fell short
    # Back-transformation: beta_steps = beta_steps10k / 1e4, SD(slope) likewise.
    expected = np.array(
        [resc["fixef"]["(Intercept)"], resc["fixef"]["steps_10k"] / 1e4, resc["fixef"]["x"]]
    )
    np.testing.assert_allclose(fit.beta, expected, rtol=RTOL)
    vc = resc["varcorr"]
    np.testing.assert_allclose(fit.re_sd, [vc["sdcor"][0], vc["sdcor"][1] / 1e4], rtol=RTOL)
    np.testing.assert_allclose(fit.re_corr[1, 0], vc["sdcor"][2], atol=CORR_ATOL)
    np.testing.assert_allclose(fit.sigma, resc["sigma"], rtol=RTOL)


@pytest.mark.parametrize(("key", "method"), [("singular_reml", "REML"), ("singular_ml", "ML")])
def test_singular_fit_matches_lme4(key: str, method: str) -> None:
    """``lmerTest::lmer(y ~ x + (1 + x | g), data = lmm_singular_sim.csv, REML = ...)``: lme4
    reports "boundary (singular) fit" with theta[3] = 0 (a rank-1 random-effect covariance,
    correlation 1). We must reach the same boundary optimum and say so. Satterthwaite df are not
    compared: we hold boundary parameters fixed, lmerTest differentiates through them."""
    ref = REF[key]
    assert any("singular" in m for m in _as_list(ref["messages"]))
    fit = lmm("y ~ x", _data("lmm_singular_sim.csv"), groups="g", re="~ 1 + x", method=method)
    assert fit.convergence.converged
    assert fit.convergence.boundary  # a zero diagonal of the internal Cholesky factor
    np.testing.assert_allclose(fit.loglik, ref["logLik"], atol=LOGLIK_ATOL)
    np.testing.assert_allclose(fit.beta, _ref_vector(fit, ref["fixef"]), rtol=RTOL)
    np.testing.assert_allclose(fit.se, _ref_vector(fit, ref["se"]), rtol=RTOL)
    sd = ref["varcorr"]["sdcor"]
    np.testing.assert_allclose(fit.re_sd, sd[:2], rtol=RTOL)
    np.testing.assert_allclose(fit.re_corr[1, 0], sd[2], atol=CORR_ATOL)
    np.testing.assert_allclose(fit.sigma, ref["sigma"], rtol=RTOL)
