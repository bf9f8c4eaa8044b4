"""Named cohorts: traits within declared ranges, real microbiota, per-person streams."""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.errors import DesignError
from gutbrain.model.parameters import PARAMETER_TABLE, REFERENCE_COMPOSITION, TRAITS
from gutbrain.population.cohorts import (
    COHORTS,
    STREAM_CONDUCT,
    TraitSpec,
    cohort_spec,
    person_streams,
    sample_population,
    stream_generators,
)

EXPECTED = {
    "healthy_young_adults",
    "subclinical_stress",
    "high_trait_anxiety",
    "untreated_mdd",
    "mdd_incomplete_ssri",
    "treatment_resistant_depression",
}


def test_named_cohorts_exist() -> None:
    assert EXPECTED <= set(COHORTS)
    with pytest.raises(DesignError, match="'nobody' is not a cohort"):
        cohort_spec("nobody")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_traits_vary_within_declared_ranges(name: str) -> None:
    pop = sample_population(name, 60, seed=3)
    for t in TRAITS:
        x = pop.people[t].to_numpy()
        spec = PARAMETER_TABLE[t]
        assert spec.low <= x.min() and x.max() <= spec.high
        assert x.std() > 0  # heterogeneity, not one archetype value
        np.testing.assert_allclose(pop.params[t], x)
    comp = np.column_stack([pop.params[c] for c in REFERENCE_COMPOSITION])
    np.testing.assert_allclose(comp.sum(axis=1), 1.0, atol=1e-6)
    assert np.isfinite(pop.y0).all()


def test_person_does_not_depend_on_batch() -> None:
    a = sample_population("untreated_mdd", 10, seed=5)
    b = sample_population("untreated_mdd", np.array([7, 8, 9]), seed=5)
    np.testing.assert_array_equal(a.params.values[7:], b.params.values)
    np.testing.assert_allclose(a.y0[7:], b.y0, rtol=1e-12)


def test_stream_generators_are_the_spawned_sub_streams() -> None:
    # Built directly from the spawn key, they must equal spawning each person's SeedSequence:
    # that is what keeps bundles identical to runs made with the spawning code.
    idx = np.array([0, 3, 1000])
    direct = stream_generators([9, 0], idx, STREAM_CONDUCT)
    spawned = [
        np.random.default_rng(ss.spawn(STREAM_CONDUCT + 1)[STREAM_CONDUCT])
        for ss in person_streams([9, 0], idx)
    ]
    for a, b in zip(direct, spawned, strict=True):
        np.testing.assert_array_equal(a.random(5), b.random(5))
    other = stream_generators([9, 0], idx, STREAM_CONDUCT - 1)
    assert not np.array_equal(other[0].random(5), direct[0].random(5))


def test_logitnormal_median_and_bounds() -> None:
    t = TraitSpec("vulnerability", "logitnormal", 0.2, 0.6, 0.0, 1.2)
    z = np.random.default_rng(0).standard_normal(20000)
    x = t.transform(z)
    assert abs(np.median(x) - 0.2) < 0.01 and x.min() > 0 and x.max() < 1.2
    with pytest.raises(DesignError, match="median"):
        TraitSpec("vulnerability", "logitnormal", 1.5, 0.6, 0.0, 1.2)


def test_depressed_cohort_more_severe_than_healthy() -> None:
    from gutbrain.model.simulate import simulate

    def severity(name: str) -> float:
        pop = sample_population(name, 40, seed=2)
        traj = simulate(pop.params, _sched(pop), y0=pop.y0)
        return float(traj["depression_severity"].mean())

    assert severity("untreated_mdd") > severity("healthy_young_adults") + 0.2


def _sched(pop):
    from gutbrain.model.schedule import Schedule

    return Schedule.constant(7, "test", **pop.baseline)
