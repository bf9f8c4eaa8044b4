r"""Daily-diary trial effects: arm x time, the effect curve, its onset, and diary vs pre/post.

:func:`diary_trial` analyses a parallel-group :class:`~gutbrain.io.StudyBundle`. For negative and
positive affect separately, on the intervention days (day >= 0; run-in days are not modelled),
with a random intercept per participant (plus a random slope in day when that fit converges
without a singular covariance) and continuous-time AR(1) residuals in ``day``
(:func:`gutbrain.analysis.lmm.lmm`, REML):

* **per week**: ``y ~ trt * week`` with week a factor (days 0-6 are week 1); the arm difference
  in week *w* is the contrast ``trt + trt:week_w`` (Wald t, Satterthwaite df);
* **smooth**: ``y ~ trt * s(day)`` with ``s`` a piecewise-linear spline (truncated-power basis
  ``day, (day - k)_+`` with knots every 7 days); the arm difference on each day *d* is
  ``trt + sum_k trt:s_k(d) s_k(d)``, with pointwise intervals;
* **onset** (:func:`gutbrain.analysis.onset.estimate_onset`): the posterior over the day the
  difference begins, from the change-point model ``y ~ trt + s(day) + trt:g_tau(day)`` with
  ``g_tau`` a step ``1[day >= tau]`` (the difference appears at tau, the default) or a ramp
  ``(day - tau)_+`` (it grows linearly from tau) (``onset_shape``); the estimate is the
  posterior mode and the interval the equal-tailed credible interval, whose coverage
  ``benchmarks/onset_coverage.py`` measures. The onset is placed only if an arm effect exists at
  all (the likelihood-ratio test of ``y ~ week`` against ``y ~ trt * week``, ML, rejects at
  ``alpha``) and the interval does not span every candidate day. Also reported: the
  *detection day*, the first day on which the smooth curve's pointwise interval excludes zero
  (pointwise, without multiplicity adjustment: descriptive, it can fire early by chance);
* **effect sizes**: each difference divided by the model-based SD of a single daily rating
  between people, ``sqrt(var(random intercept) + sigma^2)`` from the weekly model (a Cohen's-d
  analogue on the daily scale);
* **pre/post**: ANCOVA of every questionnaire (:func:`gutbrain.analysis.prepost.prepost`);
* **diary vs pre/post** (:class:`DiaryPrePostComparison`): per construct (negative affect:
  diary NA with PANAS-NA, STAI-state, PSWQ, PHQ-9, GAD-7, PSS-10; positive affect: diary PA with
  PANAS-PA), the diary's last-week difference beside each questionnaire's ANCOVA difference,
  both standardised, with p-values.

Numbers come from :func:`gutbrain.analysis.lmm.lmm`, validated against lme4/nlme/lmerTest; the
recovery of a known effect and onset is checked on simulated bundles in
``tests/analysis/test_diary_trial.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis._arms import check_arms
from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.analysis.lmm import LMMResult, lmm
from gutbrain.analysis.onset import SHAPES, Onset, estimate_onset, spline_basis
from gutbrain.analysis.prepost import PrePostResult, prepost
from gutbrain.errors import DataError, DesignError, ParameterError
from gutbrain.io import StudyBundle

__all__ = [
    "OUTCOMES",
    "DiaryPrePostComparison",
    "DiaryTrialResult",
    "EffectCurve",
    "Onset",
    "OutcomeEffects",
    "diary_trial",
]

OUTCOMES = ("negative_affect", "positive_affect")
# Questionnaires measuring the same construct as each diary outcome.
CONSTRUCTS = {
    "negative_affect": ("PANAS-NA", "STAI-state", "PSWQ", "PHQ-9", "GAD-7", "PSS-10"),
    "positive_affect": ("PANAS-PA",),
}


@dataclass(frozen=True, repr=False)
class EffectCurve:
    """Arm difference (treatment - control) per day from the smooth model, pointwise CIs."""

    outcome: str
    day: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    df: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "day": self.day,
                "estimate": self.estimate,
                "se": self.se,
                "df": self.df,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, **{str(k): list(v) for k, v in self.summary().items()}}

    def __repr__(self) -> str:
        return f"EffectCurve({self.outcome}: days {self.day[0]}..{self.day[-1]})"


@dataclass(frozen=True, repr=False)
class OutcomeEffects:
    """Arm x time effects on one diary outcome."""

    outcome: str
    weekly: pd.DataFrame
    overall: dict[str, float]
    curve: EffectCurve
    onset: Onset
    sd_daily: float
    random_slope: bool
    weekly_fit: LMMResult
    smooth_fit: LMMResult

    def summary(self) -> pd.DataFrame:
        """The per-week differences (with standardised effect sizes) and the overall row."""
        overall = pd.DataFrame([{"week": "all", **self.overall}])
        w = self.weekly.astype({"week": str})
        return pd.concat([w, overall], ignore_index=True).assign(outcome=self.outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "weekly": self.weekly.to_dict(orient="records"),
            "overall": self.overall,
            "curve": self.curve.to_dict(),
            "onset": self.onset.to_dict(),
            "sd_daily": self.sd_daily,
            "sd_daily_definition": "sqrt(var(random intercept) + sigma^2), weekly model",
            "random_slope": self.random_slope,
            "weekly_model": self.weekly_fit.to_dict(),
            "smooth_model": self.smooth_fit.to_dict(),
        }

    def __repr__(self) -> str:
        last = self.weekly.iloc[-1]
        ci = format_ci(last["ci_low"], last["ci_high"], 3, significant=True)
        return (
            f"OutcomeEffects({self.outcome}: week {last['week']} difference "
            f"{last['estimate']:.3g} ({ci}), "
            f"{format_p(last['p'], label='p')}; {self.onset!r})"
        )


@dataclass(frozen=True, repr=False)
class DiaryPrePostComparison:
    """What the daily diary detects vs what pre/post questionnaires detect, per construct."""

    table: pd.DataFrame
    alpha: float

    def summary(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "rows": self.table.to_dict(orient="records")}

    def __repr__(self) -> str:
        return "DiaryPrePostComparison\n" + self.table.to_string(
            index=False, float_format=lambda v: f"{v:.3g}"
        )


@dataclass(frozen=True, repr=False)
class DiaryTrialResult:
    """Everything :func:`diary_trial` estimates."""

    study: str
    control: str
    treatment: str
    n_participants: dict[str, int]
    outcomes: dict[str, OutcomeEffects]
    prepost: PrePostResult | None
    comparison: DiaryPrePostComparison
    conf_level: float

    def summary(self) -> pd.DataFrame:
        """Per-week and overall differences for every outcome."""
        return pd.concat([o.summary() for o in self.outcomes.values()], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "control": self.control,
            "treatment": self.treatment,
            "contrast": f"{self.treatment} - {self.control}",
            "n_participants": self.n_participants,
            "conf_level": self.conf_level,
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "prepost": self.prepost.to_dict() if self.prepost is not None else None,
            "comparison": self.comparison.to_dict(),
        }

    def __repr__(self) -> str:
        lines = [f"DiaryTrialResult({self.study!r}: {self.treatment} - {self.control})"]
        lines += [f"  {o!r}" for o in self.outcomes.values()]
        if self.prepost is not None:
            lines.append(f"  {self.prepost!r}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- helpers
def _fit(formula: str, d: pd.DataFrame, method: str, slope: bool) -> LMMResult:
    return lmm(
        formula, d, groups="participant", re="~ 1 + day" if slope else "~ 1", ar1_time="day",
        method=method,
    )  # fmt: skip


def _slope_ok(fit: LMMResult) -> bool:
    conv = fit.convergence
    return conv.converged and not any(b.startswith("theta") for b in conv.boundary)


def _fit_re(
    formula: str, d: pd.DataFrame, method: str, slope: bool | None
) -> tuple[LMMResult, bool]:
    """Fit with a random slope if asked (or, for None, if it converges non-singularly)."""
    if slope is not False:
        fit = _fit(formula, d, method, True)
        if slope or _slope_ok(fit):
            return fit, True
    return _fit(formula, d, method, False), False


def _contrast_row(fit: LMMResult, weights: dict[str, float], conf_level: float) -> dict[str, float]:
    """The contrast of named coefficients (others weigh 0): estimate, test and interval."""
    vec = np.array([weights.get(n, 0.0) for n in fit.coef_names])
    c = fit.contrast(vec, conf_level)
    return {
        "estimate": c.estimate,
        "se": c.se,
        "df": c.df,
        "t": c.t,
        "p": c.p,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
    }


def _with_smd(row: dict[str, float], sd: float) -> dict[str, float]:
    return {
        **row,
        "smd": row["estimate"] / sd,
        "smd_low": row["ci_low"] / sd,
        "smd_high": row["ci_high"] / sd,
    }


def _analyse_outcome(
    d: pd.DataFrame,
    outcome: str,
    conf_level: float,
    alpha: float,
    random_slope: bool | None,
    onset_shape: str,
) -> OutcomeEffects:
    d = d.dropna(subset=[outcome]).rename(columns={outcome: "y"})
    weeks = sorted(int(w) for w in d["week"].unique())
    wcols = [f"w{w}" for w in weeks[1:]]
    for w in weeks[1:]:
        d[f"w{w}"] = (d["week"] == w).astype(float)
    wterms = " + ".join(wcols)
    inter = " + ".join(f"trt:{c}" for c in wcols)
    f_week = "y ~ trt" + (f" + {wterms} + {inter}" if wcols else "")
    weekly_fit, slope = _fit_re(f_week, d, "REML", random_slope)
    sd_daily = float(np.sqrt(weekly_fit.re_cov[0, 0] + weekly_fit.sigma**2))
    rows = []
    for w in weeks:
        weights = {"trt": 1.0}
        if w != weeks[0]:
            weights[f"trt:w{w}"] = 1.0
        rows.append(
            {"week": w, **_with_smd(_contrast_row(weekly_fit, weights, conf_level), sd_daily)}
        )
    weekly = pd.DataFrame(rows)
    # Average difference over the weeks (equal weights).
    avg = {"trt": 1.0, **{f"trt:{c}": 1.0 / len(weeks) for c in wcols}}
    overall = _with_smd(_contrast_row(weekly_fit, avg, conf_level), sd_daily)

    last_day = int(d["day"].max())
    basis = spline_basis(d["day"].to_numpy(), last_day)
    for k, v in basis.items():
        d[k] = v
    sterms = " + ".join(basis)
    f_smooth = f"y ~ trt + {sterms} + " + " + ".join(f"trt:{k}" for k in basis)
    smooth_fit, _ = _fit_re(f_smooth, d, "REML", slope)
    days = np.arange(0, last_day + 1)
    grid = spline_basis(days, last_day)
    cur = [
        _contrast_row(
            smooth_fit,
            {"trt": 1.0, **{f"trt:{k}": float(v[i]) for k, v in grid.items()}},
            conf_level,
        )
        for i in range(days.size)
    ]
    curve = EffectCurve(
        outcome=outcome,
        day=days,
        estimate=np.array([c["estimate"] for c in cur]),
        se=np.array([c["se"] for c in cur]),
        df=np.array([c["df"] for c in cur]),
        ci_low=np.array([c["ci_low"] for c in cur]),
        ci_high=np.array([c["ci_high"] for c in cur]),
    )
    onset = estimate_onset(
        d[["participant", "day", "trt", "y"]].rename(columns={"y": outcome}), outcome,
        shape=onset_shape, conf_level=conf_level, alpha=alpha, random_slope=slope,
        detection_day=_detection_day(curve),
    )  # fmt: skip
    return OutcomeEffects(
        outcome=outcome,
        weekly=weekly,
        overall=overall,
        curve=curve,
        onset=onset,
        sd_daily=sd_daily,
        random_slope=slope,
        weekly_fit=weekly_fit,
        smooth_fit=smooth_fit,
    )


def _detection_day(curve: EffectCurve) -> int | None:
    """First day on which the pointwise interval excludes zero."""
    excl = np.flatnonzero((curve.ci_low > 0) | (curve.ci_high < 0))
    return int(curve.day[excl[0]]) if excl.size else None


def _comparison(
    outcomes: dict[str, OutcomeEffects], pp: PrePostResult | None, alpha: float
) -> DiaryPrePostComparison:
    rows = []
    for outcome, eff in outcomes.items():
        last = eff.weekly.iloc[-1]
        base = {
            "construct": outcome.replace("_", " "),
            "diary_outcome": outcome,
            "diary_week": int(last["week"]),
            "diary_estimate": float(last["estimate"]),
            "diary_ci_low": float(last["ci_low"]),
            "diary_ci_high": float(last["ci_high"]),
            "diary_smd": float(last["smd"]),
            "diary_p": float(last["p"]),
            "diary_detects": bool(last["p"] < alpha),
        }
        insts = [i for i in CONSTRUCTS[outcome] if pp is not None and i in pp.results]
        if not insts:
            rows.append({**base, "instrument": None, "prepost_estimate": np.nan,
                         "prepost_ci_low": np.nan, "prepost_ci_high": np.nan,
                         "prepost_smd": np.nan, "prepost_p": np.nan,
                         "prepost_detects": None})  # fmt: skip
        for inst in insts:
            assert pp is not None  # narrowed above
            r = pp.results[inst]
            rows.append(
                {
                    **base,
                    "instrument": inst,
                    "prepost_estimate": r.estimate,
                    "prepost_ci_low": r.ci_low,
                    "prepost_ci_high": r.ci_high,
                    "prepost_smd": r.smd,
                    "prepost_p": r.p,
                    "prepost_detects": bool(r.p < alpha),
                }
            )
    return DiaryPrePostComparison(table=pd.DataFrame(rows), alpha=alpha)


def diary_trial(
    bundle: StudyBundle,
    *,
    control: str | None = None,
    treatment: str | None = None,
    random_slope: bool | None = None,
    onset_shape: str = "step",
    conf_level: float = 0.95,
    alpha: float = 0.05,
) -> DiaryTrialResult:
    """Analyse a parallel-group daily-diary trial (see the module docstring for the models).

    Parameters
    ----------
    bundle
        A validated bundle (:func:`gutbrain.io.read_bundle`) with ``design = "parallel"``.
    control, treatment
        Arm labels; default the first arm in ``study.toml`` and the other one.
    random_slope
        True or False to force a random slope in day; None (default) keeps it only when the
        fit converges with a non-singular covariance.
    onset_shape
        ``"step"`` (default: the day the difference appears; for a gradual effect this lands
        near the middle of the transition), ``"ramp"`` (the day a linearly growing difference
        starts) or ``"auto"`` (the better-fitting of the two; both have the same number of
        parameters, so the larger maximised likelihood decides).
    conf_level, alpha
        Level of every interval; significance level of the tests behind "detects" and onset.

    Returns
    -------
    DiaryTrialResult

    Raises
    ------
    DesignError
        Not a parallel design, or arms that cannot be compared.
    DataError
        Too few participants or diary days to fit the models.
    """
    if bundle.study.design != "parallel":
        raise DesignError(
            f'study {bundle.study.name!r}: diary_trial needs design = "parallel", not '
            f"{bundle.study.design!r} (use gutbrain.analysis.nof1 for N-of-1 series)"
        )
    if onset_shape not in SHAPES:
        raise ParameterError(f"onset_shape {onset_shape!r}: expected 'auto', 'step' or 'ramp'")
    check_level(conf_level)
    check_level(alpha, "alpha", "a significance level", 0.05)
    control, treatment = check_arms(bundle, control, treatment)
    parts = bundle.participants.set_index("participant")["arm"]
    parts = parts[parts.isin([control, treatment])]
    d = bundle.diary[bundle.diary["day"] >= 0]
    d = d[d["participant"].isin(parts.index)][["participant", "day", *OUTCOMES]].copy()
    d["trt"] = (d["participant"].map(parts) == treatment).astype(float)
    d["week"] = d["day"] // 7 + 1
    counts = d.groupby("trt")["participant"].nunique()
    n = {control: int(counts.get(0.0, 0)), treatment: int(counts.get(1.0, 0))}
    if min(n.values()) < 2:
        raise DataError(
            f"diary: {n[control]} {control!r} and {n[treatment]} {treatment!r} participants with "
            "diary entries on day >= 0; need at least 2 per arm"
        )
    for o in OUTCOMES:
        scored = d.dropna(subset=[o]).groupby("trt")["participant"].nunique()
        k = {control: int(scored.get(0.0, 0)), treatment: int(scored.get(1.0, 0))}
        if min(k.values()) < 2:
            raise DataError(
                f"diary, column {o}: scores from {k[control]} {control!r} and {k[treatment]} "
                f"{treatment!r} participants on day >= 0 (the rest are missing); need at least "
                "2 per arm"
            )
    if d["day"].max() < 7:
        raise DataError(f"diary: last day is {int(d['day'].max())}; need at least 8 days (0-7)")
    d = d.reset_index(drop=True)
    outcomes = {
        o: _analyse_outcome(d.copy(), o, conf_level, alpha, random_slope, onset_shape)
        for o in OUTCOMES
    }
    pp = None
    if bundle.visits is not None and len(bundle.visits):
        pp = prepost(bundle.visits, parts, control=control, treatment=treatment,
                     conf_level=conf_level)  # fmt: skip
    return DiaryTrialResult(
        study=bundle.study.name,
        control=control,
        treatment=treatment,
        n_participants=n,
        outcomes=outcomes,
        prepost=pp,
        comparison=_comparison(outcomes, pp, alpha),
        conf_level=conf_level,
    )
