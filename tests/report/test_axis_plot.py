"""The axis figure: day 0 is the first intervention day, small multiples for three or more arms,
and the demo's title gives the trial's real people per arm."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from matplotlib.collections import PolyCollection

from gutbrain.report.axis_plot import PANELS, axis_figure
from gutbrain.report.demo_report import axis_title
from gutbrain.trials.demo import DemoResult
from gutbrain.trials.output import TrialRun


class _Bands:
    """Made-up bands: each arm's quantiles are lines of its own level."""

    def __init__(self, arms: tuple[str, ...], n_days: int = 10) -> None:
        self.group_names = arms
        self.n_days = n_days

    def quantiles(self, name, q=(0.05, 0.5, 0.95), group=None):
        level = float(group or 0)
        return np.array([np.full(self.n_days, level + d) for d in (-0.1, 0.0, 0.1)])


def test_day_zero_is_the_first_intervention_day() -> None:
    fig = axis_figure(_Bands(("probiotic", "placebo"), n_days=30), "t", day0=14)
    ax = fig.axes[-1]
    assert ax.lines[0].get_xdata()[0] == -14 and ax.lines[0].get_xdata()[-1] == 15
    assert ax.get_xlabel() == "day (0 = first intervention day)"
    # a scenario without run-in keeps its own day numbers
    assert axis_figure(_Bands(("a",)), "t").axes[-1].lines[0].get_xdata()[0] == 0


def test_three_arms_get_one_column_each() -> None:
    arms = ("placebo", "low dose", "high dose")
    fig = axis_figure(_Bands(arms), "t")
    assert len(fig.axes) == len(PANELS) * len(arms)
    for r, (label, names) in enumerate(PANELS):
        row = fig.axes[r * len(arms) : (r + 1) * len(arms)]
        for arm, ax in zip(arms, row, strict=True):
            assert ax.get_title() == f"{arm}: {label}"
            # one band per quantity: no arm's band drawn over another's
            bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
            assert len(bands) == len(names)
        legend = row[0].get_legend()
        assert [t.get_text() for t in legend.get_texts()] == list(names)
        assert all(ax.get_legend() is None for ax in row[1:])
        assert len({ax.get_ylim() for ax in row}) == 1  # one scale per row


def test_demo_title_gives_the_real_people_per_arm() -> None:
    run = TrialRun(Path("x"), "JS2025", 1, {}, arms={"probiotic": 45, "placebo": 43})
    axis = SimpleNamespace(group=np.arange(200) % 2, group_names=("probiotic", "placebo"))
    title = axis_title(DemoResult(run, None, axis))  # type: ignore[arg-type]
    assert "trial: probiotic 45, placebo 43" in title
    assert "virtual people probiotic 100, placebo 100" in title
    assert "100 people per arm" not in title
