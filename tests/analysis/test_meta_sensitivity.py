"""Trim-and-fill, the rank-correlation test, leave-one-out and influence, against metafor 3.8-1.

Reference: ``tests/reference/meta_metafor.json`` (cases ``trimfill``, ``ranktest``,
``influence``), written by ``Rscript tests/reference/meta_metafor.R``. The R calls::

    res <- rma(yi, vi, data=D, method=M, control=list(threshold=1e-12, tol=1e-12))
    trimfill(res, estimator=E, side=S, control=...)
        # D: bcg, hackshaw1998, molloy2014; M: REML, FE, DL; E: L0, R0; S: auto, left, right
    ranktest(rma(yi, vi, data=D, method="FE"))
        # D: bcg, hackshaw1998, molloy2014, normand1999, curtis1998
    leave1out(res); influence(res)
        # bcg REML/ML/FE/DL+knha, molloy PM, bcg REML ~ablat, molloy REML ~meanage+quality knha
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
from _meta_reference import arr, bcg, effects_for, metafor, molloy, table

from gutbrain.analysis.meta import (
    EffectSizes,
    influence,
    leave1out,
    log_risk_ratio,
    ranktest,
    rma,
    trimfill,
)
from gutbrain.errors import DataError, ParameterError

RTOL = 1e-8


def _cases(section: str) -> dict:
    return metafor()["cases"][section]


def _effects(data: str) -> EffectSizes:
    if data in ("bcg", "molloy", "normand"):
        return effects_for(data)
    d = table({"hackshaw": "hackshaw1998", "curtis": "curtis1998"}[data])
    return EffectSizes(yi=d.yi.to_numpy(), vi=d.vi.to_numpy())


@pytest.mark.parametrize("name", list(_cases("trimfill")))
def test_trimfill_matches_metafor(name: str) -> None:
    """k0, its SE, the side, the filled effects and the refitted model equal metafor's."""
    ref = _cases("trimfill")[name]
    data, method, estimator, side = name.split("_")
    tf = trimfill(rma(_effects(data), method=method), estimator=estimator, side=side)
    assert (tf.k0, tf.side, list(tf.filled)) == (ref["k0"], ref["side"], ref["fill"])
    if ref["se_k0"] is None:
        assert tf.se_k0 is None
    else:
        np.testing.assert_allclose(tf.se_k0, ref["se_k0"], rtol=1e-12)
    assert (tf.p_k0 is None) == (ref["p_k0"] is None)
    if tf.p_k0 is not None:
        np.testing.assert_allclose(tf.p_k0, ref["p_k0"], rtol=1e-12)
    np.testing.assert_allclose(tf.fit.yi, arr(ref["yi"]), rtol=1e-12)
    np.testing.assert_allclose(tf.fit.vi, arr(ref["vi"]), rtol=1e-12)
    fit = ref["fit"]
    for ours, key in [(tf.fit.beta, "beta"), (tf.fit.se, "se"), (tf.fit.ci_lb, "ci_lb"),
                      (tf.fit.pval, "pval"), (tf.fit.tau2, "tau2"), (tf.fit.QE, "QE")]:  # fmt: skip
        np.testing.assert_allclose(ours, arr(fit[key]), rtol=RTOL, atol=1e-15, err_msg=key)


def test_trimfill_repr_prints_metafors_numbers() -> None:
    """R: ``print(trimfill(rma(yi, vi, data=dat.bcg escalc RR, method="REML")))``."""
    number = re.compile(r"-?\d+\.\d+|<\.\d+")
    theirs = number.findall("\n".join(metafor()["printed"]["bcg_REML_trimfill"]))
    ours = number.findall(repr(trimfill(rma(effects_for("bcg")))))
    assert len(theirs) >= 10
    assert [t for t in theirs if t not in ours] == []


def test_trimfill_keeps_the_measure_and_refuses_bad_use() -> None:
    d = bcg()
    tf = trimfill(rma(log_risk_ratio(d.tpos, d.tneg, d.cpos, d.cneg)), side="right")
    assert tf.fit.measure == "RR" and tf.fit.back_transformed() is not None
    assert tf.fit.labels[-1] == "Filled 1"
    assert tf.to_dict()["studies"][-1]["filled"] is True
    with pytest.raises(ParameterError, match="moderators"):
        trimfill(rma(effects_for("bcg"), mods=d.ablat))
    with pytest.raises(ParameterError, match="estimator = 'Q0'"):
        trimfill(rma(effects_for("bcg")), estimator="Q0")
    with pytest.raises(DataError, match="at least 3 studies"):
        trimfill(rma([0.1, 0.3], [0.1, 0.2]))


