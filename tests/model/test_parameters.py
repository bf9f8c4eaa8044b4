"""Parameters(...) checks what its docstring promises, however the object is built: shape,
finite values inside their declared ranges, and the reference composition on the simplex."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gutbrain.errors import ParameterError
from gutbrain.model.parameters import (
    N_PARAMS,
    PARAMETER_TABLE,
    REFERENCE_COMPOSITION,
    P,
    Parameters,
    draw_ensemble,
)


def _values(n: int = 3) -> np.ndarray:
    return Parameters.default(n).values.copy()


def test_a_value_outside_its_range_names_parameter_person_value_and_range() -> None:
    v = _values()
    v[2, P.vulnerability] = 7.0
    spec = PARAMETER_TABLE["vulnerability"]
    want = (
        f"vulnerability = 7 for person 2 is outside its declared range "
        f"[{spec.low:g}, {spec.high:g}] {spec.unit}"
    )
    with pytest.raises(ParameterError, match=re.escape(want)):
        Parameters(v)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_value_that_is_not_finite_is_refused(bad: float) -> None:
    v = _values()
    v[1, P.k_gr] = bad
    with pytest.raises(ParameterError, match=r"k_gr = \S+ for person 1 is outside"):
        Parameters(v)


def test_a_composition_off_the_simplex_is_refused() -> None:
    v = _values()
    v[1, P.ref_pathobionts] += 0.1
    with pytest.raises(ParameterError, match=r"composition .* of person 1 sums to 1\.1; it must"):
        Parameters(v)
    v = _values()
    v[0, P.ref_pathobionts] = -0.04
    v[0, P.ref_akkermansia] += 0.1
    with pytest.raises(ParameterError, match=r"ref_pathobionts = -0.04 for person 0 .*\[0, 1\]"):
        Parameters(v)


@pytest.mark.parametrize("shape", [(3,), (2, N_PARAMS - 1), (1, 2, N_PARAMS)])
def test_a_wrong_shape_is_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(
        ParameterError, match=rf"has shape \(.*\); expected \(n_people, {N_PARAMS}\)"
    ):
        Parameters(np.ones(shape))


def test_values_that_are_not_numbers_are_refused() -> None:
    with pytest.raises(ParameterError, match="must be an array of numbers"):
        Parameters([["a"] * N_PARAMS])  # type: ignore[arg-type]


def test_renormalised_ensemble_draws_are_accepted() -> None:
    """draw_ensemble renormalises the composition, which can carry a share past its declared
    range; the share is then checked on the simplex, not against that range."""
    p = draw_ensemble(np.random.default_rng(0), 2000, spread="uniform")
    shares = p.values[:, [P[n] for n in REFERENCE_COMPOSITION]]
    low = np.array([PARAMETER_TABLE[n].low for n in REFERENCE_COMPOSITION])
    assert np.any(shares < low)  # the case this test is about does occur
    assert Parameters(p.values).n_people == 2000


def test_replace_still_holds_a_share_to_its_declared_range() -> None:
    with pytest.raises(ParameterError, match=r"ref_akkermansia = 0\.5 is outside its declared"):
        Parameters.default(1).replace(ref_akkermansia=0.5)


def test_take_and_replace_keep_valid_parameters_valid() -> None:
    p = Parameters.default(4).replace(vulnerability=[0.1, 0.2, 0.3, 0.4])
    assert p.take(slice(1, 3))["vulnerability"].tolist() == [0.2, 0.3]
