"""Run an explorer request on the real model and summarise it for the page's plots.

One person (``people = 1``) is the archetype's reference person without noise: one
deterministic trajectory per arm. A cohort (``people > 1``) is drawn around it with daily noise
and life events (:func:`gutbrain.model.run.run_scenario`). An ensemble (``ensemble = N``) is the
reference person under ``N`` parameter sets, each run without noise: the packaged calibrated
posterior's first ``N`` members once one is shipped, until then ``N`` prior draws across the
declared ranges (:func:`gutbrain.model.ensemble.resolve_ensemble`; the answer's
``ensemble_label`` says which). A cohort or an
ensemble is summarised per day by the median and the 5 % and 95 % quantiles. Both arms are lived
by the same people (or members), so the difference between them is the timeline's effect alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gutbrain.explorer.evidence import QUANTITIES
from gutbrain.explorer.request import ARMS, ExplorerRequest
from gutbrain.model.ensemble import resolve_ensemble
from gutbrain.model.parameters import Parameters
from gutbrain.model.person import cohort
from gutbrain.model.run import run_scenario
from gutbrain.model.scenario import Scenario, parse_scenario
from gutbrain.model.simulate import simulate
from gutbrain.model.trajectory import Trajectory

__all__ = ["BAND", "run_request"]

#: The quantiles of a cohort's band (and its median).
BAND = (0.05, 0.5, 0.95)


def _rounded(a: np.ndarray) -> list[float]:
    """Six significant digits: what a plot shows, at a fraction of the JSON size."""
    return [float(f"{v:.6g}") for v in a]


def _ensemble(scenario: Scenario, n: int, seed: int) -> tuple[str, list[Trajectory]]:
    """The ensemble's label, and each arm lived by the reference person under its members."""
    ens = resolve_ensemble(n, seed=seed)
    sets = Parameters(np.concatenate([ens.parameters(i).values for i in range(n)]))
    people = cohort(scenario.archetype, n, params=sets, baseline=scenario.baseline)
    return ens.label, [simulate(people.params, s, y0=people.y0) for _, s in scenario.arms]


def run_request(req: ExplorerRequest) -> dict[str, Any]:
    """Simulate ``req`` and return the page's data.

    Returns
    -------
    dict
        ``days``, ``people``, ``ensemble``, ``ensemble_label``, ``arms``
        (:data:`~gutbrain.explorer.request.ARMS`) and ``series``: per quantity its ``label``,
        ``unit``, ``panel`` and per arm ``median`` (the trajectory for one person) plus, for a
        cohort or an ensemble, ``low`` and ``high`` (the 5 % and 95 % quantiles).

    Raises
    ------
    gutbrain.errors.GutbrainError
        When the model refuses the timeline (e.g. an exposure out of its range) or the
        ensemble (a posterior with fewer members than asked for).
    """
    scenario = parse_scenario(req.scenario(), "explorer request")
    label = ""
    if req.ensemble:
        label, members = _ensemble(scenario, req.ensemble, req.seed)

        def by_arm(name: str) -> list[np.ndarray]:
            return [t[name] for t in members]
    else:
        traj = run_scenario(scenario, req.people, req.seed, noise=req.people > 1)

        def by_arm(name: str) -> list[np.ndarray]:
            values = traj[name]
            return [values[traj.group == i] for i in range(len(ARMS))]

    series: dict[str, Any] = {}
    for q in QUANTITIES:
        arms = {}
        for arm, x in zip(ARMS, by_arm(q.key), strict=True):
            if len(x) == 1:
                arms[arm] = {"median": _rounded(x[0])}
            else:
                lo, mid, hi = np.quantile(x, BAND, axis=0)
                arms[arm] = {"median": _rounded(mid), "low": _rounded(lo), "high": _rounded(hi)}
        series[q.key] = {"label": q.label, "unit": q.unit, "panel": q.panel, "arms": arms}
    return {
        "days": req.days,
        "people": req.people,
        "ensemble": req.ensemble,
        "ensemble_label": label,
        "arms": list(ARMS),
        "series": series,
    }
