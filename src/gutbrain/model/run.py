"""Run a scenario for a population: the model side of ``gutbrain simulate`` (the files are
written by :mod:`gutbrain.report.simulate_output`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gutbrain.errors import ScenarioError
from gutbrain.model.parameters import draw_ensemble
from gutbrain.model.person import cohort
from gutbrain.model.scenario import Scenario
from gutbrain.model.simulate import WARMUP_DAYS, noisy_steady_state, simulate
from gutbrain.model.trajectory import Trajectory

__all__ = ["WARMUP_DAYS", "run_scenario"]


def run_scenario(
    scenario: Scenario,
    people: int,
    seed: int,
    *,
    noise: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Simulate every arm of ``scenario`` for the same ``people`` virtual people.

    People differ by parameters drawn within the declared ranges (PERT around the table
    values, :func:`draw_ensemble`) and, with ``noise``, by daily-life noise and life events.
    Each person lives the same noisy life in every arm (common random numbers). With noise,
    each person first lives ``WARMUP_DAYS`` days of baseline life with its own
    noise, so day 0 starts from the noisy steady state rather than the deterministic one (life
    events only add stressors, so the two differ and both arms would otherwise drift).
    """
    if people < 1:
        raise ScenarioError(f"--people must be at least 1, got {people}")
    rng = np.random.default_rng(seed)
    ens = draw_ensemble(rng, people) if people > 1 else None
    c = cohort(
        scenario.archetype,
        n=people,
        parameters=scenario.parameters,
        baseline=scenario.baseline,
        params=ens,
        where=f"{scenario.source}: [person.parameters]",
    )
    y_start = c.y0
    if noise:
        y_start = noisy_steady_state(
            c.params, c.schedule(1), c.y0, np.random.default_rng([seed, 2])
        )
    n_arms = len(scenario.arms)
    params = c.params.take(np.tile(np.arange(people), n_arms))
    y0 = np.tile(y_start, (n_arms, 1))
    group = np.repeat(np.arange(n_arms), people)
    # Common random numbers: each person lives the same noisy life (daily noise and life
    # events) in every arm, so arm differences are the interventions' effects alone.
    noise_rng = None
    if noise:
        lives = np.random.SeedSequence([seed, 1]).spawn(people)
        noise_rng = [np.random.default_rng(lives[i]) for _ in range(n_arms) for i in range(people)]
    return simulate(
        params,
        [s for _, s in scenario.arms],
        group=group,
        group_names=scenario.arm_names,
        y0=y0,
        rng=noise_rng,
        progress=progress,
    )
