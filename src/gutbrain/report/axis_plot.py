"""The multi-panel axis figure: population median and 90 % band per arm, panel by compartment
(small multiples, one column per arm, for three or more arms)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = ["PANELS", "Bands", "axis_figure", "plot_axis"]

PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Microbiota (fraction)", ("butyrate_producers", "pathobionts", "bifidobacteria_lab")),
    ("Metabolites (rel.)", ("butyrate", "gaba", "serotonin_gut")),
    ("Barrier & inflammation", ("permeability", "inflammation", "lps")),
    ("Cortisol (rel.)", ("cortisol",)),
    ("Vagal tone (rel.)", ("vagal_tone",)),
    ("Negative affect (0-100)", ("negative_affect",)),
    ("Positive affect (0-100)", ("positive_affect",)),
    ("Depression severity (0-1)", ("depression_severity",)),
)


class Bands(Protocol):
    """What the figure reads: a :class:`gutbrain.model.trajectory.Trajectory`, or a
    :class:`gutbrain.model.summary.DailySummary` accumulated chunk by chunk."""

    @property
    def group_names(self) -> tuple[str, ...]: ...

    @property
    def n_days(self) -> int: ...

    def quantiles(
        self, name: str, q: tuple[float, ...] = ..., group: int | None = None
    ) -> np.ndarray: ...


def axis_figure(
    traj: Bands,
    title: str = "",
    day0: int = 0,
    *,
    inner: bool = False,
    across: str = "virtual people",
) -> Figure:
    """Each panel's quantities as median lines with 5-95 % bands (and, with ``inner``, darker
    25-75 % bands); ``across`` names what the bands are taken across, for the title.

    One or two arms share each panel, one colour per arm. Three or more arms get small
    multiples instead, one column per arm with a shared scale per row, so bands never overlap
    and each legend lists only the panel's quantities. ``day0`` is the index of the first
    intervention day, which the x axis calls day 0 (as the trial report does)."""
    arms = traj.group_names
    days = np.arange(traj.n_days) - day0
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ("-", "--", ":")
    facets = len(arms) >= 3
    if facets:
        fig = Figure(figsize=(max(9.0, 3.2 * len(arms)), 2.1 * len(PANELS)), layout="constrained")
        axes = fig.subplots(len(PANELS), len(arms), sharex=True, sharey="row", squeeze=False)
        cells = [
            (axes[r, g], [g], label)
            for r, (label, _) in enumerate(PANELS)
            for g in range(len(arms))
        ]
    else:
        fig = Figure(figsize=(12, 13), layout="constrained")
        axes = fig.subplots(4, 2, sharex=True, squeeze=False)
        gs = list(range(len(arms)))
        cells = [(ax, gs, label) for ax, (label, _) in zip(axes.ravel(), PANELS, strict=True)]
    names_of = dict(PANELS)
    for ax, groups, label in cells:
        names = names_of[label]
        for g in groups:
            for k, name in enumerate(names):
                lo, mid, hi = traj.quantiles(name, group=g)
                c = colours[(k if facets else g) % len(colours)]
                ax.fill_between(days, lo, hi, color=c, alpha=0.15, linewidth=0)
                if inner:
                    q25, q75 = traj.quantiles(name, (0.25, 0.75), group=g)
                    ax.fill_between(days, q25, q75, color=c, alpha=0.25, linewidth=0)
                lab = name if facets or len(arms) == 1 else f"{arms[g]}: {name}"
                ax.plot(days, mid, color=c, linestyle=styles[k % 3], label=lab)
        if facets:
            ax.set_title(f"{arms[groups[0]]}: {label}", fontsize=8)
        else:
            ax.set_title(label, fontsize=10)
        if not facets or groups[0] == 0:
            ax.legend(fontsize=7, loc="best")
        if day0:
            ax.axvline(-0.5, color="#999", lw=0.8, ls=":")
    xlabel = "day (0 = first intervention day)" if day0 else "day"
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    fig.suptitle(
        f"{title}: median{', 50 %' if inner else ''} and 90 % band{'s' if inner else ''} "
        f"across {across}\n"
        "gutbrain simulation for research and teaching; not medical advice",
        fontsize=11,
    )
    return fig


def plot_axis(
    traj: Bands,
    path: str | Path,
    title: str = "",
    day0: int = 0,
    *,
    inner: bool = False,
    across: str = "virtual people",
) -> Path:
    """Write :func:`axis_figure` as a PNG."""
    out = Path(path)
    axis_figure(traj, title, day0, inner=inner, across=across).savefig(out, dpi=110)
    return out
