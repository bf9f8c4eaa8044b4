"""gutbrain.analysis.lmm: parameter recovery, reductions, invariances, result objects, errors."""

from __future__ import annotations

import dataclasses
import json
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.analysis.lmm import lmm, lrt
from gutbrain.errors import DataError, DesignError, GutbrainError, ParameterError


def simulate_diary(
    rng: np.random.Generator,
    *,
    n_people: int = 80,
    n_days: int = 28,
    phi: float = 0.5,
    sigma: float = 5.0,
    sd_int: float = 6.0,
    sd_slope: float = 0.3,
    beta: tuple[float, float, float, float] = (40.0, -1.0, 0.4, -1.2),
    missing: float = 0.2,
) -> pd.DataFrame:
    """na = b0 + b1 probiotic + b2 week + b3 probiotic:week + u0 + u1 day + CAR(1) error."""
    pid = np.repeat(np.arange(n_people), n_days)
    day = np.tile(np.arange(n_days), n_people)
    week = day / 7.0
    treat = (pid % 2).astype(float)
    u0 = rng.normal(0, sd_int, n_people)
    u1 = rng.normal(0, sd_slope, n_people)
    e = np.empty((n_people, n_days))
    e[:, 0] = rng.normal(0, sigma, n_people)
    for k in range(1, n_days):
        e[:, k] = phi * e[:, k - 1] + rng.normal(0, sigma * np.sqrt(1 - phi**2), n_people)
    y = (
        beta[0]
        + beta[1] * treat
        + beta[2] * week
        + beta[3] * treat * week
        + u0[pid]
        + u1[pid] * day
        + e.ravel()
    )
    d = pd.DataFrame(
        {
            "participant": [f"P{i:03d}" for i in pid],
            "arm": np.where(treat == 1, "probiotic", "placebo"),
            "day": day,
            "week": week,
            "na": y,
        }
    )
    return d[rng.random(len(d)) >= missing].reset_index(drop=True)


@cache
def _diary() -> pd.DataFrame:
    return simulate_diary(np.random.default_rng(11))


def test_parameter_recovery_car1_random_slope() -> None:
    """Simulate from known values; the 95% CIs of all fixed effects cover the truth and the
    covariance parameters land near theirs (fixed seed, 80 people x 28 days, 20% missing)."""
    truth = np.array([40.0, -1.0, 0.4, -1.2])
    fit = lmm("na ~ arm * week", _diary(), groups="participant", re="~ 1 + day", ar1_time="day")
    assert fit.convergence.converged
    assert np.all((fit.ci_low <= truth) & (truth <= fit.ci_high)), fit.fixed_effects()
    assert fit.phi is not None and abs(fit.phi - 0.5) < 0.1
    assert abs(fit.sigma - 5.0) < 0.5
    assert abs(fit.re_sd[0] - 6.0) < 1.5
    assert abs(fit.re_sd[1] - 0.3) < 0.1


def test_ci_coverage_over_replicates() -> None:
    """Coverage of the 95% Satterthwaite CI for the arm x week effect over 60 simulated
    trials (random intercept + CAR(1)): a binomial(60, 0.95) count is >= 52 with probability
    > 0.99, and <= 60 trivially."""
    rng = np.random.default_rng(2024)
    covered = 0
    for _ in range(60):
        d = simulate_diary(rng, n_people=30, n_days=14, sd_slope=0.0)
        fit = lmm("na ~ arm * week", d, groups="participant", re="~ 1", ar1_time="day")
        lo, hi = fit.ci_low[3], fit.ci_high[3]
        covered += int(lo <= -1.2 <= hi)
    assert covered >= 52


def test_ar1_with_phi_at_zero_reduces_to_the_plain_model() -> None:
    """Residuals with slightly negative serial correlation put the CAR(1) estimate on its
    boundary phi = 0, where the model is the independent-residual one: estimates and logLik
    equal the plain fit."""
    rng = np.random.default_rng(5)
    n_people, n_days = 40, 15
    pid = np.repeat(np.arange(n_people), n_days)
    day = np.tile(np.arange(n_days), n_people)
    innov = rng.normal(0, 1, (n_people, n_days + 1))
    e = (innov[:, 1:] - 0.3 * innov[:, :-1]).ravel()  # MA(1), lag-1 correlation < 0
    d = pd.DataFrame(
        {"g": pid, "day": day, "y": 2 + 0.1 * day + rng.normal(0, 1, n_people)[pid] + e}
    )
    car = lmm("y ~ day", d, groups="g", ar1_time="day", method="ML")
    plain = lmm("y ~ day", d, groups="g", method="ML")
    assert car.phi == 0.0
    assert "phi" in car.convergence.boundary
    np.testing.assert_allclose(car.loglik, plain.loglik, rtol=1e-12)
    np.testing.assert_allclose(car.beta, plain.beta, rtol=1e-7)
    np.testing.assert_allclose(car.se, plain.se, rtol=1e-6)
    np.testing.assert_allclose(car.re_sd, plain.re_sd, rtol=1e-6)
    np.testing.assert_allclose(car.sigma, plain.sigma, rtol=1e-7)
    assert car.n_params == plain.n_params + 1


