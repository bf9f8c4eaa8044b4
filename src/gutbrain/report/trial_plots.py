"""Figures of a diary-trial and an N-of-1 analysis (matplotlib, no global pyplot state).

Every function returns a :class:`matplotlib.figure.Figure`; render it with
:func:`gutbrain.report.meta_plots.figure_png`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from gutbrain.analysis.diary_trial import OUTCOMES, DiaryTrialResult
from gutbrain.analysis.format import format_p
from gutbrain.analysis.nof1 import Nof1SeriesResult
from gutbrain.analysis.prepost import PrePostResult

__all__ = ["effect_curve_plot", "mean_by_arm_plot", "nof1_panels", "prepost_plot"]

_LABEL = {
    "negative_affect": "Negative affect (0-100)",
    "positive_affect": "Positive affect (0-100)",
}
_COLORS = ("#4d4d4d", "#d95f02")


def mean_by_arm_plot(
    diary: pd.DataFrame, arms: pd.Series, labels: tuple[str, str], level: float = 0.95
) -> Figure:
    """Daily mean NA and PA by arm, with ``level`` t-intervals across participants as bands."""
    fig = Figure(figsize=(10, 3.8))
    d = diary.assign(arm=diary["participant"].map(arms))
    for k, outcome in enumerate(OUTCOMES):
        ax = fig.add_subplot(1, 2, k + 1)
        for color, arm in zip(_COLORS, labels, strict=True):
            g = d[d["arm"] == arm].groupby("day")[outcome].agg(["mean", "std", "count"])
            g = g[g["count"] >= 2]
            half = stats.t.ppf(0.5 + level / 2, g["count"] - 1) * g["std"] / np.sqrt(g["count"])
            ax.plot(g.index, g["mean"], color=color, label=arm)
            ax.fill_between(g.index, g["mean"] - half, g["mean"] + half, color=color, alpha=0.2)
        ax.axvline(-0.5, color="#999", lw=0.8, ls=":")
        ax.set_xlabel("study day (0 = first intervention day)")
        ax.set_ylabel(_LABEL[outcome])
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(f"Daily means by arm ({100 * level:g}% CI bands)")
    fig.tight_layout()
    return fig


def effect_curve_plot(result: DiaryTrialResult) -> Figure:
    """The arm difference per day (smooth model) with pointwise CIs; onset and its interval."""
    fig = Figure(figsize=(10, 3.8))
    for k, (outcome, eff) in enumerate(result.outcomes.items()):
        ax = fig.add_subplot(1, 2, k + 1)
        c = eff.curve
        ax.plot(c.day, c.estimate, color=_COLORS[1], label="smooth difference")
        ax.fill_between(c.day, c.ci_low, c.ci_high, color=_COLORS[1], alpha=0.2)
        w = eff.weekly
        mid = (w["week"].to_numpy() - 1) * 7 + 3
        ax.errorbar(
            mid,
            w["estimate"],
            yerr=[w["estimate"] - w["ci_low"], w["ci_high"] - w["estimate"]],
            fmt="o",
            color=_COLORS[0],
            ms=4,
            label="weekly difference",
        )
        ax.axhline(0, color="#999", lw=0.8)
        on = eff.onset
        if on.day is not None and on.ci_low is not None and on.ci_high is not None:
            ax.axvspan(on.ci_low - 0.5, on.ci_high + 0.5, color="#1b9e77", alpha=0.15)
            ax.axvline(on.day, color="#1b9e77", ls="--", label=f"onset day {on.day}")
        ax.set_xlabel("study day")
        ax.set_ylabel(f"{result.treatment} - {result.control}")
        ax.set_title(_LABEL[outcome].split(" (")[0], fontsize=10)
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle(f"Effect over time ({100 * result.conf_level:g}% pointwise CIs)")
    fig.tight_layout()
    return fig


def prepost_plot(pp: PrePostResult) -> Figure:
    """Mean questionnaire score by arm at baseline and post, +-1 SE."""
    insts = list(pp.results)
    cols = min(3, max(1, len(insts)))
    rows = max(1, math.ceil(len(insts) / cols))
    fig = Figure(figsize=(3.6 * cols, 3.2 * rows))
    for k, inst in enumerate(insts):
        r = pp.results[inst]
        ax = fig.add_subplot(rows, cols, k + 1)
        for color, (arm, label) in zip(
            _COLORS, (("control", pp.control), ("treatment", pp.treatment)), strict=True
        ):
            m = r.means[r.means["arm"] == arm]
            se = m["sd"] / np.sqrt(m["n"])
            ax.errorbar([0, 1], m["mean"], yerr=se, color=color, marker="o", capsize=3, label=label)
        ax.set_xticks([0, 1], [r.baseline_visit, r.post_visit])
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(f"{inst}: {format_p(r.p, label='ANCOVA p')}", fontsize=10)
        ax.legend(frameon=False, fontsize=8)
    fig.suptitle("Questionnaires: mean +- 1 SE by arm", fontsize=10)
    fig.tight_layout()
    return fig


def nof1_panels(series: Nof1SeriesResult, diary: pd.DataFrame, max_panels: int = 24) -> Figure:
    """One panel per participant: daily NA coloured by phase, wash-in days hollow, phase means."""
    ids = list(series.posteriors)[:max_panels]
    cols = min(3, max(1, len(ids)))
    rows = max(1, math.ceil(len(ids) / cols))
    fig = Figure(figsize=(4 * cols, 2.8 * rows))
    colors = {series.control: _COLORS[0], series.treatment: _COLORS[1]}
    for k, pid in enumerate(ids):
        ax = fig.add_subplot(rows, cols, k + 1)
        data = series.data[pid]
        d = diary[(diary["participant"] == pid) & (diary["day"] >= 0)]
        d = d[d["day"] < series.block_days * len(data.sequence)]
        lab = np.array(list(data.sequence))[d["day"].to_numpy() // series.block_days]
        used = set(data.day.astype(int).tolist())
        for phase, color in colors.items():
            sel = lab == phase
            dd = d[sel]
            is_used = dd["day"].isin(used).to_numpy()
            ax.plot(dd["day"][is_used], dd["negative_affect"][is_used], "o", ms=3, color=color,
                    label=phase)  # fmt: skip
            ax.plot(dd["day"][~is_used], dd["negative_affect"][~is_used], "o", ms=3,
                    mfc="none", color=color)  # fmt: skip
        for b in range(1, len(data.sequence)):
            ax.axvline(b * series.block_days - 0.5, color="#bbb", lw=0.6)
        post = series.posteriors[pid]
        ax.set_title(
            f"{pid} ({data.sequence}): P(lower) {post.prob_lower:.2f}, "
            f"P(< -{series.mid:g}) {post.prob_mid:.2f}",
            fontsize=8,
        )
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(frameon=False, fontsize=7)
    fig.suptitle("N-of-1 participants: daily NA (hollow = wash-in, not analysed)", fontsize=10)
    fig.tight_layout()
    return fig
