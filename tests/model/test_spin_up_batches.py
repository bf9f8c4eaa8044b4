"""initial_state spins people up in batches: the result must not depend on the batching."""

from __future__ import annotations

import numpy as np

from gutbrain.model import simulate as sim
from gutbrain.model.parameters import draw_ensemble
from gutbrain.model.schedule import Schedule


def test_spin_up_does_not_depend_on_batching() -> None:
    n = sim._SPIN_UP_BATCH + 3  # one full batch and a partial one
    params = draw_ensemble(np.random.default_rng(4), n)
    base = Schedule.constant(1)
    together = sim.initial_state(params, base, spin_up_days=60)
    alone = sim.initial_state(params.take(np.arange(n - 2, n)), base, spin_up_days=60)
    np.testing.assert_array_equal(together[n - 2 :], alone)
    assert not np.array_equal(together[0], together[1])


def test_noisy_warm_up_is_the_last_day_of_the_simulated_run() -> None:
    """The warm-up keeps only its last day, in batches: the same numbers as simulating the
    whole ``WARMUP_DAYS + 1`` days and taking the last (how it was computed before)."""
    n = sim._SPIN_UP_BATCH + 3
    params = draw_ensemble(np.random.default_rng(5), n)
    base = Schedule.constant(1)
    y0 = sim.initial_state(params, base, spin_up_days=30)
    days = Schedule(np.repeat(base.values[:1], sim.WARMUP_DAYS + 1, axis=0))
    whole = sim.simulate(params, days, y0=y0, rng=np.random.default_rng(8)).states[:, -1]
    warm = sim.noisy_steady_state(params, base, y0, np.random.default_rng(8))
    np.testing.assert_array_equal(warm, whole)


def test_life_events_add_up_as_if_added_one_at_a_time() -> None:
    """Overlapping events are summed in the order drawn, exactly as one slice at a time."""
    from gutbrain.model.parameters import P

    n, days = 6, 40
    pv = draw_ensemble(np.random.default_rng(6), n).values.copy()
    pv[:, P.life_event_rate] = 0.4  # many overlapping events
    pv[:, P.life_event_days] = np.arange(n) + 1.5  # rounds to 2, 2, 4, 4, 6, 6 days
    extra, _ = sim._person_randomness(
        np.random.default_rng(1).spawn(n), pv, days, 2, life_events=True, noise=True
    )
    want = np.zeros((n, days))
    overlap = np.zeros((n, days), dtype=int)
    for i, g in enumerate(np.random.default_rng(1).spawn(n)):
        dur = max(round(pv[i, P.life_event_days]), 1)
        k = g.poisson(pv[i, P.life_event_rate] * (days + dur - 1))
        starts = g.integers(1 - dur, days, size=k)
        for s0, size in zip(starts, g.exponential(pv[i, P.life_event_size], size=k), strict=True):
            want[i, max(s0, 0) : s0 + dur] += size
            overlap[i, max(s0, 0) : s0 + dur] += 1
    np.testing.assert_array_equal(extra, want)
    assert (overlap >= 3).any()  # the order of the sums matters somewhere
