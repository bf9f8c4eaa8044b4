"""The flagship demo: the JS2025 design in silico, its bundle, a weekly comparison and the mean
axis trajectories per arm (plotted and summarised by :mod:`gutbrain.report.demo_report`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain._outdir import claim_dir
from gutbrain.io import read_bundle
from gutbrain.model.trajectory import Trajectory
from gutbrain.trials.design import load_design
from gutbrain.trials.output import TrialRun, demo_design_path, write_trial
from gutbrain.trials.run import ProgressFn

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """The demo's bundle, its weekly arm comparison of daily negative affect, and noise-free
    axis trajectories of 100 people per arm (for the figure)."""

    run: TrialRun
    weekly: pd.DataFrame
    axis: Trajectory

    def summary(self) -> pd.DataFrame:
        return self.weekly

    def to_dict(self) -> dict[str, Any]:
        return {**self.run.to_dict(), "weekly": self.weekly.to_dict(orient="records")}

    def __repr__(self) -> str:
        return f"DemoResult(out={str(self.run.out)!r})"


def _weekly(bundle_dir: Path) -> pd.DataFrame:
    b = read_bundle(bundle_dir)
    arm = b.participants.set_index("participant")["arm"]
    d = b.diary[b.diary["day"] >= 0].assign(week=lambda x: x["day"] // 7 + 1)
    m = d.groupby(["week", "participant"])["negative_affect"].mean().reset_index()
    m["arm"] = arm.loc[m["participant"]].to_numpy()
    rows = []
    for week, g in m.groupby("week"):
        a = g.loc[g["arm"] == "probiotic", "negative_affect"].dropna()
        p = g.loc[g["arm"] == "placebo", "negative_affect"].dropna()
        t = stats.ttest_ind(a, p, equal_var=False)
        rows.append(
            {"week": int(str(week)), "difference": a.mean() - p.mean(), "p": float(t.pvalue)}
        )
    return pd.DataFrame(rows)


def run_demo(
    out: str | Path,
    seed: int = 2025,
    progress: ProgressFn | None = None,
    *,
    overwrite: bool = False,
) -> DemoResult:
    """Run the JS2025 design, write ``<out>/bundle``, compare weeks, simulate the mean axis.

    ``out`` is new or empty, or with ``overwrite`` an earlier demo's folder
    (:func:`gutbrain._outdir.check_out`)."""
    from gutbrain.model.simulate import simulate
    from gutbrain.population.cohorts import sample_population
    from gutbrain.trials.conduct import build_schedule

    root = claim_dir(Path(out), "demo", overwrite=overwrite)
    design = load_design(demo_design_path())
    run = write_trial(design, root / "bundle", seed, overwrite=True, progress=progress)
    # Mean trajectories of 100 people per arm (no daily noise) for the axis figure.
    pop = sample_population(design.cohort, 200, [seed, 9])
    scheds = [build_schedule(design, t.label, pop.baseline) for t in design.treatments]
    traj = simulate(
        pop.params,
        scheds,
        group=np.arange(200) % 2,
        group_names=list(design.labels),
        y0=pop.y0,
    )
    return DemoResult(run, _weekly(run.out), traj)
