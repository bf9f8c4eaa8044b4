"""Every state is declared once (states.STATES); the layout, the kernel's projection, the
reference state and the JIT cache key all derive from the declarations and agree with them."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

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


def _module_file(module: str) -> Path | None:
    """The source file of a gutbrain module, or None for another package's module."""
    parts = module.split(".")
    if parts[0] != "gutbrain":
        return None
    base = _jit_cache._PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(tree: ast.Module) -> set[str]:
    """Every absolute module an import statement names, submodules of ``from x import y``
    included (a name that is no module resolves to no file and drops out)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _kernel_closure() -> list[str]:
    """The files the compiled kernel depends on, found from the sources: the gutbrain modules
    in the import closure of ``kernel.py`` and the ``"data/..."`` files they name."""
    seen: set[Path] = set()
    data: set[Path] = set()
    todo = [Path(kernel.__file__)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_bytes())
        for module in _imported_modules(tree):
            found = _module_file(module)
            if found is not None and found.name != "__init__.py":
                todo.append(found)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"data/[\w.-]+", node.value):
                    data.add(path.parent / node.value)
    return sorted(p.relative_to(_jit_cache._PACKAGE).as_posix() for p in seen | data)


def test_jit_cache_key_covers_the_kernels_imports_and_data() -> None:
    """The cache key hashes exactly the files the kernel imports or reads: a module or data
    file added to the kernel's closure must be added to _jit_cache.DEPENDS too."""
    closure = _kernel_closure()
    for name in ("model/kernel.py", "model/dynamics.py", "model/data/parameters.csv"):
        assert name in closure, name  # the walk finds imports and data files
    assert "model/simulate.py" not in closure
    assert list(_jit_cache.DEPENDS) == closure, "update gutbrain.model._jit_cache.DEPENDS"
