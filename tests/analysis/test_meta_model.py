"""Invariants, parameter recovery and input errors of rma / subgroup_analysis / regtest.

The numbers themselves are checked against metafor in test_meta_metafor.py; here we check the
properties that must hold whatever the data, and that bad input gives a clear GutbrainError.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _meta_reference import bcg, effects_for

from gutbrain.analysis.meta import regtest, rma, subgroup_analysis
from gutbrain.analysis.meta.tau2 import generalized_q, residual_maker
from gutbrain.errors import DataError, ParameterError

METHODS = ["FE", "DL", "REML", "PM"]


@pytest.fixture(scope="module")
def bcg_es():
    return effects_for("bcg")


@pytest.mark.parametrize("method", ["DL", "REML", "PM"])
def test_homogeneous_studies_give_tau2_zero_and_the_fe_estimate(method):
    yi = np.full(6, 0.4)
    vi = np.array([0.1, 0.2, 0.05, 0.3, 0.15, 0.08])
    re, fe = rma(yi, vi, method=method), rma(yi, vi, method="FE")
    assert re.tau2 == 0.0
    assert re.beta[0] == pytest.approx(fe.beta[0], rel=1e-12)
    assert re.se[0] == pytest.approx(fe.se[0], rel=1e-12)
    assert re.QE == pytest.approx(0.0, abs=1e-12) and re.I2 == 0.0 and re.H2 == 1.0
    ci = re.confint()
    assert ci.null_interval and ci.tau2[1:] == (0.0, 0.0)


def test_fe_estimate_is_the_inverse_variance_mean(bcg_es):
    res = rma(bcg_es, method="FE")
    w = 1 / bcg_es.vi
    assert res.beta[0] == pytest.approx(np.sum(w * bcg_es.yi) / np.sum(w), rel=1e-13)
    assert res.se[0] == pytest.approx(np.sqrt(1 / np.sum(w)), rel=1e-13)
    assert res.weights.sum() == pytest.approx(100.0)


def test_pm_solves_q_equals_k_minus_p(bcg_es):
    res = rma(bcg_es, method="PM")
    X = np.ones((res.k, 1))
    assert generalized_q(res.tau2, res.yi, res.vi, X) == pytest.approx(res.k - 1, rel=1e-10)


def test_reml_estimate_zeroes_the_restricted_score(bcg_es):
    res = rma(bcg_es, mods=bcg()[["ablat"]], method="REML")
    P = residual_maker(res.vi, res.X, res.tau2)
    Py = P @ res.yi
    assert Py @ Py == pytest.approx(np.trace(P), rel=1e-9)


def test_knapp_hartung_scales_the_covariance(bcg_es):
    z, t = rma(bcg_es, method="REML"), rma(bcg_es, method="REML", knha=True)
    assert t.beta[0] == pytest.approx(z.beta[0], rel=1e-14)
    w = 1 / (z.vi + z.tau2)
    s2w = np.sum(w * (z.yi - z.beta[0]) ** 2) / (z.k - 1)
    assert t.se[0] == pytest.approx(z.se[0] * np.sqrt(s2w), rel=1e-12)
    assert t.df == z.k - 1 and z.df is None
    assert t.QM == pytest.approx(t.stat[0] ** 2, rel=1e-12)  # F(1, k-1) = t^2


@pytest.mark.parametrize(
    ("method", "knha"), [(m, kh) for m in METHODS for kh in (False, True) if not (m == "FE" and kh)]
)
def test_prediction_interval_contains_ci_and_studies_order_does_not_matter(bcg_es, method, knha):
    res = rma(bcg_es, method=method, knha=knha)
    pr = res.predict()
    if res.random:
        assert pr.pi_lb[0] <= pr.ci_lb[0] < pr.pred[0] < pr.ci_ub[0] <= pr.pi_ub[0]
    else:
        assert pr.pi_lb is None
    rng = np.random.default_rng(7)
    perm = rng.permutation(res.k)
    shuffled = rma(bcg_es.yi[perm], bcg_es.vi[perm], method=method, knha=knha)
    np.testing.assert_allclose(shuffled.beta, res.beta, rtol=1e-10)
    assert shuffled.tau2 == pytest.approx(res.tau2, rel=1e-9, abs=1e-14)


def test_sei_input_equals_vi_input(bcg_es):
    a = rma(bcg_es.yi, bcg_es.vi)
    b = rma(bcg_es.yi, sei=np.sqrt(bcg_es.vi))
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-12)


def test_ci_coverage_in_simulated_meta_analyses():
    """Parameter recovery: REML+Knapp-Hartung CI for mu and Q-profile CI for tau^2 cover the truth.

    300 meta-analyses of k = 12 studies, mu = 0.3, tau^2 = 0.05, vi ~ U(0.01, 0.1), seed 2025.
    Both intervals are near-exact under the model, so coverage must lie within binomial
    noise of 95% (3 SE = 3.8 percentage points).
    """
    rng = np.random.default_rng(2025)
    mu, tau2, k, n = 0.3, 0.05, 12, 300
    cover_mu = cover_tau2 = 0
    for _ in range(n):
        vi = rng.uniform(0.01, 0.1, k)
        yi = mu + rng.normal(0, np.sqrt(tau2), k) + rng.normal(0, np.sqrt(vi))
        res = rma(yi, vi, method="REML", knha=True)
        cover_mu += res.ci_lb[0] <= mu <= res.ci_ub[0]
        _, lo, hi = res.confint().tau2
        cover_tau2 += lo <= tau2 <= hi
    assert abs(cover_mu / n - 0.95) < 0.038
    assert abs(cover_tau2 / n - 0.95) < 0.038


def test_meta_regression_recovers_a_slope():
    rng = np.random.default_rng(11)
    k = 40
    x = rng.uniform(0, 10, k)
    vi = rng.uniform(0.01, 0.05, k)
    yi = 0.2 + 0.05 * x + rng.normal(0, np.sqrt(0.01), k) + rng.normal(0, np.sqrt(vi))
    res = rma(yi, vi, mods=pd.DataFrame({"x": x}))
    assert res.ci_lb[1] <= 0.05 <= res.ci_ub[1]
    assert res.QM_p < 1e-6 and res.R2 is not None and res.R2 > 50


def test_results_are_json_ready_and_printable(bcg_es):
    for res in (rma(bcg_es), rma(bcg_es, method="FE"), rma(bcg_es, mods=bcg()[["ablat", "alloc"]])):
        text = json.dumps(res.to_dict(), allow_nan=False)
        assert '"tau2"' in text
        assert "Model Results" in repr(res)
        assert list(res.summary().index) == list(res.coef_names)
    sg = subgroup_analysis(bcg_es, None, bcg().alloc, variable="alloc")
    json.dumps(sg.to_dict(), allow_nan=False)
    assert "Test for subgroup differences" in repr(sg)
    assert list(sg.summary().index) == ["alternate", "random", "systematic"]
    eg = regtest(rma(bcg_es))
    json.dumps(eg.to_dict(), allow_nan=False)
    assert eg.summary().shape == (1, 6)


def test_predict_with_newmods_and_fitted_values(bcg_es):
    res = rma(bcg_es, mods=bcg()[["ablat"]])
    fitted = res.predict()
    np.testing.assert_allclose(fitted.pred, res.X @ res.beta)
    new = res.predict([0.0, 20.0])
    np.testing.assert_allclose(new.pred, res.beta[0] + res.beta[1] * np.array([0.0, 20.0]))
    with pytest.raises(ParameterError, match="newmods: expected 1 column"):
        res.predict(np.ones((2, 3)))


def test_single_study_fe_model():
    res = rma([0.5], [0.04], method="FE")
    assert res.beta[0] == 0.5 and res.se[0] == pytest.approx(0.2)
    assert res.QE == 0.0 and res.QE_df == 0


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: rma([0.1, 0.2], [0.1, 0.1], method="MLE"), ParameterError, "method = 'MLE'"),
        (lambda: rma([0.1, 0.2], [0.1, 0.1], level=95), ParameterError, "level = 95"),
        (lambda: rma([0.1, 0.2], [0.1, 0.0]), DataError, r"vi\[1\] = 0: expected a sampling"),
        (lambda: rma([0.1, 0.2], [0.1]), DataError, "vi: has 1 values"),
        (lambda: rma([0.1], [0.1]), DataError, "needs at least 2 studies"),
        (lambda: rma([0.1, 0.2]), ParameterError, "exactly one of vi"),
        (lambda: rma([0.1, 0.2], sei=[0.1, -1.0]), DataError, r"sei\[1\] = -1.0"),
        (
            lambda: rma(
                [0.1, 0.2, 0.3], [0.1] * 3, mods=pd.DataFrame({"a": [1, 2, 3], "b": [2, 4, 6]})
            ),
            DataError,
            "collinear",
        ),
        (
            lambda: rma([0.1, 0.2, 0.3], [0.1] * 3, mods=pd.DataFrame({"a": [1.0, np.nan, 3]})),
            DataError,
            "moderator 'a', study 1: missing value",
        ),
        # Extremes used to end in numpy overflow warnings, NaNs or a ZeroDivisionError (REML).
        (lambda: rma([1e308, 1.0, -1e308], [0.1] * 3), DataError, r"yi\[0\] = 1e\+308"),
        (lambda: rma([0.1, 0.2, 0.3], [1e-320, 0.1, 0.2]), DataError, r"vi\[0\] = 9.99989e-321"),
        (lambda: rma([0.1, 0.2, 0.3], [1e300] * 3, method="REML"), DataError, "between 1e-100"),
        (lambda: rma([0.1, 0.2], [0.1] * 2, method="FE").confint(), ParameterError, "FE model"),
        (lambda: regtest(rma([0.1, 0.2], [0.1, 0.2])), DataError, "at least 3 studies"),
        (
            lambda: subgroup_analysis([0.1, 0.2, 0.3], [0.1] * 3, ["a", "a", "b"]),
            DataError,
            "subgroup = 'b' has 1 study",
        ),
        (
            lambda: subgroup_analysis([0.1, 0.2, 0.3], [0.1] * 3, ["a", "a", "a"]),
            DataError,
            "only one subgroup",
        ),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()


@pytest.mark.parametrize("method", ["FE", "DL", "REML", "PM"])
def test_knapp_hartung_with_an_exact_fit_is_a_clear_error(method):
    """Identical effects (or moderators that fit them exactly) make the Knapp-Hartung factor
    s^2 = 0: every interval would have zero width. It used to crash inside numpy
    (LinAlgError: Singular matrix) after dividing by a zero standard error."""
    vi = [0.1, 0.2, 0.3, 0.1, 0.05]
    with pytest.raises(DataError, match=r"Knapp-Hartung.*fit the model exactly"):
        rma([0.3] * 5, vi, method=method, knha=True)
    with pytest.raises(DataError, match=r"Knapp-Hartung.*fit the model exactly"):
        rma([0.1, 0.2, 0.3, 0.4, 0.5], vi, mods=[1.0, 2, 3, 4, 5], method=method, knha=True)
    assert rma([0.3] * 5, vi, method=method).se[0] > 0  # without knha the model is fine


def test_saturated_fe_meta_regression_has_no_r2():
    """k = p: the adjusted R^2 has k - p = 0 residual df and is undefined (R's lm gives NaN);
    it used to raise ZeroDivisionError. The coefficients are the exact solution."""
    # One more study than coefficients: R^2 is defined and reported.
    assert rma([1.0, 2.0, 4.0], [1.0] * 3, mods=[0.0, 1.0, 3.0], method="FE").R2 is not None
    sat = rma([1.0, 2.0, 4.0], [1.0] * 3, mods=pd.DataFrame({"a": [0.0, 1, 3], "b": [1.0, 0, 2]}),
              method="FE")  # fmt: skip
    np.testing.assert_allclose(sat.X @ sat.beta, [1.0, 2.0, 4.0], atol=1e-12)
    assert sat.R2 is None and sat.QE == 0.0 and sat.QE_df == 0
    json.dumps(sat.to_dict())
    repr(sat)
