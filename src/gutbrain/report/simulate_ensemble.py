"""``gutbrain simulate --ensemble N``: a scenario under every member of a parameter ensemble,
with parameter and sampling uncertainty reported separately.

Each member runs the scenario for the same ``people`` (the same seed: the same random numbers,
so members differ by their parameters alone) and is summarised per arm, day and quantity
(:class:`gutbrain.model.summary.DailySummary`). Files:

- ``members.parquet``: per member, arm, day and quantity, the member's mean across its people
  (its expected outcome), SD and quantiles across people;
- ``ensemble_summary.parquet``: per arm, day and quantity, **parameter uncertainty**
  (``param_q05 ... param_q95``: quantiles across members of the members' means), **sampling
  uncertainty** (``within_q05 ... within_q95``: the median across members of each member's
  quantiles across its people) and ``mean_se``, the largest standard error of a member's mean
  (how far sampling noise moves a member's expected outcome);
- ``axis.png``: the parameter bands (median, 50 % and 90 % across members);
  ``axis_people.png``: the sampling bands (median member's spread across people);
- ``manifest.json``: the ensemble's source and members, seed, people and files.

Members run one after another or in parallel on Dask (:func:`gutbrain._runner.run_ordered`),
with the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain._outdir import atomic_dir, check_out
from gutbrain._runner import run_ordered
from gutbrain.model.ensemble import Ensemble, bands
from gutbrain.model.run import iter_units, plan_scenario
from gutbrain.model.scenario import Scenario, load_scenario
from gutbrain.model.summary import QUANTILES, DailySummary
from gutbrain.report.axis_plot import plot_axis
from gutbrain.report.simulate_output import _PLOTTED, run_manifest

__all__ = ["EnsembleBands", "simulate_ensemble"]

_KEYS = ["arm", "day", "quantity"]


@dataclass(frozen=True)
class _Job:
    scenario: Scenario
    people: int
    seed: int
    noise: bool
    ensemble: Ensemble


def _member_frame(job: _Job, i: int) -> pd.DataFrame:
    """Member ``i``'s per arm, day and quantity mean, SD and quantiles across its people."""
    s = job.scenario
    plan = plan_scenario(
        s, job.people, job.seed, noise=job.noise, member=job.ensemble.parameters(i)
    )
    acc = DailySummary(_PLOTTED, s.arm_names, s.days)
    for (arm, _), traj in zip(plan.units(), iter_units(plan), strict=True):
        acc.add(traj, arm)
    frame = acc.to_frame()
    frame.insert(0, "member", job.ensemble.members[i])
    return frame


class EnsembleBands:
    """Bands read from ``ensemble_summary`` columns ``{prefix}q05 ... {prefix}q95``: what
    :func:`gutbrain.report.axis_plot.axis_figure` draws."""

    def __init__(self, summary: pd.DataFrame, arms: tuple[str, ...], days: int, prefix: str):
        self.group_names = arms
        self.n_days = days
        self._summary = summary.set_index(_KEYS).sort_index()
        self._prefix = prefix

    def quantiles(
        self, name: str, q: tuple[float, ...] = (0.05, 0.5, 0.95), group: int | None = None
    ) -> np.ndarray:
        arm = self.group_names[0 if group is None else group]
        rows = self._summary.xs((arm, name), level=("arm", "quantity"))
        return np.stack([rows[f"{self._prefix}q{round(100 * p):02d}"].to_numpy() for p in q])


def ensemble_summary(members: pd.DataFrame, people: int) -> pd.DataFrame:
    """Parameter bands, sampling bands and ``mean_se`` per arm, day and quantity (see the
    module's description) from ``members.parquet``'s rows."""
    param = bands(members, _KEYS, "mean", "param_")
    cols = [f"q{round(100 * p):02d}" for p in QUANTILES]
    within = members.groupby(_KEYS, sort=False)[cols].median().add_prefix("within_")
    within = within.reset_index()
    se = (members["sd"] / np.sqrt(people)).groupby([members[k] for k in _KEYS], sort=False)
    mean_se = se.max().rename("mean_se").reset_index()
    return param.merge(within, on=_KEYS).merge(mean_se, on=_KEYS)


def simulate_ensemble(
    path: str | Path,
    out: str | Path,
    ensemble: Ensemble,
    *,
    people: int = 100,
    seed: int = 0,
    noise: bool = True,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Run a scenario file under every member of ``ensemble`` and write the files above into
    ``out`` (atomically). ``progress`` is called with (members done, members)."""
    scenario = load_scenario(path)
    out = Path(out)
    check_out(out, "simulate", overwrite=overwrite)
    job = _Job(scenario, people, seed, noise, ensemble)
    frames = []
    for frame in run_ordered(_member_frame, job, range(len(ensemble)), scheduler=scheduler):
        frames.append(frame)
        if progress is not None:
            progress(len(frames), len(ensemble))
    members = pd.concat(frames, ignore_index=True)
    summary = ensemble_summary(members, people)
    files = ["members.parquet", "ensemble_summary.parquet", "axis.png", "axis_people.png"]
    with atomic_dir(out, "simulate", overwrite=overwrite) as tmp:
        members.to_parquet(tmp / files[0], index=False)
        summary.to_parquet(tmp / files[1], index=False)
        arms, days = scenario.arm_names, scenario.days
        title = f"{scenario.name} ({len(ensemble)} members)"
        plot_axis(
            EnsembleBands(summary, arms, days, "param_"), tmp / files[2], title,
            inner=True, across="members' means (parameter uncertainty)",
        )  # fmt: skip
        plot_axis(
            EnsembleBands(summary, arms, days, "within_"), tmp / files[3], title,
            inner=True, across="people in a member (sampling; median member)",
        )  # fmt: skip
        manifest = {
            **run_manifest(path, scenario, people, seed, noise),
            "states": list(_PLOTTED),
            "ensemble": ensemble.to_dict(),
            "files": files,
            "disclaimer": "Research and teaching simulation; not medical advice.",
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
