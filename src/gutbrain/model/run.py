"""Run a scenario for a population, chunk by chunk: the model side of ``gutbrain simulate`` (the
files are written by :mod:`gutbrain.report.simulate_output`).

A run is split into *units*: one arm for one chunk of consecutive people, in arm-major order
(every chunk of the first arm, then of the next), the row order of the whole table. Each
chunk's people are set up once (spin-up and noisy warm-up, :func:`chunk_start`) and then live
every arm from that state. Every random draw comes from a stream fixed by the seed and the
person alone, so units computed in any chunking, order or process give the same trajectories:

- the parameter ensemble is drawn once for everybody from ``default_rng(seed)``;
- person ``i``'s noisy warm-up draws from ``SeedSequence([seed, 2], spawn_key=(i,))``;
- person ``i``'s daily life in every arm draws from ``SeedSequence([seed, 1], spawn_key=(i,))``
  (common random numbers: arm differences are the interventions' effects alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gutbrain._runner import run_ordered
from gutbrain.errors import ScenarioError
from gutbrain.model.parameters import Parameters, draw_ensemble
from gutbrain.model.person import cohort, cohort_parameters
from gutbrain.model.scenario import Scenario
from gutbrain.model.simulate import WARMUP_DAYS, noisy_steady_state, simulate
from gutbrain.model.trajectory import Trajectory

__all__ = [
    "CHUNK_PERSON_DAYS",
    "WARMUP_DAYS",
    "ScenarioPlan",
    "chunk_start",
    "iter_units",
    "plan_scenario",
    "run_scenario",
    "run_unit",
]

#: Person-days simulated per unit by default: about 150-250 MB of working memory.
CHUNK_PERSON_DAYS = 100_000
_STREAM_LIFE = 1
_STREAM_WARMUP = 2


@dataclass(frozen=True)
class ScenarioPlan:
    """Everything fixed before the units run: the scenario, the people's parameter draws and
    the chunk bounds (``bounds[c]`` = first and one-past-last person of chunk ``c``)."""

    scenario: Scenario
    people: int
    seed: int
    noise: bool
    ensemble: Parameters | None
    bounds: tuple[tuple[int, int], ...]

    @property
    def n_units(self) -> int:
        return len(self.scenario.arms) * len(self.bounds)

    @property
    def n_steps(self) -> int:
        """Progress steps: each chunk's set-up, then each unit."""
        return len(self.bounds) + self.n_units

    def units(self) -> list[tuple[int, int]]:
        """(arm, chunk) of every unit, in output order."""
        return [(a, c) for a in range(len(self.scenario.arms)) for c in range(len(self.bounds))]


