"""MMRM and responder/remission analyses against R (nlme::gls, emmeans, glm, prop.test).

Every reference number comes from ``tests/reference/mmrm_responder.json``, written by
``tests/reference/mmrm_responder.R`` (R 4.2.2, nlme 3.1-162, emmeans 1.8.4.1; the gls call is stored
under ``"call"``) from ``tests/reference/mmrm_nik2023_visits.csv`` (the visits of a simulated
NIK2023 bundle, ``make_mmrm_dataset.py``, seed 2023). The R calls, per instrument (HAMD-17 and
IDS-C30; ``post`` the post-baseline rows with ``change`` and ``baseline``)::

    gls(change ~ arm * visit + baseline * visit, data = post, method = "REML",
        correlation = corSymm(form = ~ k | participant), weights = varIdent(form = ~ 1 | visit),
        control = <tight tolerances>)
    emmeans(fit, ~ arm | visit, mode = "satterthwaite", at = list(baseline = <mean baseline>))
    glm(event ~ arm + baseline, family = binomial);  confint.default(.)
    prop.test(events, n, correct = FALSE)$conf.int

Tolerances: fixed effects, SEs, effects and adjusted means to a relative 1e-5 (R's gls optimum is
itself only that precise); the restricted log-likelihood to 1e-6 absolute; the covariance over
visits to 1e-4 relative (R stops on the likelihood, which is flat in the covariance to second
order). Satterthwaite df to 2e-3 relative: emmeans takes the variance parameters' covariance from
nlme's ``apVar``, a finite-difference Hessian whose error is of that size (the R script sets its
step, ``.relStep = 1e-4``, where the df were steadiest; the default step moved them by up to 1%).
At week 4, which all 48 participants still in the trial attended, the df are exactly 48 - 3 = 45:
gutbrain gives 45.00004 (HAMD-17) and 45.00002 (IDS-C30), R 45.026 and 45.042.
glm and prop.test quantities to 1e-6 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutbrain.analysis.mmrm import mmrm
from gutbrain.analysis.responder import REMISSION_CUTOFFS, binary_outcome, logistic_regression
from gutbrain.analysis.visit_scores import visit_scores

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "mmrm_responder.json").read_text())
VISITS = pd.read_csv(REF_DIR / "mmrm_nik2023_visits.csv")
ARMS = VISITS.groupby("participant")["arm"].first()
ARGS = {"control": "placebo", "treatment": "probiotic"}


@pytest.fixture(scope="module", params=sorted(REF))
def case(request: pytest.FixtureRequest):
    inst = request.param
    scores = visit_scores(VISITS, ARMS, inst, **ARGS)
    return REF[inst], scores, mmrm(scores, **ARGS)


def test_fixed_effects_and_loglik(case) -> None:
    ref, scores, fit = case
    assert scores.baseline_visit == ref["baseline_visit"] and list(scores.visits) == ref["visits"]
    assert fit.n_obs == ref["n_obs"] and fit.converged
    assert list(fit.coef["term"]) == ref["terms"]
    np.testing.assert_allclose(fit.coef["estimate"], ref["estimate"], rtol=1e-5)
    np.testing.assert_allclose(fit.coef["se"], ref["se"], rtol=1e-5)
    assert fit.loglik == pytest.approx(ref["logLik"], abs=1e-6)
    np.testing.assert_allclose(fit.covariance.to_numpy(), ref["covariance"], rtol=1e-4)
    assert fit.mean_baseline == pytest.approx(ref["mean_baseline"], rel=1e-12)


def test_effects_and_means_with_satterthwaite_df(case) -> None:
    ref, _, fit = case
    e, m = ref["effects"], ref["means"]
    assert list(fit.effects["visit"]) == e["visit"]
    for key in ("estimate", "se"):
        np.testing.assert_allclose(fit.effects[key], e[key], rtol=1e-5)
        np.testing.assert_allclose(fit.means[key], m[key], rtol=1e-5)
    np.testing.assert_allclose(fit.effects["df"], e["df"], rtol=2e-3)
    np.testing.assert_allclose(fit.means["df"], m["df"], rtol=2e-3)
    # The interval and p follow from the df: compare them at the R df's precision.
    np.testing.assert_allclose(fit.effects["ci_low"], e["ci_low"], rtol=1e-3)
    np.testing.assert_allclose(fit.effects["ci_high"], e["ci_high"], rtol=1e-3)
    np.testing.assert_allclose(fit.effects["p"], e["p"], rtol=1e-2)
    assert list(fit.means["arm"]) == m["arm"] and list(fit.means["visit"]) == m["visit"]


@pytest.mark.parametrize("outcome", ["response", "remission"])
def test_binary_outcomes_match_glm_and_prop_test(case, outcome: str) -> None:
    ref, scores, _ = case
    r = ref[outcome]
    last = scores.last_visit()
    if outcome == "response":  # as the R script: a fall by half needs a baseline above 0
        last = last[last["baseline"] > 0].reset_index(drop=True)
    cut = REMISSION_CUTOFFS[scores.instrument][0]
    event = (last["score"] <= (0.5 * last["baseline"] if outcome == "response" else cut)).to_numpy()
    res = binary_outcome(
        event, last["treated"].to_numpy(), last["baseline"].to_numpy(), outcome=outcome,
        definition="",
    )  # fmt: skip
    assert (res.events_control, res.events_treatment) == (
        r["events"]["placebo"],
        r["events"]["probiotic"],
    )
    assert (res.n_control, res.n_treatment) == (r["n"]["placebo"], r["n"]["probiotic"])
    assert res.rd == pytest.approx(r["risk_difference"], rel=1e-12)
    assert (res.rd_low, res.rd_high) == pytest.approx(tuple(r["rd_ci"]), rel=1e-9)
    x = np.column_stack([np.ones(len(last)), last["treated"], last["baseline"]])
    beta, cov, ok = logistic_regression(event.astype(float), x)
    assert ok
    np.testing.assert_allclose(beta, r["glm_estimate"], rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), r["glm_se"], rtol=1e-6)
    assert res.odds_ratio == pytest.approx(np.exp(r["glm_estimate"][1]), rel=1e-6)
    assert (res.or_low, res.or_high) == pytest.approx(
        (np.exp(r["glm_ci_low"][1]), np.exp(r["glm_ci_high"][1])), rel=1e-6
    )
    assert res.or_p == pytest.approx(r["glm_p"][1], rel=1e-5)