def test_missing_rows_are_dropped_and_fitted_values_keep_row_labels() -> None:
    """Rows with a missing value are dropped (as lme4's na.omit): the fit equals the fit to the
    complete rows; fitted values and residuals come back in the input's row order and labels."""
    d = _diary().sample(frac=1.0, random_state=3)  # shuffled labels, to check the order
    with_na = d.copy()
    with_na.loc[with_na.index[:5], "na"] = np.nan
    with_na.loc[with_na.index[5:8], "week"] = np.nan
    kw = {"groups": "participant", "re": "~ 1 + day", "ar1_time": "day"}
    fit_na = lmm("na ~ arm * week", with_na, **kw)
    fit_complete = lmm("na ~ arm * week", with_na.dropna(), **kw)
    assert fit_na.n_obs == len(d) - 8
    np.testing.assert_allclose(fit_na.beta, fit_complete.beta, rtol=1e-10)
    np.testing.assert_allclose(fit_na.loglik, fit_complete.loglik, rtol=1e-12)
    assert list(fit_na.fitted.index) == list(with_na.dropna().index)
    fit = lmm("na ~ arm * week", d, **kw)
    assert list(fit.fitted.index) == list(d.index)
    np.testing.assert_allclose(fit.fitted + fit.residuals, d["na"].to_numpy(), rtol=1e-12)


def test_shuffle_invariance() -> None:
    d = _diary()
    a = lmm("na ~ arm * week", d, groups="participant", re="~ 1 + day", ar1_time="day")
    b = lmm(
        "na ~ arm * week",
        d.sample(frac=1.0, random_state=1),
        groups="participant",
        re="~ 1 + day",
        ar1_time="day",
    )
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-8)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    np.testing.assert_allclose(a.df, b.df, rtol=1e-6)
    pd.testing.assert_frame_equal(a.random_effects, b.random_effects, rtol=1e-6)


def test_result_object_interface() -> None:
    d = _diary()
    fit = lmm("na ~ arm * week", d, groups="participant", re="~ 1 + day", ar1_time="day")
    table = fit.summary()
    assert list(table.columns) == ["estimate", "se", "df", "t", "p", "ci_low", "ci_high"]
    assert list(table.index) == [
        "Intercept",
        "arm[T.probiotic]",
        "week",
        "arm[T.probiotic]:week",
    ]
    vc = fit.variance_components()
    assert set(vc["kind"]) == {"sd", "corr", "phi"}
    out = fit.to_dict()
    text = json.dumps(out)  # JSON-ready
    assert json.loads(text)["fixed_effects"]["week"]["estimate"] == pytest.approx(fit.beta[2])
    assert out["convergence"]["converged"] is True
    r = repr(fit)
    assert "LMMResult(REML: na ~ arm * week" in r and "CAR(1) in day" in r
    # A unit contrast reproduces the table row, interval included, at the fit's level.
    c = fit.contrast([0, 0, 0, 1])
    row = fit.fixed_effects().iloc[3]
    for key in ("estimate", "se", "df", "t", "p", "ci_low", "ci_high"):
        assert getattr(c, key) == pytest.approx(row[key], rel=1e-12), key
    assert c.conf_level == fit.conf_level == 0.95
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.estimate = 0.0  # type: ignore[misc]
    assert json.loads(json.dumps(c.to_dict()))["ci_high"] == pytest.approx(c.ci_high)
    with pytest.raises(DesignError, match="expected 4 weights"):
        fit.contrast([1, 0])
    with pytest.raises(ParameterError, match=r"contrast: conf_level = 1\.5"):
        fit.contrast([0, 0, 0, 1], conf_level=1.5)


