"""Hand-computed checks of each profiling rule (gutbrain.omics.modules_score and _profile).

Every expected number is worked out in the test from the rule stated in
``gutbrain.omics.modules_score``'s docstring; none comes from running the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.errors import ParameterError
from gutbrain.omics.modules import parse_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_score import learn_cutoff, score_modules
from gutbrain.omics.modules_table import KoTable

# A: 4 steps; step 2 has two alternatives, step 3 a complex or a single ortholog
DB = parse_modules("A\tfour steps\nK1\nK2\tK3\nK4,K5,K6\tK7\nK8\n///\nB\tone step\nK9\n///\n")


def scores(kos: dict[str, list[float]], estimator: str = "median", nbl: bool = False):
    values = np.array(list(kos.values()), dtype=float)
    return score_modules(values, list(kos), DB.modules, estimator=estimator,
                         normalize_by_length=nbl)  # fmt: skip


def test_best_alternative_per_step() -> None:
    # step 2: max(K2 = 3, K3 = 7) = 7; steps observed 1, 2: median of {5, 7} = 6
    a, c = scores({"K1": [5], "K2": [3], "K3": [7]})
    assert a[0, 0] == 6 and c[0, 0] == 2 / 4


def test_a_complex_scores_the_mean_of_its_subunits_and_counts_when_partly_present() -> None:
    # complex K4,K5,K6 with K4 = 9 only: 9/3 = 3, beats K7 = 2; observed steps {3}: median 3
    a, c = scores({"K4": [9], "K7": [2]})
    assert a[0, 0] == 3 and c[0, 0] == 1 / 4
    # all three subunits: (9 + 6 + 3)/3 = 6
    a, _ = scores({"K4": [9], "K5": [6], "K6": [3]})
    assert a[0, 0] == 6


def test_zero_abundance_is_not_observed() -> None:
    a, c = scores({"K1": [0.0], "K8": [4.0], "K9": [0.0]})
    assert c[0, 0] == 1 / 4 and a[0, 0] == 4
    assert c[1, 0] == 0 and a[1, 0] == 0


STEPS = {"K1": [2.0], "K2": [10.0], "K8": [6.0]}  # observed step scores {2, 10, 6}, of 4 steps


@pytest.mark.parametrize(
    ("estimator", "nbl", "expected"),
    [
        ("median", False, 6.0),  # median {2, 6, 10}
        ("average", False, 6.0),  # 18 / 3
        ("sum", False, 18.0),
        ("min", False, 2.0),
        ("median", True, 4.0),  # median {0, 2, 6, 10} = (2 + 6) / 2
        ("average", True, 4.5),  # 18 / 4
        ("sum", True, 4.5),  # 18 / 4 steps
        ("min", True, 2.0),  # min {0, 2, 6, 10} = 0 -> smallest observed, 2
    ],
)
def test_each_estimator_with_and_without_length_normalisation(estimator, nbl, expected) -> None:
    a, c = scores(STEPS, estimator, nbl)
    assert a[0, 0] == expected
    assert c[0, 0] == 3 / 4


def test_samples_are_scored_independently() -> None:
    # sample 2 swaps which alternative of step 2 is better
    a, c = scores({"K1": [1, 1], "K2": [5, 0], "K3": [0, 9]}, "average")
    assert a[0].tolist() == [3.0, 5.0] and c[0].tolist() == [0.5, 0.5]


def test_unknown_estimator_is_refused() -> None:
    with pytest.raises(ParameterError, match="estimator 'mode'"):
        scores(STEPS, "mode")


def table(rows: dict[str, list[float]], taxa=None) -> KoTable:
    samples = tuple(f"S{i + 1}" for i in range(len(next(iter(rows.values())))))
    orthologs = tuple(k.split("@")[0] for k in rows)
    return KoTable(np.array(list(rows.values()), dtype=float), orthologs, samples, taxa)


def test_a_given_cutoff_zeroes_samples_below_it_and_drops_rows_never_above() -> None:
    # A: S1 coverage 3/4, S2 1/4; B: S1 0, S2 1
    t = table({"K1": [1, 0], "K2": [1, 0], "K8": [1, 4], "K9": [0, 2]})
    a, c = profile_modules(t, DB, coverage=0.5).reported()
    assert a.loc["A"].tolist() == [1.0, 0.0] and c.loc["A"].tolist() == [0.75, 0.0]
    assert a.loc["B"].tolist() == [0.0, 2.0]
    a, _ = profile_modules(t, DB, coverage=0.8).reported()
    assert list(a.index) == ["B"]


def test_the_cutoff_keeps_a_coverage_equal_to_it() -> None:
    t = table({"K1": [1], "K2": [1]})  # A at 2/4
    a, _ = profile_modules(t, DB, coverage=0.5).reported()
    assert list(a.index) == ["A"]


def test_learned_cutoff_by_hand() -> None:
    # coverages 0.25 x3, 0.5 x1, 0.75 x2, 1 x1: kept 7, 4, 3, 1; drops 3 (at 0.5), 1, 2 -> 0.5
    assert learn_cutoff(np.array([0.25, 0.25, 0.25, 0.5, 0.75, 0.75, 1.0, 0.0, 0.0])) == 0.5
    # a tie between drops of 2 (at 0.75 and at 1) goes to the smaller coverage
    assert learn_cutoff(np.array([0.25, 0.25, 0.75, 0.75, 1.0])) == 0.75
    assert learn_cutoff(np.array([0.5, 0.5])) == 0.5
    assert np.isnan(learn_cutoff(np.zeros(3)))


def test_profile_learns_the_cutoff_when_none_is_given() -> None:
    # A in S1..S3: coverage 1/4, 1/4, 3/4; B in S1..S3: 1, 1, 1 -> levels 0.25 x2, 0.75 x1, 1 x3
    # drops: at 0.75 -> 2, at 1 -> 1: cut-off 0.75
    t = table({"K1": [1, 1, 1], "K2": [0, 0, 1], "K8": [0, 0, 1], "K9": [1, 1, 1]})
    p = profile_modules(t, DB)
    assert p.learned and p.cutoff == 0.75
    a, _ = p.reported()
    assert a.loc["A"].tolist() == [0.0, 0.0, 1.0]


def test_stratified_input_is_scored_per_taxon() -> None:
    # taxon x has K1 and K2 (A: 2/4), taxon y has K8 and K9 (A: 1/4, B: 1)
    t = table({"K1@x": [2], "K2@x": [4], "K8@y": [6], "K9@y": [8]}, taxa=("x", "x", "y", "y"))
    p = profile_modules(t, DB, coverage=0.25)
    assert list(p.abundance.index) == [("x", "A"), ("y", "A"), ("y", "B")]
    assert p.abundance["S1"].tolist() == [3.0, 6.0, 8.0]
    assert p.coverage["S1"].tolist() == [0.5, 0.25, 1.0]
    a, _ = p.reported()
    assert a.index.names == ["Taxon", "Module"]


def test_coverage_outside_0_1_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"coverage 1.5"):
        profile_modules(table({"K1": [1]}), DB, coverage=1.5)


def reference_scores(kos: dict[str, float], module, estimator: str, nbl: bool):
    """A plain loop over one module and one sample, written from the rules (not vectorised)."""
    steps = [max(sum(kos.get(k, 0.0) for k in alt) / len(alt) for alt in s) for s in module.steps]
    seen = [s for s in steps if s > 0]
    if not seen:
        return 0.0, 0.0
    counted = [s if s > 0 else 0.0 for s in steps] if nbl else seen
    value = {
        "median": float(np.median(counted)),
        "average": sum(counted) / len(counted),
        "sum": sum(counted) / (len(steps) if nbl else 1),
        "min": min(counted),
    }[estimator]
    if nbl and value == 0:
        value = min(seen)
    return value, len(seen) / len(steps)


def random_modules(rng: np.random.Generator, n: int, pool: int):
    lines = []
    for i in range(n):
        lines.append(f"M{i}\trandom {i}")
        for _ in range(rng.integers(1, 7)):
            alts = [
                ",".join(f"K{k}" for k in rng.choice(pool, rng.integers(1, 4), replace=False))
                for _ in range(rng.integers(1, 4))
            ]
            lines.append("\t".join(alts))
        lines.append("///")
    return parse_modules("\n".join(lines) + "\n")


@pytest.mark.parametrize("estimator", ["median", "average", "sum", "min"])
@pytest.mark.parametrize("nbl", [False, True])
def test_vectorised_scores_equal_the_loop_on_random_modules(estimator: str, nbl: bool) -> None:
    rng = np.random.default_rng(19)
    db = random_modules(rng, 30, 40)
    kos = [f"K{k}" for k in range(40)]
    values = rng.exponential(5, (40, 25)) * (rng.random((40, 25)) < 0.5)
    a, c = score_modules(values, kos, db.modules, estimator=estimator, normalize_by_length=nbl)
    for j in range(values.shape[1]):
        sample = dict(zip(kos, values[:, j], strict=True))
        for i, module in enumerate(db.modules):
            want = reference_scores(sample, module, estimator, nbl)
            assert (a[i, j], c[i, j]) == pytest.approx(want, rel=1e-12, abs=0)
