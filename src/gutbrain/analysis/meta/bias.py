r"""Tests for funnel-plot asymmetry (small-study effects): Egger's regression test and
Begg and Mazumdar's rank-correlation test.

metafor's ``regtest()`` default (``model="rma"``, ``predictor="sei"``): the fitted model is
refitted with the standard error as an added moderator,

.. math:: y_i = \beta_0 + \beta_1\,\sqrt{v_i} + x_i^\top\gamma + u_i + e_i,

with the same :math:`\tau^2` estimator and test as the original model (Egger et al. 1997, BMJ
315:629; Sterne & Egger 2005). The test of :math:`\beta_1 = 0` (z, or t with k - p - 1 df under
Knapp-Hartung) is the asymmetry test; for a model without moderators, :math:`\hat\beta_0` is the
"limit estimate" as the standard error goes to 0, with its confidence interval.

The rank-correlation test (Begg & Mazumdar 1994, Biometrics 50:1088), metafor's ``ranktest``,
is Kendall's tau between the standardised deviates
:math:`(y_i - \hat\theta)/\sqrt{v_i - v_\theta}` (:math:`\hat\theta` the fixed-effect estimate,
:math:`v_\theta = 1/\sum_i v_i^{-1}` its variance) and the variances :math:`v_i`, with R's
``cor.test(method="kendall", exact=TRUE)`` p-value: exact when there are no ties (for any k),
otherwise the normal approximation with the variance corrected for ties.

Validated against metafor 3.8-1 ``regtest(res)`` on dat.bcg (FE, DL, REML, PM, with and without
Knapp-Hartung), dat.normand1999 and dat.molloy2014, and ``ranktest(res)`` on dat.bcg,
dat.hackshaw1998, dat.molloy2014 (ties: normal approximation), dat.normand1999 and
dat.curtis1998 (k = 102); see ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from gutbrain.analysis.format import format_ci, format_p
from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.errors import DataError

__all__ = ["EggerTest", "RankTest", "ranktest", "regtest"]


@dataclass(frozen=True, repr=False)
class EggerTest:
    """Result of :func:`regtest`.

    ``stat`` is a z statistic, or a t statistic with ``df`` degrees of freedom under
    Knapp-Hartung. ``limit_estimate`` (and its CI) is None for models with moderators.
    """

    stat: float
    pval: float
    df: int | None
    limit_estimate: float | None
    limit_ci_lb: float | None
    limit_ci_ub: float | None
    fit: MetaResult

    def summary(self) -> pd.DataFrame:
        """One row: stat, df, pval, limit estimate and its CI."""
        return pd.DataFrame(
            [
                {
                    "stat": self.stat,
                    "df": self.df,
                    "pval": self.pval,
                    "limit_estimate": self.limit_estimate,
                    "limit_ci_lb": self.limit_ci_lb,
                    "limit_ci_ub": self.limit_ci_ub,
                }
            ],
            index=["Egger (sei)"],
        )

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        return {
            "test": "Egger regression test, predictor = sei, model = rma",
            "stat_dist": "z" if self.df is None else "t",
            "stat": self.stat,
            "df": self.df,
            "pval": self.pval,
            "limit_estimate": self.limit_estimate,
            "limit_ci_lb": self.limit_ci_lb,
            "limit_ci_ub": self.limit_ci_ub,
        }

    def __repr__(self) -> str:
        kind = "mixed-effects meta-regression model" if self.fit.random else "weighted regression"
        stat = f"z = {self.stat:.4f}" if self.df is None else f"t = {self.stat:.4f}, df = {self.df}"
        lines = [
            "Regression Test for Funnel Plot Asymmetry",
            "",
            f"Model:     {kind}",
            "Predictor: standard error",
            "",
            f"Test for Funnel Plot Asymmetry: {stat}, "
            + format_p(self.pval, label="p", style="metafor"),
        ]
        if self.limit_estimate is not None:
            lines.append(
                f"Limit Estimate (as sei -> 0):   b = {self.limit_estimate:.4f} "
                f"(CI: {format_ci(self.limit_ci_lb, self.limit_ci_ub, 4, style='comma')})"
            )
        return "\n".join(lines)


def regtest(res: MetaResult) -> EggerTest:
    """Egger's regression test on a fitted model (metafor ``regtest(res)`` defaults).

    Raises
    ------
    DataError
        Too few studies to add the standard error as a moderator (needs k > p + 1 for random
        effects and Knapp-Hartung; k >= p + 1 otherwise), or the standard errors are all equal.
    """
    k, p = res.X.shape
    need = p + 2 if (res.random or res.knha) else p + 1
    if k < need:
        raise DataError(f"Egger's test on this model needs at least {need} studies; got k = {k}")
    if np.ptp(res.sei) == 0.0:
        raise DataError(
            "Egger's test: all studies have the same standard error, so it is undefined"
        )
    mods = pd.DataFrame(res.X[:, 1:], columns=list(res.coef_names[1:]))
    mods["sei"] = res.sei
    fit = rma(
        res.yi,
        res.vi,
        mods=mods,
        method=res.method,
        knha=res.knha,
        level=res.level,
        labels=list(res.labels),
    )
    j = p  # the sei coefficient comes after the original ones
    lim = lo = hi = None
    if p == 1:
        lim, lo, hi = float(fit.beta[0]), float(fit.ci_lb[0]), float(fit.ci_ub[0])
    return EggerTest(
        stat=float(fit.stat[j]),
        pval=float(fit.pval[j]),
        df=fit.df,
        limit_estimate=lim,
        limit_ci_lb=lo,
        limit_ci_ub=hi,
        fit=fit,
    )


@dataclass(frozen=True, repr=False)
class RankTest:
    """Result of :func:`ranktest`: Kendall's tau and its two-sided p-value."""

    tau: float
    pval: float
    exact: bool

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        return {
            "test": "rank correlation test (Begg and Mazumdar), Kendall's tau",
            "tau": self.tau,
            "pval": self.pval,
            "exact": self.exact,
        }

    def __repr__(self) -> str:
        return "\n".join(
            [
                "Rank Correlation Test for Funnel Plot Asymmetry",
                "",
                f"Kendall's tau = {self.tau:.4f}, "
                + format_p(self.pval, label="p", style="metafor"),
            ]
        )


def ranktest(res: MetaResult) -> RankTest:
    """Begg and Mazumdar's rank-correlation test on a fitted model (metafor ``ranktest(res)``).

    Uses only the model's effects and variances (the fixed-effect weights), as metafor does.

    Raises
    ------
    DataError
        Fewer than 3 studies, or Kendall's tau is undefined (all effects or all variances equal).
    """
    if res.k < 3:
        raise DataError(f"the rank correlation test needs at least 3 studies; got k = {res.k}")
    wi = 1.0 / res.vi
    theta = float(np.sum(wi * res.yi) / np.sum(wi))
    vstar = res.vi - 1.0 / np.sum(wi)
    ystar = (res.yi - theta) / np.sqrt(vstar)
    ties = np.unique(ystar).size < res.k or np.unique(res.vi).size < res.k
    exact = not ties  # metafor calls cor.test(..., exact=TRUE): exact for any k without ties
    tau, pval = kendalltau(ystar, res.vi, method="exact" if exact else "asymptotic")
    if not np.isfinite(tau):
        raise DataError(
            "the rank correlation test is undefined: all standardised effects or all sampling "
            "variances are equal"
        )
    return RankTest(tau=float(tau), pval=float(pval), exact=exact)
