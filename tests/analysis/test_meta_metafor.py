"""gutbrain.analysis.meta against metafor 3.8-1, on metafor's own example data.

Source of every reference number: ``tests/reference/meta_metafor.json``, written by
``Rscript tests/reference/meta_metafor.R`` (metafor 3.8-1, R 4.2.2). The R calls, per case::

    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=dat, method=M)                  # M in FE, DL, REML, PM
    res <- rma(yi, vi, data=dat, method=M, test="knha")     # M in DL, REML, PM
    res <- rma(yi, vi, mods=~ablat, data=dat, method=M)     # M in REML (also knha), DL, PM, FE
    res <- rma(yi, vi, mods=~ablat+year, data=dat, method="REML")
    res <- rma(yi, vi, mods=~factor(alloc), data=dat, method="REML")
    confint(res); predict(res); predict(res, newmods=c(10, 30, 50)); regtest(res)
    dat <- escalc(measure="SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999)  # and "MD"
    dat <- escalc(measure="ZCOR", ri=ri, ni=ni, data=dat.molloy2014)
    res <- rma(yi, vi, mods=~meanage+quality, data=dat, method="REML")
    # and, for M in ML, HE, SJ, EB: the same data without and with moderators (and knha)

Each model was fitted twice in R: with metafor's defaults and with
``control=list(threshold=1e-12, tol=1e-12)`` (and ``confint(res, control=list(tol=1e-12))``).
metafor's defaults stop Fisher scoring at a change of 1e-5 in tau^2 and root-finding at
eps^0.25 ~ 1.2e-4, so its default output is itself only accurate to 3-5 significant digits
(e.g. the Q-profile lower bound for dat.molloy2014 moves by 0.3%). gutbrain iterates to machine
precision, so the main tests compare against the tight fits at rtol = 1e-8; a second test checks
that every remaining gap to metafor's default output is no larger than metafor's own gap between
its default and its tight fit.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from _meta_reference import arr, bcg, call, case, effects_for, metafor, molloy

from gutbrain.analysis.meta import MetaResult, regtest, rma, subgroup_analysis

RTOL = 1e-8  # against metafor run to convergence (threshold = tol = 1e-12)

# name -> (moderator columns, method, knha, newmods for predict)
CASES: dict[str, tuple[list[str] | None, str, bool, list[float] | None]] = {
    "bcg_FE": (None, "FE", False, None),
    "bcg_DL": (None, "DL", False, None),
    "bcg_REML": (None, "REML", False, None),
    "bcg_PM": (None, "PM", False, None),
    "bcg_DL_knha": (None, "DL", True, None),
    "bcg_REML_knha": (None, "REML", True, None),
    "bcg_PM_knha": (None, "PM", True, None),
    "bcg_REML_ablat": (["ablat"], "REML", False, [10.0, 30.0, 50.0]),
    "bcg_REML_ablat_knha": (["ablat"], "REML", True, [10.0, 30.0, 50.0]),
    "bcg_DL_ablat": (["ablat"], "DL", False, None),
    "bcg_PM_ablat": (["ablat"], "PM", False, None),
    "bcg_FE_ablat": (["ablat"], "FE", False, None),
    "bcg_REML_ablat_year": (["ablat", "year"], "REML", False, None),
    "bcg_REML_alloc": (["alloc"], "REML", False, None),
    "normand_smd_FE": (None, "FE", False, None),
    "normand_smd_DL": (None, "DL", False, None),
    "normand_smd_REML": (None, "REML", False, None),
    "normand_smd_PM": (None, "PM", False, None),
    "normand_smd_REML_knha": (None, "REML", True, None),
    "normand_md_REML": (None, "REML", False, None),
    "molloy_DL": (None, "DL", False, None),
    "molloy_REML": (None, "REML", False, None),
    "molloy_PM": (None, "PM", False, None),
    "molloy_REML_knha": (None, "REML", True, None),
    "molloy_REML_meanage_quality": (["meanage", "quality"], "REML", False, None),
}
# Issue 23: the estimators ML, HE, SJ and EB on the same data, with and without moderators.
for _m in ("ML", "HE", "SJ", "EB"):
    CASES.update(
        {
            f"bcg_{_m}": (None, _m, False, None),
            f"bcg_{_m}_knha": (None, _m, True, None),
            f"bcg_{_m}_ablat": (["ablat"], _m, False, [10.0, 30.0, 50.0]),
            f"normand_smd_{_m}": (None, _m, False, None),
            f"molloy_{_m}": (None, _m, False, None),
            f"molloy_{_m}_meanage_quality": (["meanage", "quality"], _m, False, None),
        }
    )


def fit_case(name: str) -> MetaResult:
    mods, method, knha, _ = CASES[name]
    data = molloy() if name.startswith("molloy") else bcg()
    return rma(
        effects_for(name), mods=None if mods is None else data[mods], method=method, knha=knha
    )


def collect(name: str, res: MetaResult) -> dict[str, object]:
    """Our numbers under the reference file's names, for every section the case has."""
    fs = res.fit_stats
    out: dict[str, object] = {
        "fit": {
            "beta": res.beta,
            "se": res.se,
            "zval": res.stat,
            "pval": res.pval,
            "ci_lb": res.ci_lb,
            "ci_ub": res.ci_ub,
            "tau2": res.tau2,
            "se_tau2": res.se_tau2,
            "I2": res.I2,
            "H2": res.H2,
            "vt": res.vt,
            "R2": res.R2,
            "QE": res.QE,
            "QEp": res.QE_p,
            "QM": res.QM,
            "QMp": res.QM_p,
            "QMdf": [res.QM_df[0], res.QM_df[1]],
            "ddf": res.df,
            "k": res.k,
            "p": res.p,
            "weights": res.weights,
            f"fit_{fs.kind}": {
                "ll": fs.loglik,
                "dev": fs.deviance,
                "AIC": fs.AIC,
                "BIC": fs.BIC,
                "AICc": fs.AICc,
            },
        }
    }
    ref = case(name)
    if "confint" in ref:
        ci = res.confint()
        out["confint"] = {"tau2": ci.tau2, "tau": ci.tau, "I2": ci.I2, "H2": ci.H2}
    if "predict" in ref:
        pr = res.predict(CASES[name][3])
        out["predict"] = {
            "pred": pr.pred,
            "se": pr.se,
            "ci_lb": pr.ci_lb,
            "ci_ub": pr.ci_ub,
            "pi_lb": pr.pi_lb,
            "pi_ub": pr.pi_ub,
        }
    if "regtest" in ref:
        eg = regtest(res)
        out["regtest"] = {
            "zval": eg.stat,
            "pval": eg.pval,
            "ddf": eg.df,
            "est": eg.limit_estimate,
            "ci_lb": eg.limit_ci_lb,
            "ci_ub": eg.limit_ci_ub,
        }
    return out