def test_contrast_interval_at_its_level() -> None:
    """The interval is estimate -/+ t(df) quantile x se, and widens with the level."""
    fit = lmm("na ~ arm * week", _diary(), groups="participant", conf_level=0.9)
    weights = [0, 1, 0, 4]
    at_fit, at_99 = fit.contrast(weights), fit.contrast(weights, conf_level=0.99)
    assert at_fit.conf_level == 0.9 and at_99.conf_level == 0.99
    for c in (at_fit, at_99):
        half = stats.t.ppf(0.5 + c.conf_level / 2, c.df) * c.se
        assert (c.ci_low, c.ci_high) == pytest.approx((c.estimate - half, c.estimate + half))
    assert at_99.ci_low < at_fit.ci_low < at_fit.estimate < at_fit.ci_high < at_99.ci_high
    assert (at_99.estimate, at_99.p) == (at_fit.estimate, at_fit.p)


def test_lrt_interface_and_guards() -> None:
    d = _diary()
    m0 = lmm("na ~ week", d, groups="participant", ar1_time="day", method="ML")
    m1 = lmm("na ~ arm * week", d, groups="participant", ar1_time="day", method="ML")
    res = lrt(m0, m1)
    assert res.df == 2
    assert res.statistic == pytest.approx(2 * (m1.loglik - m0.loglik))
    assert set(res.summary().columns) >= {"loglik", "statistic", "p"}
    assert json.loads(json.dumps(res.to_dict()))["df"] == 2
    assert "chi2" in repr(res)
    with pytest.raises(DesignError, match="fewer parameters"):
        lrt(m1, m0)
    r0 = lmm("na ~ week", d, groups="participant", method="REML")
    r1 = lmm("na ~ arm * week", d, groups="participant", method="REML")
    with pytest.raises(DesignError, match="method='ML'"):
        lrt(r0, r1)
    with pytest.raises(DesignError, match="different methods"):
        lrt(m0, r1)
    other = lmm("na ~ week", d.iloc[:-10], groups="participant", method="ML")
    with pytest.raises(DesignError, match="different data"):
        lrt(other, m1)
    # REML comparison of variance structures with identical fixed effects is allowed.
    r2 = lmm("na ~ week", d, groups="participant", re="~ 1 + day", method="REML")
    assert lrt(r0, r2).df == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"formula": "na ~ nope"}, DataError, "'nope' not in the data"),
        ({"groups": "who"}, DataError, "'who' not in the data"),
        ({"formula": "na ~ (week"}, DesignError, r"cannot parse '\(week'"),
        ({"formula": "na ~ foo(week)"}, DesignError, r"Unable to evaluate factor `foo\(week\)`"),
        ({"formula": "na week"}, DesignError, "expected a string like"),
        ({"method": "OLS"}, DesignError, "method 'OLS'"),
        ({"re": "~ 0"}, DesignError, "has no terms"),
        ({"conf_level": 1.5}, DesignError, "conf_level"),
        ({"ar1_time": "arm"}, DataError, "ar1_time column 'arm' must be numeric"),
        ({"formula": "arm ~ week"}, DataError, "response column 'arm' must be numeric"),
    ],
)
def test_bad_input_raises_gutbrain_errors(kwargs: dict, error: type, match: str) -> None:  # type: ignore[type-arg]
    args = {"formula": "na ~ week", "data": _diary(), "groups": "participant"} | kwargs
    with pytest.raises(error, match=match):
        lmm(**args)


