"""Effect sizes from 2x2 counts and back-transformed summaries, against metafor 3.8-1.

Reference: ``tests/reference/meta_metafor.json`` (cases ``escalc`` and
``backtransform_nielweise_OR``), written by ``Rscript tests/reference/meta_metafor.R``::

    escalc(M, ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)        # M in OR, RR, RD
    escalc(M, ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.nielweise2007)  # zero cells
    escalc(M, ai=ai, bi=bi, ci=ci, di=di, data=zeros)                  # zeros, double zeros
    res <- rma(yi, vi, data=escalc("OR", ..., data=dat.nielweise2007), method=M, test=T)
    predict(res, transf=exp)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _meta_reference import arr, bcg, metafor, table

from gutbrain.analysis.meta import log_odds_ratio, log_risk_ratio, risk_difference, rma
from gutbrain.errors import DataError

FUNCTIONS = {"OR": log_odds_ratio, "RR": log_risk_ratio, "RD": risk_difference}


def _counts(data: str) -> tuple[np.ndarray, ...]:
    if data == "bcg":
        d = bcg()
        return d.tpos, d.tneg, d.cpos, d.cneg
    if data == "nielweise":
        d = table("nielweise2007")
        return d.ai, d.n1i - d.ai, d.ci, d.n2i - d.ci
    z = pd.DataFrame(metafor()["cases"]["escalc"]["zeros"]["data"])
    return z.ai, z.bi, z.ci, z.di


@pytest.mark.parametrize("measure", list(FUNCTIONS))
@pytest.mark.parametrize("data", ["bcg", "nielweise", "zeros"])
def test_counts_match_escalc(measure: str, data: str) -> None:
    """yi and vi equal escalc's (add = 1/2 to every cell of a study with a zero cell)."""
    ref = metafor()["cases"]["escalc"][f"{data}_{measure}"]
    es = FUNCTIONS[measure](*_counts(data))
    np.testing.assert_allclose(es.yi, arr(ref["yi"]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(es.vi, arr(ref["vi"]), rtol=1e-12)
    assert es.measure == measure


def test_zero_cells_get_the_correction_only_in_their_study() -> None:
    """The double-zero table gives OR = RR = 1 (yi = 0); a complete table is left alone."""
    es = log_odds_ratio([0, 3], [10, 7], [0, 2], [10, 8])
    assert es.yi[0] == 0.0
    np.testing.assert_allclose(es.vi[0], 2 / 0.5 + 2 / 10.5, rtol=1e-14)
    np.testing.assert_allclose(es.yi[1], np.log(3 * 8 / (7 * 2)), rtol=1e-14)
    np.testing.assert_allclose(es.vi[1], 1 / 3 + 1 / 7 + 1 / 2 + 1 / 8, rtol=1e-14)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: log_odds_ratio([-1], [3], [2], [4]), r"ai\[0\] = -1: expected a count >= 0"),
        (lambda: risk_difference([1], [3], [2], [4], add=-1), "add = -1"),
        (lambda: log_risk_ratio([0], [3], [2], [4], add=0), "ai.0. or ci.0. is 0"),
        (lambda: log_odds_ratio([0], [3], [2], [4], add=0), "study 0 has a zero cell"),
        (lambda: log_odds_ratio([1, 2], [3], [2], [4]), "bi: has 1 values"),
    ],
)
def test_bad_counts_are_refused(call, match: str) -> None:
    with pytest.raises(DataError, match=match):
        call()


@pytest.mark.parametrize("name", ["REML_z", "REML_knha", "FE_z"])
def test_back_transformed_summary_matches_predict_transf_exp(name: str) -> None:
    """exp() of the pooled log OR, its CI and (RE) prediction interval, as predict(transf=exp)."""
    ref = metafor()["cases"]["backtransform_nielweise_OR"][name]
    d = table("nielweise2007")
    es = log_odds_ratio(d.ai, d.n1i - d.ai, d.ci, d.n2i - d.ci)
    method, test = name.split("_")
    res = rma(es, method=method, knha=test == "knha")
    np.testing.assert_allclose(res.tau2, ref["fit"]["tau2"], rtol=1e-8, atol=1e-14)
    bt = res.back_transformed()
    assert bt is not None and bt.transform == "exp"
    p = ref["predict"]
    for key in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        mine = getattr(bt, key)
        if p.get(key) is None:
            assert mine is None, key
        else:
            np.testing.assert_allclose(mine, arr(p[key]), rtol=1e-8, err_msg=key)


def test_no_back_transform_for_differences() -> None:
    """RD, MD, SMD and given effects are summarised on their own scale."""
    es = risk_difference([3, 5, 2], [7, 5, 8], [2, 6, 1], [8, 4, 9])
    assert rma(es).back_transformed() is None