def plan_scenario(
    scenario: Scenario,
    people: int,
    seed: int,
    *,
    noise: bool = True,
    chunk_people: int | None = None,
    member: Parameters | None = None,
) -> ScenarioPlan:
    """Draw the people's parameters and split them into chunks of ``chunk_people`` (default:
    :data:`CHUNK_PERSON_DAYS` person-days per unit). Results do not depend on the chunking.

    ``member`` (one person's parameters, an ensemble member's,
    :meth:`gutbrain.model.ensemble.Ensemble.parameters`) replaces the table values as the
    reference person's: people are drawn around it, with the same random numbers."""
    if people < 1:
        raise ScenarioError(f"--people must be at least 1, got {people}")
    size = max(1, CHUNK_PERSON_DAYS // scenario.days) if chunk_people is None else chunk_people
    if size < 1:
        raise ScenarioError(f"chunk_people must be at least 1, got {size}")
    ens = draw_ensemble(np.random.default_rng(seed), people, base=member) if people > 1 else member
    bounds = tuple((lo, min(lo + size, people)) for lo in range(0, people, size))
    return ScenarioPlan(scenario, people, seed, noise, ens, bounds)


def _streams(seed: int, stream: int, lo: int, hi: int) -> list[np.random.Generator]:
    return [
        np.random.default_rng(np.random.SeedSequence([seed, stream], spawn_key=(i,)))
        for i in range(lo, hi)
    ]


def _people(plan: ScenarioPlan, chunk: int) -> dict[str, Any]:
    """Chunk ``chunk``'s people as :func:`cohort` arguments."""
    s = plan.scenario
    lo, hi = plan.bounds[chunk]
    return {
        "archetype": s.archetype,
        "n": hi - lo,
        "parameters": s.parameters,
        "params": None if plan.ensemble is None else plan.ensemble.take(slice(lo, hi)),
        "where": f"{s.source}: [person.parameters]",
    }


def chunk_start(plan: ScenarioPlan, chunk: int) -> np.ndarray:
    """Chunk ``chunk``'s people's state on day 0, shape (people, N_STATES).

    People differ by parameters drawn within the declared ranges (PERT around the table values,
    :func:`draw_ensemble`) and, with noise, by daily-life noise and life events. With noise,
    each person first lives ``WARMUP_DAYS`` days of baseline life with its own noise, so day 0
    starts from the noisy steady state rather than the deterministic one (life events only add
    stressors, so the two differ and both arms would otherwise drift).
    """
    c = cohort(baseline=plan.scenario.baseline, **_people(plan, chunk))
    if not plan.noise:
        return c.y0
    lo, hi = plan.bounds[chunk]
    warm = _streams(plan.seed, _STREAM_WARMUP, lo, hi)
    return noisy_steady_state(c.params, c.schedule(1), c.y0, warm)


def run_unit(plan: ScenarioPlan, arm: int, chunk: int, start: np.ndarray) -> Trajectory:
    """Chunk ``chunk``'s people living arm ``arm`` from their day-0 state ``start``
    (:func:`chunk_start`)."""
    lo, hi = plan.bounds[chunk]
    name, schedule = plan.scenario.arms[arm]
    rng = _streams(plan.seed, _STREAM_LIFE, lo, hi) if plan.noise else None
    # A state sent between Dask processes arrives read-only, which the compiled kernel would
    # take for a new signature (and compile anew): give it a writable copy.
    y0 = np.require(start, requirements=["C", "W"])
    params = cohort_parameters(**_people(plan, chunk))
    return simulate(params, schedule, group_names=(name,), y0=y0, rng=rng)


def _unit(plan: ScenarioPlan, work: tuple[int, int, np.ndarray]) -> Trajectory:
    return run_unit(plan, *work)


def iter_units(
    plan: ScenarioPlan,
    *,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Trajectory]:
    """Each unit's trajectory in output order (:meth:`ScenarioPlan.units`).

    Every chunk is set up first (:func:`chunk_start`, ``progress`` called after each with
    (chunks done, :attr:`ScenarioPlan.n_steps`)); their day-0 states (248 bytes a person) are
    kept while the units run. ``scheduler`` (``None``, a ``dask.distributed.Client`` or an
    address) runs both steps on a Dask cluster, with the same results
    (:func:`gutbrain._runner.run_ordered`).
    """
    chunks = range(len(plan.bounds))
    starts = []
    for start in run_ordered(chunk_start, plan, chunks, scheduler=scheduler):
        starts.append(start)
        if progress is not None:
            progress(len(starts), plan.n_steps)
    work = [(arm, chunk, starts[chunk]) for arm, chunk in plan.units()]
    yield from run_ordered(_unit, plan, work, scheduler=scheduler)


def run_scenario(
    scenario: Scenario,
    people: int,
    seed: int,
    *,
    noise: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Simulate every arm of ``scenario`` for the same ``people`` virtual people, in memory.

    The trajectory holds every person, arm and day: the ``people`` live the first arm, then the
    same people the second arm, and so on; :attr:`Trajectory.participant` gives each person one
    id ``0 .. people - 1`` in every arm, so arms join on it. For runs
    too large for memory, write them chunk by chunk with
    :func:`gutbrain.report.simulate_output.simulate_scenario`.
    """
    plan = plan_scenario(scenario, people, seed, noise=noise)
    parts = []
    for traj in iter_units(plan, progress=progress):
        parts.append(traj)
        if progress is not None:
            progress(len(plan.bounds) + len(parts), plan.n_steps)
    return Trajectory(
        np.concatenate([t.states for t in parts]),
        np.concatenate([t.aux for t in parts]),
        np.stack([s.values for _, s in scenario.arms]),
        np.repeat(np.arange(len(scenario.arms)), people),
        Parameters(np.concatenate([t.params.values for t in parts])),
        scenario.arm_names,
        np.tile(np.arange(people), len(scenario.arms)),
    )