def test_data_errors_name_the_problem() -> None:
    d = _diary()
    dup = pd.concat([d, d.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicate 'day' = 0 for participant = 'P000'"):
        lmm("na ~ week", dup, groups="participant", ar1_time="day")
    const = d.assign(na=3.0)
    with pytest.raises(DataError, match="constant"):
        lmm("na ~ week", const, groups="participant")
    one = d[d.participant == "P000"]
    with pytest.raises(DataError, match="need at least 2"):
        lmm("na ~ week", one, groups="participant")
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        lmm("na ~ week", d.to_dict(), groups="participant")  # type: ignore[arg-type]
    few = d.groupby("participant").head(2)
    with pytest.raises(DataError, match="not identifiable"):
        lmm("na ~ week", few, groups="participant", re="~ 1 + day")
    collinear = d.assign(week2=d.week * 2)
    with pytest.raises(DesignError, match="'week2' is a linear combination"):
        lmm("na ~ week + week2", collinear, groups="participant")
    assert issubclass(DataError, GutbrainError)


def test_categorical_levels_missing_after_dropping_rows_are_dropped() -> None:
    """A category whose rows all have a missing response is not a column of zeros."""
    d = _diary().copy()
    d["site"] = np.where(d.index % 3 == 0, "a", np.where(d.index % 3 == 1, "b", "c"))
    d.loc[d.site == "c", "na"] = np.nan
    fit = lmm("na ~ week + site", d, groups="participant")
    assert "site[T.b]" in fit.coef_names and "site[T.c]" not in fit.coef_names


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_three_random_effects_against_statsmodels(method: str) -> None:
    """Random intercept + two random slopes (unstructured 3 x 3 D) against statsmodels
    ``smf.mixedlm("y ~ x1 + x2", d, groups=d["g"], re_formula="~ x1 + x2").fit(reml=...)``.

    No R reference covers q = 3; statsmodels' optimum is looser than ours, so our
    log-likelihood must be at least as high and agree to 1e-6, and the estimates to ~1e-4."""
    smf = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(3)
    m, n = 60, 15
    g = np.repeat(np.arange(m), n)
    x1, x2 = rng.normal(size=m * n), rng.normal(size=m * n)
    chol = np.array([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.3, 0.2, 0.7]])
    b = rng.normal(size=(m, 3)) @ chol.T
    y = 1 + 0.5 * x1 - 0.3 * x2 + b[g, 0] + b[g, 1] * x1 + b[g, 2] * x2 + rng.normal(size=m * n)
    d = pd.DataFrame({"g": g, "x1": x1, "x2": x2, "y": y})
    fit = lmm("y ~ x1 + x2", d, groups="g", re="~ 1 + x1 + x2", method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = smf.mixedlm("y ~ x1 + x2", d, groups=d["g"], re_formula="~ x1 + x2").fit(
            reml=method == "REML", method=["lbfgs"], gtol=1e-10
        )
    assert fit.convergence.converged
    assert fit.loglik >= sm.llf - 1e-9
    assert fit.loglik - sm.llf < 1e-6
    np.testing.assert_allclose(fit.beta, sm.fe_params.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(fit.re_cov, sm.cov_re.to_numpy(), rtol=2e-4, atol=1e-4)


def test_quasi_newton_fallback_reaches_the_same_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the Newton phase does not converge, L-BFGS-B takes over from the start and Newton
    polishes: the answer is the same optimum."""
    import gutbrain.analysis.lmm.optimise as opt_mod

    d = _diary()
    kw = {"groups": "participant", "re": "~ 1 + day", "ar1_time": "day"}
    normal = lmm("na ~ arm * week", d, **kw)
    real_newton = opt_mod.newton
    calls = []

    def failing_first(fun, x, lower, upper, max_iter):  # type: ignore[no-untyped-def]
        calls.append(max_iter)
        if len(calls) == 1:
            return real_newton(fun, x, lower, upper, max_iter=1)  # stops at the iteration limit
        return real_newton(fun, x, lower, upper, max_iter)

    monkeypatch.setattr(opt_mod, "newton", failing_first)
    fallback = lmm("na ~ arm * week", d, **kw)
    assert len(calls) == 2
    assert "L-BFGS-B" in fallback.convergence.message
    assert fallback.convergence.converged
    np.testing.assert_allclose(fallback.loglik, normal.loglik, rtol=1e-12)
    np.testing.assert_allclose(fallback.beta, normal.beta, rtol=1e-7)
    np.testing.assert_allclose(fallback.df, normal.df, rtol=1e-5)


@pytest.mark.parametrize(
    ("column", "kwargs"),
    [("na", {}), ("week", {}), ("day", {"ar1_time": "day"})],
)
def test_infinite_values_are_named(column: str, kwargs: dict) -> None:  # type: ignore[type-arg]
    """An inf is not a missing value: it used to give a misleading 'response is constant'
    (response), a vague 'likelihood could not be evaluated' (predictor), or be fitted silently
    (CAR(1) time)."""
    d = _diary().copy()
    d[column] = d[column].astype(float)
    label = d.index[7]
    d.loc[label, column] = np.inf
    with pytest.raises(DataError, match=rf"column '{column}', data row {label}: value inf"):
        lmm("na ~ week", d, groups="participant", **kwargs)


@pytest.mark.parametrize(
    ("response", "formula", "kwargs"),
    [
        ("linear", "y ~ week", {}),  # y = 1 + 2 week: the fixed effects fit it exactly
        ("linear", "y ~ week", {"ar1_time": "day", "re": "~ 1 + day"}),
        ("copy", "y ~ week", {}),  # y = week: 'y ~ y' in effect
        ("between", "y ~ week", {}),  # constant within each participant (+ a slope in week)
        ("between", "y ~ week", {"ar1_time": "day"}),
        ("slopes", "y ~ week", {"re": "~ 1 + day"}),  # person-specific lines, no noise
    ],
)
def test_a_response_fitted_exactly_is_a_clear_error(
    response: str,
    formula: str,
    kwargs: dict,  # type: ignore[type-arg]
) -> None:
    """A residual variance of 0 used to give standard errors of 1e-151, df = inf and p = 0,
    or a numpy LinAlgError, depending on the case; the error comes without numpy's overflow
    warnings from the optimiser on the way."""
    d = _diary().copy()
    code = d.participant.str[1:].astype(int).to_numpy()
    d["y"] = {
        "linear": 1.0 + 2.0 * d.week,
        "copy": d.week,
        "between": code + 0.5 * d.week,
        "slopes": code + (1 + code % 3) * d.day,
    }[response]
    with (
        warnings.catch_warnings(),
        pytest.raises(DataError, match=r"'y ~ week' with random .* fits the response exactly"),
    ):
        warnings.simplefilter("error", RuntimeWarning)
        lmm(formula, d, groups="participant", **kwargs)
    # A little noise makes the same models fittable (the check does not fire on real data).
    d["y"] += np.random.default_rng(0).normal(0, 0.5, len(d))
    fit = lmm(formula, d, groups="participant", **kwargs)
    assert np.isfinite(fit.se).all() and fit.sigma > 0.1


def test_a_random_slope_for_a_between_person_column_warns() -> None:
    """A slope for a column that is constant within every participant (here the arm) is not
    identified apart from the intercept; it used to be fitted without a word."""
    d = simulate_diary(np.random.default_rng(11), n_people=30, n_days=10)
    with pytest.warns(UserWarning, match=r"'arm.*' never varies within a level of 'participant'"):
        lmm("na ~ arm * week", d, groups="participant", re="~ 1 + arm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a within-person slope stays silent
        lmm("na ~ arm * week", d, groups="participant", re="~ 1 + week")


def test_a_warm_start_reaches_the_same_optimum_with_less_work() -> None:
    """``start``: a related fit's covariance parameters as a starting point (lme4's ``start``).
    A fit started from its own optimum, and a change-point profile started from its neighbour,
    give the cold fits' answers to the optimiser's tolerance, in fewer deviance evaluations."""
    d = _diary().copy()
    kw = {"groups": "participant", "re": "~ 1 + day", "ar1_time": "day", "method": "ML"}
    cold = lmm("na ~ arm * week", d, **kw)
    again = lmm("na ~ arm * week", d, start=cold, **kw)
    assert again.convergence.converged
    np.testing.assert_allclose(again.loglik, cold.loglik, rtol=1e-12)
    np.testing.assert_allclose(again.beta, cold.beta, rtol=1e-7)
    np.testing.assert_allclose(again.df, cold.df, rtol=1e-5)
    assert again.convergence.evaluations < cold.convergence.evaluations

    prev, warm_evals, cold_evals = cold, 0, 0
    for tau in range(5, 25, 4):
        d["after"] = (d["day"] >= tau) * (d["arm"] == "probiotic").astype(float)
        c = lmm("na ~ arm + week + after", d, **kw)
        w = lmm("na ~ arm + week + after", d, start=prev, **kw)
        np.testing.assert_allclose(w.loglik, c.loglik, rtol=1e-12)
        np.testing.assert_allclose(w.beta, c.beta, rtol=1e-7)
        cold_evals += c.convergence.evaluations
        warm_evals += w.convergence.evaluations
        prev = w
    assert warm_evals < cold_evals, (warm_evals, cold_evals)


def test_a_start_from_a_different_model_is_refused() -> None:
    d = _diary()
    slope = lmm("na ~ arm * week", d, groups="participant", re="~ 1 + day", ar1_time="day")
    with pytest.raises(DesignError, match=r"start has random effects \['Intercept', 'day'\]"):
        lmm("na ~ arm * week", d, groups="participant", ar1_time="day", start=slope)
    with pytest.raises(DesignError, match="AR"):
        lmm("na ~ arm * week", d, groups="participant", re="~ 1 + day", start=slope)
