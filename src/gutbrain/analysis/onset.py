r"""When an arm difference in a daily diary begins: a posterior over the onset day.

:func:`estimate_onset` dates the start of a treatment effect in a parallel-group diary (one row
per participant and day, ``trt`` 0/1, day >= 0). Two steps:

1. **Is there an arm effect at all?** The likelihood-ratio test of ``y ~ week`` against
   ``y ~ trt * week`` (week a factor, days 0-6 are week 1; ML fits with a random intercept per
   participant, optionally a random slope in day, and CAR(1) residuals in day:
   :func:`gutbrain.analysis.lmm.lmm`). If it does not reject at ``alpha``, no onset is placed.
2. **When does it begin?** The change-point model ``y ~ trt + s(day) + trt:g_tau(day)``
   (``s`` the piecewise-linear time trend with knots every 7 days; ``g_tau`` a step
   ``1[day >= tau]`` or a ramp ``(day - tau)_+``) for every candidate day tau = 1 .. last - 2,
   with the covariance parameters (random-effect covariance, residual SD and phi) held at their
   ML estimates in the ``y ~ trt * week`` model. With a flat prior on the fixed effects and
   ``p(sigma^2) ~ 1 / sigma^2``, the marginal likelihood of change point tau is

   .. math:: m(\tau) \propto |X_\tau' R^{-1} X_\tau|^{-1/2}\,\mathrm{RSS}_\tau^{-(n - p)/2}

   (integrate the fixed effects, then sigma^2, out of the normal likelihood; the posterior over
   change points from normalised marginal likelihoods is Smith 1975, Biometrika 62:407: see
   docs/analysis.md), with ``R`` the fixed correlation matrix and ``RSS_tau`` the generalised
   residual sum of squares. Every tau (and both shapes) has the same number of fixed effects,
   so the flat-prior constants cancel. With a uniform prior over the candidate days (and, for
   ``shape="auto"``, equal prior weight on step and ramp), the posterior of the onset day is
   ``m(tau)`` normalised. The estimate is its mode and the interval the equal-tailed credible
   interval (the days where the posterior CDF passes ``(1 - level) / 2`` and
   ``(1 + level) / 2``).

The profile-likelihood interval this replaces (``{tau : 2 (l_max - l(tau)) < chi2(1)}``) treats
the change point as a regular parameter; it is not, and the interval was often one day wide and
missed the truth. ``benchmarks/onset_coverage.py`` measures the posterior interval's coverage
on simulated diaries with a known onset (docs/analysis.md gives the figures).

The data cannot place the onset when the arm-effect test does not reject, or when the interval
spans every candidate day; then ``day``, ``ci_low`` and ``ci_high`` are None and ``note`` says
why. Each call costs two ML fits plus one batched solve per participant (no refit per day), so
power analyses can call it once per simulated trial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis.format import format_p
from gutbrain.analysis.lmm import LMMResult, lmm, lrt
from gutbrain.errors import ParameterError

__all__ = ["KNOT_SPACING", "SHAPES", "Onset", "estimate_onset", "spline_basis"]

KNOT_SPACING = 7
SHAPES = ("step", "ramp", "auto")


@dataclass(frozen=True, repr=False)
class Onset:
    """When the arm difference begins (see the module docstring for the method).

    Attributes
    ----------
    day, ci_low, ci_high
        The posterior mode of the onset day and the equal-tailed ``conf_level`` credible
        interval; None when the data cannot place an onset (``note`` says why).
    shape
        ``"step"`` (the difference jumps at ``day``) or ``"ramp"`` (it grows linearly from
        ``day``), as asked (``"auto"``: the shape with the larger posterior probability).
    change, change_ci_low, change_ci_high
        Step: the difference after the onset; ramp: its change per day after the onset; at the
        onset day, with the covariance parameters fixed (t interval, n - p df).
    detection_day
        First day on which the smooth curve's pointwise interval excludes zero (None if never or
        not computed); pointwise, so descriptive only.
    effect_test
        LRT of any arm effect (``y ~ week`` against ``y ~ trt * week``, ML): statistic, df, p.
    profile
        DataFrame: tau, per shape the log marginal likelihood (``log_evidence_<shape>``) and
        posterior probability (``posterior_<shape>``), and the onset day's posterior
        (``posterior``, summed over shapes).
    note
        Empty when an onset is placed; otherwise why not.
    """

    outcome: str
    day: int | None
    ci_low: int | None
    ci_high: int | None
    shape: str | None
    change: float | None
    change_ci_low: float | None
    change_ci_high: float | None
    detection_day: int | None
    effect_test: dict[str, float]
    profile: pd.DataFrame
    conf_level: float
    note: str = ""
    method: str = (
        "posterior over the onset day: y ~ trt + s(day) + trt:1[day >= tau] (step) or "
        "trt:(day - tau)_+ (ramp), marginal likelihood with covariance parameters fixed at the "
        "y ~ trt * week ML fit, uniform prior over the candidate days; equal-tailed credible "
        "interval; placed only if the LRT of arm x week rejects"
    )

    @property
    def placed(self) -> bool:
        """Whether the data place an onset (``day`` is not None)."""
        return self.day is not None

    def summary(self) -> pd.DataFrame:
        keys = ("outcome", "day", "ci_low", "ci_high", "shape", "change", "detection_day")
        row: dict[str, Any] = {k: getattr(self, k) for k in keys}
        row["effect_p"] = self.effect_test["p"]
        row["note"] = self.note
        return pd.DataFrame([row])

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: getattr(self, k)
            for k in (
                "outcome", "day", "ci_low", "ci_high", "shape", "change", "change_ci_low",
                "change_ci_high", "detection_day", "effect_test", "conf_level", "note", "method",
            )
        }  # fmt: skip
        d["profile"] = {str(c): list(self.profile[c]) for c in self.profile.columns}
        return d

    def __repr__(self) -> str:
        if self.day is None:
            return f"Onset({self.outcome}: not placed: {self.note})"
        return (
            f"Onset({self.outcome}: day {self.day} ({self.ci_low} to {self.ci_high}), "
            f"{self.shape} {self.change:.3g}; first detected on day {self.detection_day})"
        )


def spline_basis(day: np.ndarray, last_day: int) -> dict[str, np.ndarray]:
    """Piecewise-linear time trend: ``day`` and ``(day - k)_+`` for knots every 7 days."""
    knots = [k for k in range(KNOT_SPACING, last_day, KNOT_SPACING) if last_day - k >= 3]
    basis = {"s0": day.astype(float)}
    for i, k in enumerate(knots, start=1):
        basis[f"s{i}"] = np.clip(day - k, 0, None).astype(float)
    return basis


def _fit(formula: str, d: pd.DataFrame, slope: bool) -> LMMResult:
    re = "~ 1 + day" if slope else "~ 1"
    return lmm(formula, d, groups="participant", re=re, ar1_time="day", method="ML")


def _whiten(d: pd.DataFrame, fit: LMMResult, cols: np.ndarray, slope: bool) -> np.ndarray:
    """Rows of ``cols`` premultiplied by L_i^-1, with R_i = L_i L_i' the correlation of person
    i's rows (random effects + CAR(1)) divided by sigma^2; padded to equal group sizes."""
    codes, _ = pd.factorize(d["participant"], sort=False)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    day = d["day"].to_numpy(dtype=float)[order]
    a = cols[order]
    m = int(codes.max()) + 1
    sizes = np.bincount(codes, minlength=m)
    width = int(sizes.max())
    pos = np.arange(codes.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    t = np.zeros((m, width))
    t[codes, pos] = day
    real = np.zeros((m, width), dtype=bool)
    real[codes, pos] = True
    phi = fit.phi if fit.phi is not None else 0.0
    gap = np.abs(t[:, :, None] - t[:, None, :])
    corr = np.where(gap > 0, phi ** np.maximum(gap, 1e-12), 1.0)
    z = np.stack([np.ones_like(t), t], axis=2)[:, :, : 2 if slope else 1]
    g = fit.re_cov / fit.sigma**2
    r = corr + np.einsum("mia,ab,mjb->mij", z, g, z)
    pair = real[:, :, None] & real[:, None, :]
    r = np.where(pair, r, np.eye(width)[None])
    stacked = np.zeros((m, width, a.shape[1]))
    stacked[codes, pos] = a
    white = np.linalg.solve(np.linalg.cholesky(r), stacked)
    return np.asarray(white[real])


def _posterior(
    d: pd.DataFrame, fit: LMMResult, slope: bool, taus: np.ndarray, shapes: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Log marginal likelihood per (shape, tau), and per column the change estimate and SE."""
    day = d["day"].to_numpy(dtype=float)
    trt = d["trt"].to_numpy(dtype=float)
    basis = spline_basis(day, int(day.max()))
    x0 = np.column_stack([np.ones_like(day), trt, *basis.values()])
    after = [
        (day[:, None] >= taus[None, :]) if sh == "step" else np.clip(day[:, None] - taus, 0, None)
        for sh in shapes
    ]
    gcols = trt[:, None] * np.hstack(after).astype(float)
    w = _whiten(d, fit, np.column_stack([x0, d["y"].to_numpy(dtype=float), gcols]), slope)
    p0 = x0.shape[1]
    q, _ = np.linalg.qr(w[:, :p0])
    resid = w[:, p0:] - q @ (q.T @ w[:, p0:])
    ry, rg = resid[:, 0], resid[:, 1:]
    gg = np.einsum("ij,ij->j", rg, rg)
    gy = rg.T @ ry
    rss = float(ry @ ry) - gy**2 / gg
    dof = ry.size - p0 - 1
    log_ml = -0.5 * np.log(gg) - 0.5 * dof * np.log(rss)
    est = gy / gg
    se = np.sqrt(rss / dof / gg)
    return log_ml.reshape(len(shapes), taus.size), est, se, dof


def estimate_onset(
    data: pd.DataFrame,
    outcome: str = "y",
    *,
    shape: str = "step",
    conf_level: float = 0.95,
    alpha: float = 0.05,
    random_slope: bool = False,
    detection_day: int | None = None,
) -> Onset:
    """The onset of the arm difference in ``outcome`` (see the module docstring).

    Parameters
    ----------
    data
        One row per participant and day: ``participant``, ``day`` (integer, >= 0; day 0 the
        first intervention day), ``trt`` (1 treatment, 0 control) and ``outcome`` (rows with a
        missing outcome are dropped). At least 8 days (0-7).
    shape
        ``"step"``, ``"ramp"`` or ``"auto"`` (posterior over both shapes, equal prior).
    conf_level, alpha
        Level of the credible interval; significance level of the arm-effect test.
    random_slope
        Fit a random slope in day as well as the random intercept.
    detection_day
        Carried into the result (:func:`gutbrain.analysis.diary_trial.diary_trial` computes it
        from its smooth model).

    Returns
    -------
    Onset
    """
    if shape not in SHAPES:
        raise ParameterError(f"onset_shape {shape!r}: expected 'auto', 'step' or 'ramp'")
    d = data.dropna(subset=[outcome]).rename(columns={outcome: "y"})
    d = d[["participant", "day", "trt", "y"]].reset_index(drop=True)
    weeks = sorted(int(w) for w in (d["day"] // 7 + 1).unique())
    wcols = [f"w{w}" for w in weeks[1:]]
    for w in weeks[1:]:
        d[f"w{w}"] = (d["day"] // 7 + 1 == w).astype(float)
    wterms = " + ".join(wcols)
    inter = " + ".join(f"trt:{c}" for c in wcols)
    m0 = _fit("y ~ " + (wterms if wcols else "1"), d, random_slope)
    m1 = _fit("y ~ trt" + (f" + {wterms} + {inter}" if wcols else ""), d, random_slope)
    test = lrt(m0, m1)
    effect_test = {"statistic": test.statistic, "df": float(test.df), "p": test.p}
    taus = np.arange(1, int(d["day"].max()) - 1)
    shapes = ("step", "ramp") if shape == "auto" else (shape,)
    log_ml, est, se, dof = _posterior(d, m1, random_slope, taus, shapes)
    post = np.exp(log_ml - log_ml.max())
    post /= post.sum()
    marginal = post.sum(axis=0)
    profile = pd.DataFrame(
        {
            "tau": taus,
            **{f"log_evidence_{sh}": log_ml[i] for i, sh in enumerate(shapes)},
            **{f"posterior_{sh}": post[i] for i, sh in enumerate(shapes)},
            "posterior": marginal,
        }
    )
    cdf = np.cumsum(marginal)
    tail = (1.0 - conf_level) / 2.0
    lo = int(taus[int(np.searchsorted(cdf, tail - 1e-12))])
    hi = int(taus[min(int(np.searchsorted(cdf, 1.0 - tail - 1e-12)), taus.size - 1)])
    note = ""
    if test.p >= alpha:
        note = f"no arm effect (LRT of arm x week, {format_p(test.p, label='p')})"
    elif lo == taus[0] and hi == taus[-1]:
        note = (
            f"the {conf_level:.0%} interval spans every candidate day ({lo} to {hi}), although "
            f"the arm-effect LRT finds an effect ({format_p(test.p, label='p')})"
        )
    if note:
        return Onset(outcome, None, None, None, None, None, None, None, detection_day,
                     effect_test, profile, conf_level, note)  # fmt: skip
    best = int(np.argmax(marginal))
    k = int(np.argmax(post.sum(axis=1)))
    j = k * taus.size + best
    half = float(stats.t.ppf(0.5 + conf_level / 2.0, dof)) * se[j]
    return Onset(
        outcome=outcome,
        day=int(taus[best]),
        ci_low=lo,
        ci_high=hi,
        shape=shapes[k],
        change=float(est[j]),
        change_ci_low=float(est[j] - half),
        change_ci_high=float(est[j] + half),
        detection_day=detection_day,
        effect_test=effect_test,
        profile=profile,
        conf_level=conf_level,
    )