def pairs(ours: dict, ref: dict, prefix: str = ""):
    """(label, ours, reference) for every number present in both; None matches null."""
    for key, theirs in ref.items():
        if key not in ours or key == "coef_names":
            continue
        mine = ours[key]
        if isinstance(theirs, dict):
            yield from pairs(mine, theirs, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", mine, theirs


def _null_in_both(mine: object, theirs: object) -> bool:
    t = arr(theirs)
    m = arr([np.nan] if mine is None else mine)
    return bool(np.all(np.isnan(t)) and np.all(np.isnan(m)))


@pytest.mark.parametrize("name", list(CASES))
def test_matches_metafor_converged(name: str) -> None:
    """Every number of fit, confint, predict and regtest equals metafor's to rtol 1e-8.

    R: see the module docstring; e.g. for ``bcg_REML``:
    ``res <- rma(yi, vi, data=dat, method="REML", control=list(threshold=1e-12, tol=1e-12));
    confint(res, control=list(tol=1e-12)); predict(res); regtest(res)``.
    """
    res = fit_case(name)
    checked = 0
    for label, mine, theirs in pairs(collect(name, res), case(name)):
        if _null_in_both(mine, theirs):
            checked += 1
            continue
        np.testing.assert_allclose(
            arr(mine), arr(theirs), rtol=RTOL, atol=0, err_msg=f"{name}: {label} ({call(name)})"
        )
        checked += 1
    assert checked >= 25, f"{name}: only {checked} numbers compared"
    assert list(res.coef_names[:1]) == ["intrcpt"]


@pytest.mark.parametrize("name", list(CASES))
def test_gap_to_metafor_defaults_is_metafors_own_tolerance(name: str) -> None:
    """|gutbrain - metafor(default)| <= 1.5 |metafor(tight) - metafor(default)| + 1e-9 |x|.

    R: the same calls as in the module docstring with metafor's default ``control``. Any
    difference from metafor's default output is therefore metafor's stopping tolerance, not a
    difference in the statistics.
    """
    ours = collect(name, fit_case(name))
    tight = {label: theirs for label, _, theirs in pairs(ours, case(name, "tight"))}
    for label, mine, default in pairs(ours, case(name, "default")):
        if _null_in_both(mine, default):
            continue
        m, d, t = arr(mine), arr(default), arr(tight[label])
        assert np.array_equal(np.isnan(m), np.isnan(d)), f"{name}: {label}: {m} vs {d}"
        ok = ~np.isnan(d)
        bound = 1.5 * np.abs(t[ok] - d[ok]) + 1e-9 * np.abs(d[ok])
        gap = np.abs(m[ok] - d[ok])
        assert np.all(gap <= bound), f"{name}: {label}: ours {m}, default {d}, tight {t}"


@pytest.mark.parametrize("method", ["REML", "DL"])
@pytest.mark.parametrize("knha", [False, True])
def test_subgroups_by_alloc_match_metafor(method: str, knha: bool) -> None:
    """Per-subgroup estimates and the test of subgroup differences (separate tau^2).

    R::

        for (g in c("alternate", "random", "systematic"))
          rma(yi, vi, data=dat, subset=alloc==g, method=M, test=T)
        rma(estimates, sei=ses, mods=~levels, method="FE")   # QM, QMp
    """
    name = f"bcg_subgroup_alloc_{method}{'_knha' if knha else ''}"
    ref = case(name)
    d = bcg()
    sg = subgroup_analysis(
        effects_for("bcg"), None, d.alloc, method=method, knha=knha, variable="alloc"
    )
    assert list(sg.levels) == ref["levels"]
    np.testing.assert_allclose(sg.QM, ref["QM"], rtol=RTOL)
    np.testing.assert_allclose(sg.QM_p, ref["QMp"], rtol=RTOL)
    assert sg.QM_df == ref["QMdf"][0]
    for g in sg.levels:
        m, r = sg.models[g], ref["groups"][g]
        for ours, key in [
            (m.beta, "beta"),
            (m.se, "se"),
            (m.pval, "pval"),
            (m.ci_lb, "ci_lb"),
            (m.ci_ub, "ci_ub"),
            (m.tau2, "tau2"),
            (m.I2, "I2"),
            (m.QE, "QE"),
        ]:
            np.testing.assert_allclose(
                arr(ours), arr(r[key]), rtol=RTOL, atol=0, err_msg=f"{name} {g} {key}"
            )


def test_pooled_tau2_subgroup_test_is_the_factor_meta_regression() -> None:
    """The pooled-tau^2 test equals ``rma(yi, vi, mods=~factor(alloc), data=dat)``'s QM."""
    sg = subgroup_analysis(effects_for("bcg"), None, bcg().alloc, method="REML")
    ref = case("bcg_REML_alloc")["fit"]
    np.testing.assert_allclose(sg.pooled.QM, ref["QM"], rtol=RTOL)
    np.testing.assert_allclose(sg.pooled.QM_p, ref["QMp"], rtol=RTOL)
    np.testing.assert_allclose(sg.pooled.tau2, ref["tau2"], rtol=RTOL)


_NUMBER = re.compile(r"-?\d+\.\d+|<\.\d+")


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("bcg_REML", "bcg_REML"),
        ("bcg_FE", "bcg_FE"),
        ("bcg_DL_knha", "bcg_DL_knha"),
        ("bcg_REML_ablat_year_tight", "bcg_REML_ablat_year"),
    ],
)
def test_repr_prints_metafors_numbers(printed: str, name: str) -> None:
    """Every number metafor prints appears, identically formatted, in our ``repr``.

    R: ``capture.output(print(rma(yi, vi, data=dat, method="REML")))`` and likewise (the
    ablat + year model printed from the converged fit).
    """
    theirs = _NUMBER.findall("\n".join(metafor()["printed"][printed]))
    ours = _NUMBER.findall(repr(fit_case(name)))
    missing = [t for t in theirs if t not in ours]
    assert len(theirs) >= 9
    assert not missing, f"not in our print: {missing}\n{fit_case(name)!r}"


def test_regtest_repr_prints_metafors_numbers() -> None:
    """R: ``print(regtest(rma(yi, vi, data=dat, method="REML")))``."""
    theirs = _NUMBER.findall("\n".join(metafor()["printed"]["bcg_REML_regtest"]))
    ours = _NUMBER.findall(repr(regtest(fit_case("bcg_REML"))))
    assert sorted(theirs) == sorted(ours)


def test_reference_file_provenance() -> None:
    """The reference file names its generator and the metafor version the docstrings cite."""
    ref = metafor()
    assert ref["metafor_version"] == "3.8.1"
    assert ref["generator"] == "tests/reference/meta_metafor.R"
    assert set(CASES) <= set(ref["cases"])


def test_categorical_moderator_coding_matches_factor() -> None:
    """Dummy columns against the first sorted level, like R's factor(alloc)."""
    res = fit_case("bcg_REML_alloc")
    assert res.coef_names == ("intrcpt", "alloc[random]", "alloc[systematic]")
    assert case("bcg_REML_alloc")["fit"]["coef_names"] == [
        "intrcpt",
        "factor(alloc)random",
        "factor(alloc)systematic",
    ]
    assert isinstance(res.summary(), pd.DataFrame)
