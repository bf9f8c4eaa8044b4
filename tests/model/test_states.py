"""Every state is declared once (states.STATES); the layout, the kernel's projection, the
reference state and the JIT cache key all derive from the declarations and agree with them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gutbrain.model import _jit_cache, kernel
from gutbrain.model.exposures import E
from gutbrain.model.parameters import PARAMETER_TABLE, Parameters
from gutbrain.model.simulate import reference_state
from gutbrain.model.states import (
    FIRST_GUILD,
    FIRST_TRANSIT,
    GUILDS,
    LAST_TRANSIT,
    N_GUILDS,
    N_RESIDENT_GUILDS,
    N_STATES,
    N_TRANSIT,
    RESIDENT_GUILDS,
    STATE_INFO,
    STATES,
    Projection,
    S,
)


def test_layout_follows_the_declarations() -> None:
    assert N_STATES == len(STATES) == len(S) == len(STATE_INFO)
    for k, state in enumerate(STATES):
        assert S[state.name] == k
        assert S[state.name].state is state
        assert STATE_INFO[state.name] is state
        assert state.unit and state.description, state.name
        assert state.lower <= state.upper, state.name
    assert GUILDS == tuple(s.name for s in STATES if s.projection is Projection.SIMPLEX)
    assert [S[g] for g in GUILDS] == list(range(FIRST_GUILD, FIRST_GUILD + N_GUILDS))
    assert (
        RESIDENT_GUILDS
        == GUILDS[:N_RESIDENT_GUILDS]
        == tuple(g for g in GUILDS if g != "probiotic")
    )
    donors = [e.name for e in E if e.name.startswith("donor_") and e is not E.donor_diversity]
    assert donors == [f"donor_{g}" for g in RESIDENT_GUILDS]
    assert LAST_TRANSIT - FIRST_TRANSIT + 1 == N_TRANSIT
    assert S[f"probiotic_response_{N_TRANSIT}"] == LAST_TRANSIT


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_reference_lies_in_the_bounds(state) -> None:
    if isinstance(state.reference, str):
        spec = PARAMETER_TABLE[state.reference]
        low, high = spec.low, spec.high
        if spec.name.startswith("ref_"):  # a share of the composition, renormalised
            low, high = 0.0, 1.0
    else:
        low = high = state.reference
    assert state.lower <= low and high <= state.upper


def test_reference_state_is_the_declared_one() -> None:
    params = Parameters.default(2)
    y = reference_state(params)
    assert y.shape == (2, N_STATES)
    for state in STATES:
        want = (
            params[state.reference]
            if isinstance(state.reference, str)
            else np.full(2, state.reference)
        )
        np.testing.assert_array_equal(y[:, S[state.name]], want, err_msg=state.name)


def test_projection_keeps_every_projected_state_in_its_bounds() -> None:
    """The kernel's projection (run as plain Python) brings every state declared as projected
    back inside its bounds, puts the guilds on the simplex and leaves the others alone."""
    rng = np.random.default_rng(0)
    y = rng.normal(0.0, 3.0, N_STATES)
    y[FIRST_GUILD] = 0.5  # the guilds need a positive total
    before = y.copy()
    kernel._project.py_func(y)
    for k, state in enumerate(STATES):
        if state.projection is Projection.NONE:
            assert y[k] == before[k], state.name
        else:
            assert state.lower <= y[k] <= state.upper, state.name
    assert math.isclose(y[FIRST_GUILD : FIRST_GUILD + N_GUILDS].sum(), 1.0)


def test_jit_cache_key_covers_the_kernels_imports_and_data() -> None:
    model = _jit_cache._PACKAGE / "model"
    found = set(_jit_cache.depends())
    for name in (
        "_jit_cache.py",
        "derived.py",
        "dynamics.py",
        "exposures.py",
        "kernel.py",
        "parameters.py",
        "scheme.py",
        "states.py",
        "data/parameters.csv",
    ):
        assert model / name in found, name
    # modules the kernel does not import do not invalidate its cache
    assert model / "simulate.py" not in found
    assert model / "scenario.py" not in found
