"""Forest and funnel plots of a meta-analysis (matplotlib, no global pyplot state).

Both functions return a :class:`matplotlib.figure.Figure`; :func:`figure_png` renders one to PNG
bytes. They follow metafor's ``forest()`` and ``funnel()`` layouts: study rows with confidence
intervals and squares sized by weight, a diamond for the pooled estimate, the prediction interval
as a line through the diamond row; and a funnel of effect size against standard error with the
pseudo-confidence region :math:`\\hat\\mu \\pm z_{1-\\alpha/2}\\,\\mathrm{SE}`.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from scipy import stats

from gutbrain.analysis.format import format_ci
from gutbrain.analysis.meta.model import MetaResult
from gutbrain.analysis.meta.subgroup import SubgroupResult

__all__ = ["figure_png", "forest_plot", "funnel_plot", "measure_label"]

_MEASURE_LABELS = {
    "SMD": "Standardised mean difference (Hedges' g)",
    "MD": "Mean difference",
    "RR": "Log risk ratio",
    "OR": "Log odds ratio",
    "RD": "Risk difference",
    "ZCOR": "Fisher's z-transformed correlation",
    "GEN": "Effect size",
}


def measure_label(measure: str) -> str:
    """Axis label for an effect-size measure."""
    return _MEASURE_LABELS.get(measure, "Effect size")


def figure_png(fig: Figure, dpi: int = 120) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _diamond(ax: object, y: float, est: float, lo: float, hi: float, color: str) -> None:
    h = 0.35
    patch = Polygon([(lo, y), (est, y + h), (hi, y), (est, y - h)], closed=True, color=color)
    ax.add_patch(patch)  # type: ignore[attr-defined]


def _model_label(res: MetaResult) -> str:
    if not res.random:
        return "FE model"
    return f"RE model ({res.method}{', Knapp-Hartung' if res.knha else ''})"


def forest_plot(
    res: MetaResult,
    *,
    subgroups: SubgroupResult | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Forest plot of a model without moderators.

    One row per study: the effect size with its (normal) confidence interval at the model's level,
    a square whose area is proportional to the study's weight, and on the right the weight and the
    estimate with its interval. Below, a diamond for the pooled estimate and, for random-effects
    models, a line for the prediction interval. With ``subgroups``, studies are grouped and each
    subgroup gets its own diamond.
    """
    z = float(stats.norm.ppf(1 - (1 - res.level) / 2))
    lab = np.array(res.labels)
    order: list[tuple[str, object]] = []  # ("header", name) | ("study", index) | ("sub", name)
    if subgroups is None:
        order += [("study", i) for i in range(res.k)]
    else:
        pos = {s: i for i, s in enumerate(lab)}
        for g in subgroups.levels:
            order.append(("header", g))
            order += [("study", pos[s]) for s in subgroups.models[g].labels]
            order.append(("sub", g))
    n_rows = len(order) + 3
    fig = Figure(figsize=(9.0, 0.32 * n_rows + 1.4))
    ax = fig.add_subplot(1, 1, 1)
    lo_all = res.yi - z * res.sei
    hi_all = res.yi + z * res.sei
    pred = res.predict()
    lows = [lo_all.min(), pred.ci_lb[0]]
    highs = [hi_all.max(), pred.ci_ub[0]]
    if pred.pi_lb is not None and pred.pi_ub is not None:
        lows.append(pred.pi_lb[0])
        highs.append(pred.pi_ub[0])
    xmin, xmax = float(min(lows)), float(max(highs))
    span = xmax - xmin if xmax > xmin else 1.0
    wmax = float(np.max(res.weights))
    y = float(n_rows)
    ytick, ylab, right = [], [], []
    for kind, item in order:
        y -= 1
        if kind == "header":
            ax.text(
                xmin - 0.02 * span,
                y,
                str(item),
                ha="right",
                va="center",
                weight="bold",
                transform=ax.transData,
            )
            continue
        if kind == "sub" and subgroups is not None:
            m = subgroups.models[str(item)]
            _diamond(ax, y, float(m.beta[0]), float(m.ci_lb[0]), float(m.ci_ub[0]), "0.45")
            ytick.append(y)
            ylab.append(f"{_model_label(m)} for {item}")
            right.append(
                (y, f"{m.beta[0]:.2f} {format_ci(m.ci_lb[0], m.ci_ub[0], style='bracket')}")
            )
            continue
        i = int(item)  # type: ignore[call-overload]
        ax.plot([lo_all[i], hi_all[i]], [y, y], color="black", lw=1)
        size = 4.0 + 10.0 * np.sqrt(res.weights[i] / wmax)
        ax.plot([res.yi[i]], [y], marker="s", ms=size, color="black", ls="none")
        ytick.append(y)
        ylab.append(str(lab[i]))
        right.append(
            (
                y,
                f"{res.weights[i]:5.1f}%   {res.yi[i]:.2f} "
                + format_ci(lo_all[i], hi_all[i], style="bracket"),
            )
        )
    y -= 1.5
    est = float(pred.pred[0])
    if pred.pi_lb is not None and pred.pi_ub is not None:
        ax.plot([pred.pi_lb[0], pred.pi_ub[0]], [y, y], color="black", lw=1, ls=(0, (2, 2)))
        ax.plot([pred.pi_lb[0]] * 2, [y - 0.15, y + 0.15], color="black", lw=1)
        ax.plot([pred.pi_ub[0]] * 2, [y - 0.15, y + 0.15], color="black", lw=1)
    _diamond(ax, y, est, float(pred.ci_lb[0]), float(pred.ci_ub[0]), "black")
    ytick.append(y)
    ylab.append(_model_label(res))
    text = f"100.0%   {est:.2f} {format_ci(pred.ci_lb[0], pred.ci_ub[0], style='bracket')}"
    right.append((y, text))
    if pred.pi_lb is not None and pred.pi_ub is not None:
        right.append((y - 0.6, f"PI {format_ci(pred.pi_lb[0], pred.pi_ub[0], style='bracket')}"))
    ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
    ax.axhline(y + 0.9, color="0.7", lw=0.6)
    ax.set_yticks(ytick, ylab)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(y - 1.2, n_rows - 0.5)
    ax.set_xlim(xmin - 0.05 * span, xmax + 0.05 * span)
    for yy, t in right:
        ax.annotate(
            t,
            xy=(1.02, yy),
            xycoords=("axes fraction", "data"),
            va="center",
            family="monospace",
            fontsize=8.5,
        )
    ax.set_xlabel(xlabel or measure_label(res.measure))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        f"Forest plot (k = {res.k}; weights and {100 * res.level:g}% CIs on the right)", fontsize=10
    )
    return fig


