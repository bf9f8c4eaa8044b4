"""The multi-panel axis figure: population median and 90 % band per arm, panel by compartment."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["PANELS", "Bands", "plot_axis"]

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


def plot_axis(traj: Bands, path: str | Path, title: str = "") -> Path:
    """Draw each panel's quantities as median lines with 5-95 % bands, one colour per arm."""
    fig, axes = plt.subplots(4, 2, figsize=(12, 13), sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ("-", "--", ":")
    days = range(traj.n_days)
    for ax, (label, names) in zip(axes.ravel(), PANELS, strict=True):
        for g, arm in enumerate(traj.group_names):
            for k, name in enumerate(names):
                lo, mid, hi = traj.quantiles(name, group=g)
                c = colours[g % len(colours)]
                ax.fill_between(days, lo, hi, color=c, alpha=0.15, linewidth=0)
                lab = f"{arm}: {name}" if len(names) > 1 or len(traj.group_names) > 1 else name
                ax.plot(days, mid, color=c, linestyle=styles[k % 3], label=lab)
        ax.set_title(label, fontsize=10)
        ax.legend(fontsize=7, loc="best")
    for ax in axes[-1]:
        ax.set_xlabel("day")
    fig.suptitle(
        f"{title}: median and 90 % band across virtual people\n"
        "gutbrain simulation for research and teaching; not medical advice",
        fontsize=11,
    )
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