def _exact_kendall_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided exact p of Kendall's tau without ties, from the Mahonian numbers (exact
    integers): the number of permutations of n items with q inversions."""
    n = x.size
    yy = y[np.argsort(x)]
    disc = sum(int(np.sum(yy[i] > yy[i + 1 :])) for i in range(n))
    counts = [1]
    for m in range(2, n + 1):
        prefix = np.concatenate([[0], np.cumsum(np.array(counts, dtype=object))])
        size = len(counts) + m - 1
        counts = [prefix[min(q, len(counts) - 1) + 1] - prefix[max(0, q - m + 1)]
                  for q in range(size)]  # fmt: skip
    q = min(disc, n * (n - 1) // 2 - disc)
    return float(min(Fraction(1), Fraction(2 * sum(counts[: q + 1]), sum(counts))))


@pytest.mark.parametrize("data", list(_cases("ranktest")))
def test_ranktest_matches_metafor(data: str) -> None:
    """Kendall's tau to 1e-12 and p to 1e-8 (1e-6 for dat.curtis1998, where R's own exact
    p is off: see the next test)."""
    ref = _cases("ranktest")[data]
    rt = ranktest(rma(_effects(data), method="FE"))
    np.testing.assert_allclose(rt.tau, ref["tau"], rtol=1e-12)
    np.testing.assert_allclose(rt.pval, ref["pval"], rtol=1e-6 if data == "curtis" else RTOL)


def test_ranktest_exact_p_is_exact_where_r_drifts() -> None:
    """For k = 102 (dat.curtis1998) R's exact p differs from the exact value by 2.5e-7
    relative; ours equals the exact rational value (Mahonian numbers) to 1e-12."""
    es = _effects("curtis")
    rt = ranktest(rma(es, method="FE"))
    assert rt.exact
    w = 1 / es.vi
    ystar = (es.yi - np.sum(w * es.yi) / np.sum(w)) / np.sqrt(es.vi - 1 / np.sum(w))
    exact = _exact_kendall_p(es.vi, ystar)
    np.testing.assert_allclose(rt.pval, exact, rtol=1e-12)
    assert abs(_cases("ranktest")["curtis"]["pval"] / exact - 1) > 1e-8


def test_ranktest_repr_prints_metafors_numbers() -> None:
    theirs = "\n".join(metafor()["printed"]["bcg_ranktest"])
    rt = ranktest(rma(effects_for("bcg")))
    assert "Kendall's tau = 0.0256, p = 0.9524" in theirs
    assert "Kendall's tau = 0.0256, p = 0.9524" in repr(rt)


INFLUENCE = {
    "bcg_REML": ("bcg", None, "REML", False),
    "bcg_DL_knha": ("bcg", None, "DL", True),
    "bcg_FE": ("bcg", None, "FE", False),
    "bcg_ML": ("bcg", None, "ML", False),
    "molloy_PM": ("molloy", None, "PM", False),
    "bcg_REML_ablat": ("bcg", ["ablat"], "REML", False),
    "molloy_REML_meanage_quality_knha": ("molloy", ["meanage", "quality"], "REML", True),
}


@pytest.mark.parametrize("name", list(INFLUENCE))
def test_influence_and_leave1out_match_metafor(name: str) -> None:
    """Every column of influence() and leave1out() equals metafor's to rtol 1e-8."""
    data, mods, method, knha = INFLUENCE[name]
    frame = bcg() if data == "bcg" else molloy()
    res = rma(effects_for(data), mods=None if mods is None else frame[mods], method=method,
              knha=knha)  # fmt: skip
    ref = _cases("influence")[name]
    inf = influence(res)
    r = ref["influence"]
    for col in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        np.testing.assert_allclose(
            inf.table[col], arr(r[col]), rtol=RTOL, atol=1e-14, err_msg=f"{name} {col}"
        )
    assert list(inf.table["influential"]) == r["inf"]
    assert list(inf.dfbetas.columns) == list(res.coef_names)
    for j, values in enumerate(r["dfbetas"].values()):
        np.testing.assert_allclose(inf.dfbetas.iloc[:, j], arr(values), rtol=RTOL, atol=1e-14)
    if "leave1out" in ref:
        l1o = leave1out(res).table
        for col, values in ref["leave1out"].items():
            if values is not None:
                np.testing.assert_allclose(
                    l1o[col], arr(values), rtol=RTOL, atol=1e-14, err_msg=f"{name} {col}"
                )


def test_influence_flags_a_known_outlier_and_serialises() -> None:
    """dat.bcg REML: metafor flags no trial; an added extreme trial is flagged."""
    es = effects_for("bcg")
    assert not influence(rma(es)).table["influential"].any()
    yi = np.append(es.yi, 4.0)
    vi = np.append(es.vi, 0.01)
    table = influence(rma(yi, vi)).table
    assert table["influential"].iloc[-1]
    rec = influence(rma(es)).to_dict()["studies"][0]
    assert {"study", "rstudent", "cook_d", "dfbetas_intrcpt", "influential"} <= set(rec)


def test_leave1out_refuses_moderators_and_marks_failed_refits() -> None:
    with pytest.raises(ParameterError, match="moderators"):
        leave1out(rma(effects_for("bcg"), mods=bcg().ablat))
    # With 2 studies, a random-effects refit on 1 study is refused: NaN (metafor would fall
    # back to a fixed-effect fit of the single study; see docs/analysis.md).
    l1o = leave1out(rma([0.1, 0.5], [0.1, 0.2], method="DL")).table
    assert l1o["estimate"].isna().all()


def test_trimfill_is_mirror_symmetric_and_explains_an_undecidable_side() -> None:
    """Negating the effects swaps the side and mirrors the filled studies, k0 unchanged."""
    es = _effects("hackshaw")
    left = trimfill(rma(es), side="left")
    right = trimfill(rma(-es.yi, es.vi), side="right")
    assert left.k0 == right.k0 == 7
    np.testing.assert_allclose(right.fit.yi, -left.fit.yi, rtol=1e-12)
    np.testing.assert_allclose(right.fit.beta, -left.fit.beta, rtol=1e-10)
    with pytest.raises(DataError, match="give side='left' or 'right'"):
        trimfill(rma([0.1, 0.5, 0.3, 0.9], [0.01] * 4))
