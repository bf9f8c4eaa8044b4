"""The flagship demo end to end: the JS2025 trial in silico, then its analysis report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gutbrain.analysis.format import format_p
from gutbrain.report.analyze_report import run_analyze
from gutbrain.report.axis_plot import plot_axis
from gutbrain.trials.demo import DemoResult, run_demo
from gutbrain.trials.design import load_design
from gutbrain.trials.output import demo_design_path
from gutbrain.trials.run import ProgressFn

__all__ = ["FullDemo", "axis_title", "run_full_demo"]


@dataclass(frozen=True)
class FullDemo:
    """The demo trial, its axis figure and where its analysis report was written."""

    trial: DemoResult
    axis_plot: Path
    report_dir: Path

    def lines(self) -> list[str]:
        """A few lines for the terminal: the bundle, the weekly NA differences, the outputs."""
        r = self.trial.run
        weekly = self.trial.weekly
        return [
            f"{r.name}: {r.arms} ({r.completed} completed), bundle -> {r.out}",
            *(
                f"  week {row.week}: daily NA probiotic - placebo = {row.difference:+.2f} "
                f"points ({format_p(p, label='Welch p')})"
                for row, p in zip(weekly.itertuples(), weekly["p"].to_numpy(float), strict=True)
            ),
            "  (each person's weekly mean compared by Welch's t-test, unadjusted; the report's "
            "mixed-model differences use every daily rating and so differ a little)",
            f"axis plot -> {self.axis_plot}",
            f"analysis -> {self.report_dir / 'report.html'}",
        ]


def axis_title(trial: DemoResult) -> str:
    """The figure's title: the trial's people per arm, and the noise-free virtual people per
    arm whose bands it draws."""
    axis = trial.axis
    real = ", ".join(f"{arm} {n}" for arm, n in trial.run.arms.items())
    per_arm = np.bincount(axis.group, minlength=len(axis.group_names))
    drawn = ", ".join(f"{arm} {n}" for arm, n in zip(axis.group_names, per_arm, strict=True))
    return f"{trial.run.name} (trial: {real}; axis: noise-free virtual people {drawn})"


def run_full_demo(
    out: str | Path,
    seed: int = 2025,
    progress: ProgressFn | None = None,
    *,
    overwrite: bool = False,
) -> FullDemo:
    """Run the JS2025 design into ``<out>/bundle``, plot ``<out>/axis.png`` and analyse the
    bundle into ``<out>/analysis``; ``out`` as for :func:`gutbrain.trials.demo.run_demo`."""
    trial = run_demo(out, seed=seed, progress=progress, overwrite=overwrite)
    png = plot_axis(
        trial.axis,
        Path(out) / "axis.png",
        title=axis_title(trial),
        day0=load_design(demo_design_path()).run_in_days,
    )
    report = Path(out) / "analysis"
    run_analyze(Path(out) / "bundle", report, overwrite=True)  # out is the demo's own folder
    return FullDemo(trial, Path(png), report)