def funnel_plot(res: MetaResult, *, xlabel: str | None = None) -> Figure:
    """Funnel plot: effect size (or, with moderators, residual) against standard error.

    The standard-error axis is inverted (precise studies on top). The white triangle is the
    pseudo-confidence region centred on the pooled estimate (0 for residuals),
    :math:`\\hat\\mu \\pm z_{1-\\alpha/2}\\,\\mathrm{SE}`, as in metafor's ``funnel()``.
    """
    z = float(stats.norm.ppf(1 - (1 - res.level) / 2))
    sei = res.sei
    if res.has_mods:
        x = res.yi - res.X @ res.beta
        centre = 0.0
        label = xlabel or "Residual value"
    else:
        x = res.yi
        centre = float(res.beta[0])
        label = xlabel or measure_label(res.measure)
    se_max = float(np.max(sei)) * 1.05
    fig = Figure(figsize=(6.0, 4.8))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor("0.92")
    region = Polygon(
        [(centre - z * se_max, se_max), (centre, 0.0), (centre + z * se_max, se_max)],
        closed=True,
        facecolor="white",
        edgecolor="0.4",
        lw=0.8,
        ls="--",
    )
    ax.add_patch(region)
    ax.axvline(centre, color="0.3", lw=0.8)
    ax.plot(x, sei, "o", color="black", ms=5)
    span = max(float(np.max(np.abs(x - centre))), z * se_max) * 1.1
    ax.set_xlim(centre - span, centre + span)
    ax.set_ylim(se_max, 0.0)
    ax.set_xlabel(label)
    ax.set_ylabel("Standard error")
    ax.set_title(f"Funnel plot ({100 * res.level:g}% pseudo-confidence region)", fontsize=10)
    return fig
