"""Build people from archetypes: parameters, baseline exposures and spun-up initial states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gutbrain.model.catalogues import archetypes, lookup
from gutbrain.model.parameters import Parameters
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import initial_state

__all__ = ["Cohort", "cohort", "cohort_parameters"]


@dataclass(frozen=True)
class Cohort:
    """People ready to simulate: parameters, their baseline exposures and initial states."""

    params: Parameters
    baseline: dict[str, float]
    y0: np.ndarray

    def schedule(self, days: int) -> Schedule:
        """A schedule of ``days`` days at this cohort's baseline exposures."""
        return Schedule.constant(days, **self.baseline)


def cohort(
    archetype: str = "healthy",
    n: int = 1,
    parameters: dict[str, Any] | None = None,
    baseline: dict[str, float] | None = None,
    params: Parameters | None = None,
    where: str = "person",
) -> Cohort:
    """``n`` people of an archetype, with optional parameter and baseline overrides.

    ``params`` (e.g. an ensemble from :func:`draw_ensemble`) replaces the reference values
    before the archetype's and the caller's overrides are applied.
    """
    a = lookup(archetypes(), archetype, "archetype", where)
    p = cohort_parameters(archetype, n, parameters, params, where)
    bl = {**a.baseline, **(baseline or {})}
    y0 = initial_state(p, Schedule.constant(1, where, **bl), a.initial)
    return Cohort(p, bl, y0)


def cohort_parameters(
    archetype: str = "healthy",
    n: int = 1,
    parameters: dict[str, Any] | None = None,
    params: Parameters | None = None,
    where: str = "person",
) -> Parameters:
    """The parameters of :func:`cohort`'s people, without their spin-up."""
    a = lookup(archetypes(), archetype, "archetype", where)
    base = params if params is not None else Parameters.default(n)
    return base.replace(where, **{**a.parameters, **(parameters or {})})
