r"""Pre/post ANCOVA of questionnaire scores in a parallel-group trial.

For each instrument in a bundle's ``visits`` table, the baseline score is the participant's
earliest visit and the post score the latest visit strictly after it; then, by ordinary least
squares,

.. math::

    \mathrm{post}_i = \beta_0 + \beta_1\,\mathrm{baseline}_i + \Delta\,\mathrm{arm}_i
    + \varepsilon_i,\qquad \varepsilon_i \sim N(0, \sigma^2),

and :math:`\hat\Delta` (treatment minus control, adjusted for baseline) is reported with its
t-based confidence interval on :math:`n - 3` df. ANCOVA is the recommended analysis of pre/post
randomised data (Vickers & Altman 2001, BMJ 323:1123). The standardised difference is
:math:`\hat\Delta / s_0`, with :math:`s_0` the pooled within-arm SD of the baseline scores.
The OLS formulas are textbook; the estimates were checked against ``numpy.linalg.lstsq`` and
statsmodels OLS in ``tests/analysis/test_diary_trial.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.errors import DataError

__all__ = ["AncovaResult", "PrePostResult", "ancova", "prepost"]


@dataclass(frozen=True, repr=False)
class AncovaResult:
    """One instrument's ANCOVA: post ~ baseline + arm.

    Attributes
    ----------
    instrument, baseline_visit, post_visit
        What was compared.
    n, n_control, n_treatment
        Participants with both scores.
    estimate, se, df, t, p, ci_low, ci_high
        Baseline-adjusted difference treatment minus control, in score units.
    baseline_coef
        The regression on the baseline score.
    baseline_sd
        Pooled within-arm SD of the baseline scores (the standardiser).
    smd, smd_low, smd_high
        ``estimate / baseline_sd`` and its interval.
    means
        Mean baseline and post score by arm (DataFrame: arm, visit, mean, sd, n).
    """

    instrument: str
    baseline_visit: str
    post_visit: str
    n: int
    n_control: int
    n_treatment: int
    estimate: float
    se: float
    df: int
    t: float
    p: float
    ci_low: float
    ci_high: float
    baseline_coef: float
    baseline_sd: float
    smd: float
    smd_low: float
    smd_high: float
    conf_level: float
    means: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One row: the adjusted difference, its test and interval, and the SMD."""
        keys = ("instrument", "n", "estimate", "se", "df", "t", "p", "ci_low", "ci_high", "smd")
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: getattr(self, k)
            for k in (
                "instrument", "baseline_visit", "post_visit", "n", "n_control", "n_treatment",
                "estimate", "se", "df", "t", "p", "ci_low", "ci_high", "baseline_coef",
                "baseline_sd", "smd", "smd_low", "smd_high", "conf_level",
            )
        }  # fmt: skip
        d["means"] = self.means.to_dict(orient="records")
        return d

    def __repr__(self) -> str:
        return (
            f"AncovaResult({self.instrument}: {self.post_visit} adjusted for {self.baseline_visit},"
            f" difference {self.estimate:.3g} "
            f"({format_ci(self.ci_low, self.ci_high, 3, significant=True)}), "
            f"{format_p(self.p, label='p')}, SMD {self.smd:.3g}; n = {self.n})"
        )


@dataclass(frozen=True, repr=False)
class PrePostResult:
    """ANCOVA of every instrument with baseline and post scores."""

    control: str
    treatment: str
    results: dict[str, AncovaResult]

    def summary(self) -> pd.DataFrame:
        """One row per instrument."""
        if not self.results:
            return pd.DataFrame(columns=["instrument", "n", "estimate", "p"])
        return pd.concat([r.summary() for r in self.results.values()], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "treatment": self.treatment,
            "instruments": {k: v.to_dict() for k, v in self.results.items()},
        }

    def __repr__(self) -> str:
        rows = "; ".join(
            f"{k} {v.estimate:.3g} ({format_p(v.p, label='p')})" for k, v in self.results.items()
        )
        return f"PrePostResult({self.treatment} - {self.control}: {rows or 'no instruments'})"


