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
