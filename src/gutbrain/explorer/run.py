"""Run an explorer request on the real model and summarise it for the page's plots.

One person (``people = 1``) is the archetype's reference person without noise: one
deterministic trajectory per arm. A cohort (``people > 1``) is drawn around it with daily noise
and life events (:func:`gutbrain.model.run.run_scenario`); each arm is then summarised per day by
the median and the 5 % and 95 % quantiles across people. Both arms are lived by the same people,
so the difference between them is the timeline's effect alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gutbrain.explorer.evidence import QUANTITIES
from gutbrain.explorer.request import ARMS, ExplorerRequest
from gutbrain.model.run import run_scenario
from gutbrain.model.scenario import parse_scenario

__all__ = ["BAND", "run_request"]

#: The quantiles of a cohort's band (and its median).
BAND = (0.05, 0.5, 0.95)


def _rounded(a: np.ndarray) -> list[float]:
    """Six significant digits: what a plot shows, at a fraction of the JSON size."""
    return [float(f"{v:.6g}") for v in a]


def run_request(req: ExplorerRequest) -> dict[str, Any]:
    """Simulate ``req`` and return the page's data.

    Returns
    -------
    dict
        ``days``, ``people``, ``arms`` (:data:`~gutbrain.explorer.request.ARMS`) and ``series``:
        per quantity its ``label``, ``unit``, ``panel`` and per arm ``median`` (the trajectory
        for one person) plus, for a cohort, ``low`` and ``high`` (the 5 % and 95 % quantiles).

    Raises
    ------
    gutbrain.errors.ScenarioError
        When the model refuses the timeline (e.g. an exposure out of its range).
    """
    scenario = parse_scenario(req.scenario(), "explorer request")
    traj = run_scenario(scenario, req.people, req.seed, noise=req.people > 1)
    series: dict[str, Any] = {}
    for q in QUANTITIES:
        values = traj[q.key]
        arms = {}
        for i, arm in enumerate(ARMS):
            x = values[traj.group == i]
            if req.people == 1:
                arms[arm] = {"median": _rounded(x[0])}
            else:
                lo, mid, hi = np.quantile(x, BAND, axis=0)
                arms[arm] = {"median": _rounded(mid), "low": _rounded(lo), "high": _rounded(hi)}
        series[q.key] = {"label": q.label, "unit": q.unit, "panel": q.panel, "arms": arms}
    return {"days": req.days, "people": req.people, "arms": list(ARMS), "series": series}