def ancova(
    baseline: np.ndarray,
    post: np.ndarray,
    treated: np.ndarray,
    *,
    instrument: str = "score",
    baseline_visit: str = "baseline",
    post_visit: str = "post",
    conf_level: float = 0.95,
) -> AncovaResult:
    """OLS ANCOVA ``post ~ baseline + treated`` (see the module docstring).

    Raises
    ------
    DataError
        Inputs of different lengths or non-finite scores, fewer than two participants per arm,
        a constant baseline, or post scores fitted exactly (residual variance 0).
    ParameterError
        ``conf_level`` outside (0, 1).
    """
    check_level(conf_level, "conf_level", "a level", where=f"pre/post {instrument}: ")
    b = np.asarray(baseline, dtype=float)
    y = np.asarray(post, dtype=float)
    g = np.asarray(treated, dtype=bool)
    if not b.shape == y.shape == g.shape or b.ndim != 1:
        raise DataError(
            f"pre/post {instrument}: baseline: {b.size} values, post: {y.size}, treated: "
            f"{g.size}; expected one of each per participant"
        )
    for name, arr in (("baseline", b), ("post", y)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"pre/post {instrument}: {name}[{i}] = {arr[i]}; expected a finite score"
            )
    n1, n0 = int(g.sum()), int((~g).sum())
    if n1 < 2 or n0 < 2:
        raise DataError(
            f"pre/post {instrument}: {n0} control and {n1} treated participants with both a "
            f"{baseline_visit!r} and a {post_visit!r} score; need at least 2 per arm"
        )
    x = np.column_stack([np.ones_like(b), b, g.astype(float)])
    xtx_inv = np.linalg.pinv(x.T @ x)
    coef = xtx_inv @ x.T @ y
    resid = y - x @ coef
    df = len(y) - 3
    if df < 1:
        raise DataError(f"pre/post {instrument}: {len(y)} participants for 3 coefficients")
    rss = float(resid @ resid)
    if rss <= 1e-20 * float(np.sum((y - y.mean()) ** 2)):
        raise DataError(
            f"pre/post {instrument}: the {post_visit!r} scores are fitted exactly by baseline and "
            "arm (residual variance 0), so the difference cannot be tested"
        )
    s2 = rss / df
    se = float(np.sqrt(s2 * xtx_inv[2, 2]))
    est = float(coef[2])
    tval = est / se if se > 0 else float("nan")
    tcrit = float(stats.t.ppf(0.5 + conf_level / 2, df))
    sd0 = float(np.sqrt((np.var(b[g], ddof=1) * (n1 - 1) + np.var(b[~g], ddof=1) * (n0 - 1))
                        / (n1 + n0 - 2)))  # fmt: skip
    if not sd0 > 0:
        raise DataError(f"pre/post {instrument}: baseline scores are constant within arms")
    rows = []
    for arm, mask in (("control", ~g), ("treatment", g)):
        for visit, v in ((baseline_visit, b), (post_visit, y)):
            rows.append(
                {
                    "arm": arm,
                    "visit": visit,
                    "mean": float(v[mask].mean()),
                    "sd": float(v[mask].std(ddof=1)),
                    "n": int(mask.sum()),
                }
            )
    lo, hi = est - tcrit * se, est + tcrit * se
    return AncovaResult(
        instrument=instrument,
        baseline_visit=baseline_visit,
        post_visit=post_visit,
        n=len(y),
        n_control=n0,
        n_treatment=n1,
        estimate=est,
        se=se,
        df=df,
        t=tval,
        p=float(2 * stats.t.sf(abs(tval), df)),
        ci_low=lo,
        ci_high=hi,
        baseline_coef=float(coef[1]),
        baseline_sd=sd0,
        smd=est / sd0,
        smd_low=lo / sd0,
        smd_high=hi / sd0,
        conf_level=conf_level,
        means=pd.DataFrame(rows),
    )


def prepost(
    visits: pd.DataFrame,
    arms: pd.Series,
    *,
    control: str,
    treatment: str,
    conf_level: float = 0.95,
) -> PrePostResult:
    """ANCOVA for every instrument in ``visits`` that has a baseline and a later visit.

    Parameters
    ----------
    visits
        A bundle's ``visits`` table (participant, visit, day, instrument, score).
    arms
        Arm label per participant (index: participant id).
    control, treatment
        The two arm labels compared (treatment minus control).

    Returns
    -------
    PrePostResult
        Instruments measured only once are skipped.
    """
    out: dict[str, AncovaResult] = {}
    v = visits[visits["participant"].isin(arms.index)].dropna(subset=["score"])
    for inst, d in v.groupby("instrument", sort=True):
        days = d.groupby("visit")["day"].median().sort_values()
        if len(days) < 2:
            continue
        first, last = str(days.index[0]), str(days.index[-1])
        wide = d.pivot_table(index="participant", columns="visit", values="score", aggfunc="mean")
        wide = wide[[first, last]].dropna()
        arm = arms.reindex(wide.index)
        keep = arm.isin([control, treatment]).to_numpy()
        wide, arm = wide[keep], arm[keep]
        out[str(inst)] = ancova(
            wide[first].to_numpy(),
            wide[last].to_numpy(),
            (arm == treatment).to_numpy(),
            instrument=str(inst),
            baseline_visit=first,
            post_visit=last,
            conf_level=conf_level,
        )
    return PrePostResult(control=control, treatment=treatment, results=out)
