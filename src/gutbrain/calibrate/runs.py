"""The small in-silico experiments behind the predictions, run once per parameter set.

A :class:`Runs` object holds one parameter set (``overrides`` of parameter-table values, applied
to the table defaults) and runs each experiment the first time a prediction asks for it, so
rows that share an experiment share its simulation. Deterministic experiments use the model's
archetypes (:func:`gutbrain.model.person.cohort`), one reference person each; experiments that
need a between-person spread use a small virtual cohort (:mod:`gutbrain.population`) with a
fixed seed, so the same overrides always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import numpy as np

from gutbrain.errors import ParameterError
from gutbrain.model.exposures import E
from gutbrain.model.parameters import REFERENCE_COMPOSITION, TRAITS
from gutbrain.model.person import Cohort, cohort
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import simulate
from gutbrain.model.trajectory import Trajectory
from gutbrain.population.cohorts import sample_population

__all__ = ["FIBRE_SUPPLEMENT_G", "PEOPLE", "SEED", "Runs", "check_overrides", "smd"]

#: Cohort size and seed of the experiments that need a between-person spread.
PEOPLE = 40
SEED = 18
#: Fibre supplement dose (g/day) on top of the usual diet. Assumed: SO2018's 64 trials used
#: various doses, which the targets table does not give.
FIBRE_SUPPLEMENT_G = 15.0
#: Days of the fibre comparison (assumed: SO2018's trials ran for weeks).
FIBRE_DAYS = 28
#: Parameters a parameter set may not override: the person traits set by archetypes and cohorts,
#: and the reference composition, whose shares must sum to 1 for each person.
FIXED = frozenset(TRAITS) | frozenset(REFERENCE_COMPOSITION)


def check_overrides(overrides: Mapping[str, float]) -> dict[str, float]:
    """The overrides as floats; a trait or reference share is refused (they are the cohort's)."""
    fixed = sorted(k for k in overrides if k in FIXED)
    if fixed:
        raise ParameterError(
            f"overrides: {', '.join(fixed)} are set per person by archetypes and cohorts; "
            "expected parameters other than the traits and the reference composition"
        )
    return {k: float(v) for k, v in overrides.items()}


class Runs:
    """The experiments of one parameter set, each run on first use and kept."""

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        self.overrides = check_overrides(overrides or {})
        self._people: dict[str, Cohort] = {}
        self._baseline: dict[str, Trajectory] = {}
        self._antibiotics: dict[tuple[str, int, int], tuple[Trajectory, Trajectory]] = {}
        #: Results of experiments that belong to one group of rows, by name.
        self.extra: dict[str, Any] = {}

    # -- people ---------------------------------------------------------------------------------
    def person(self, archetype: str) -> Cohort:
        """One reference person of ``archetype`` with the overrides, at steady state."""
        return self._people.setdefault(
            archetype, cohort(archetype, parameters=self.overrides, where="overrides")
        )

    def run(
        self, archetype: str, days: int, build: Callable[[Schedule], Schedule] = lambda s: s
    ) -> Trajectory:
        """Simulate the archetype's person for ``days`` days under ``build(baseline)``."""
        c = self.person(archetype)
        return simulate(c.params, build(c.schedule(days)), y0=c.y0)

    def steady(self, archetype: str, name: str) -> float:
        """An output of the archetype's person at steady state (day 0 of a constant run)."""
        return float(self.baseline_run(archetype)[name][0, 0])

    def baseline_run(self, archetype: str) -> Trajectory:
        return self._baseline.setdefault(archetype, self.run(archetype, 2))

    # -- shared experiments ---------------------------------------------------------------------
    @cached_property
    def fibre(self) -> tuple[Trajectory, Trajectory]:
        """(comparator, fibre) for a healthy virtual cohort: the usual diet, or the usual diet plus
        :data:`FIBRE_SUPPLEMENT_G` g/day of fibre for :data:`FIBRE_DAYS` days."""
        pop = sample_population("healthy_young_adults", PEOPLE, SEED, parameters=self.overrides)
        base = Schedule.constant(FIBRE_DAYS + 1, "fibre", **pop.baseline)
        fibre_g = float(base.values[0, E["fibre_g"]]) + FIBRE_SUPPLEMENT_G
        ctl = simulate(pop.params, base, y0=pop.y0, life_events=False)
        trt = simulate(pop.params, base.set("fibre_g", fibre_g), y0=pop.y0, life_events=False)
        return ctl, trt

    def antibiotic(self, kind: str, days: int, total: int) -> tuple[Trajectory, Trajectory]:
        """(control, treated) healthy person: an antibiotic ``kind`` on days 0..days-1."""
        key = (kind, days, total)
        if key not in self._antibiotics:
            self._antibiotics[key] = (
                self.run("healthy", total),
                self.run("healthy", total, lambda s: s.with_antibiotic(kind, 0, days)),
            )
        return self._antibiotics[key]


def smd(control: np.ndarray, treated: np.ndarray) -> float:
    """Cohen's d, treated minus control, with the pooled SD of the two groups."""
    pooled = np.sqrt((np.var(control, ddof=1) + np.var(treated, ddof=1)) / 2)
    return float((np.mean(treated) - np.mean(control)) / pooled) if pooled > 0 else float("nan")
