"""Omixer-RPM's own test specifications and README example, reproduced.

Source: raeslab/omixer-rpm, ``src/test/groovy/org/omixer/rpm/service/ModuleManagerSpecs.groovy``,
``model/ModuleCoverageDistributionSpec.groovy`` and ``model/io/ModuleTaxonomyMatrixWriterSpec``,
with their resources ``module-inference.list``, ``matrix.tsv`` and ``taxon_matrix.tsv``, and the
README's glycolysis example. The module file and the small tables below are rebuilt from those
specifications (facts: ids and numbers); every expected value is the specification's own. In the
specifications the average estimator is called "reaction based", the median "median based".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gutbrain.omics.modules import parse_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_score import learn_cutoff
from gutbrain.omics.modules_table import KoTable, read_ko_table

# module-inference.list of the specifications
SPEC_MODULES = parse_modules(
    "MF0001\tsome module 1\nK00001\nK00002,K00003\n///\n"
    "MF0002\tsome module 2\nK00001\nK00004\n///\n"
    "MF0003\tsome module 3\nK00004\tK00005\nK00006,K00007\tK00008,K00009\tK00010\nK00011\n///\n"
    "MF0004\tsome module 4\nK00012\n///\n"
    "MF0005\tsome module 5\nK00012\nK00010\nK00011\nK00013\nK00014\nK00015\nK00016\n///\n"
    "MF0007\tlactose and galactose degradation\nK02786,K02787,K02788\nK01220\nK01819\nK00917\n"
    "K08302\tK01635\n///\n"
)


def infer(kos: dict[str, float], *, coverage: float = 0.66, estimator: str, nbl: bool = False):
    """Modules above the cut-off for one sample: {id: (count, coverage)}."""
    table = KoTable(np.array([[v] for v in kos.values()]), tuple(kos), ("S",))
    profile = profile_modules(
        table, SPEC_MODULES, coverage=coverage, estimator=estimator, normalize_by_length=nbl
    )
    abundance, cover = profile.reported()
    return {m: (abundance.loc[m, "S"], cover.loc[m, "S"]) for m in abundance.index}


def test_ties_in_coverage_take_the_more_abundant_path() -> None:
    got = infer({"K00004": 2, "K00005": 6, "K00011": 2}, coverage=0.65, estimator="median")
    assert got == {"MF0003": (4, 2 / 3)}


def test_a_complex_step_is_normalised_by_its_ortholog_count() -> None:
    got = infer({"K00001": 2, "K00002": 2}, estimator="average", nbl=True)
    assert got == {"MF0001": ((2 + 2 / 2) / 2, 1)}


@pytest.mark.parametrize(
    ("kos", "nbl", "expected"),
    [
        ({"K00005": 2, "K00010": 8, "K00011": 2}, True, {"MF0003": ((2 + 8 + 2) / 3, 1)}),
        ({"K00004": 8, "K00005": 8, "K00011": 8}, True, {"MF0003": (16 / 3, 2 / 3)}),
        ({"K00012": 8}, True, {"MF0004": (8, 1)}),
        ({"K00004": 8, "K00005": 8, "K00011": 8}, False, {"MF0003": (16 / 2, 2 / 3)}),
    ],
)
def test_average(kos, nbl, expected) -> None:
    assert infer(kos, estimator="average", nbl=nbl) == expected


@pytest.mark.parametrize(
    ("estimator", "nbl", "count"), [("median", True, 8), ("sum", False, 20), ("min", False, 2)]
)
def test_median_sum_min(estimator: str, nbl: bool, count: float) -> None:
    assert infer({"K00012": 8}, estimator=estimator, nbl=nbl) == {"MF0004": (8, 1)}
    got = infer({"K00005": 2, "K00010": 8, "K00011": 10}, estimator=estimator, nbl=nbl)
    assert got == {"MF0003": (count, 1)}


@pytest.mark.parametrize(("nbl", "count"), [(True, 2), (False, 3)])
def test_a_zero_median_is_replaced_by_the_smallest_observed_score(nbl: bool, count: float) -> None:
    got = infer({"K00013": 2, "K00014": 3, "K00015": 8}, coverage=0.33, estimator="median", nbl=nbl)
    assert got == {"MF0005": (count, 3 / 7)}


def test_lactose_galactose_degradation_sequence() -> None:
    kos = {"K01220": 2.0, "K01819": 4.0, "K00917": 2.0}
    assert infer(kos, coverage=0.55, estimator="median") == {"MF0007": (2, 3 / 5)}
    kos |= {"K08302": 2.0, "K01635": 5.0}
    assert infer(kos, coverage=0.55, estimator="median") == {"MF0007": (3, 4 / 5)}
    kos |= {"K02788": 1.0}  # a third of the complex
    assert infer(kos, coverage=0.55, estimator="median") == {"MF0007": (2, 1)}
    kos |= {"K02787": 5.0, "K02786": 9.0}
    assert infer(kos, coverage=0.55, estimator="median") == {"MF0007": (4, 1)}
    kos = {"K01819": 4.0, "K08302": 2.0}
    assert infer(kos, coverage=0.30, estimator="median") == {"MF0007": (3, 2 / 5)}
    kos |= {"K01635": 4.0}
    assert infer(kos, coverage=0.30, estimator="median") == {"MF0007": (4, 2 / 5)}


MATRIX = (
    "entry\tS1\tS2\nK00001\t1\t0\nK00002\t2\t0\nK00003\t0\t0\nK00004\t0\t8\nK00005\t2\t8\n"
    "K00006\t0\t0\nK00007\t0\t0\nK00008\t0\t0\nK00009\t0\t0\nK00010\t8\t0\nK00011\t2\t8\n"
    "K00012\t0\t8\nK00013\t0\t2\nK00014\t0\t3\nK00015\t0\t8\n"
)


def test_matrix_input(tmp_path: Path) -> None:
    path = tmp_path / "matrix.tsv"
    path.write_text(MATRIX)
    table = read_ko_table(path)
    on = profile_modules(
        table, SPEC_MODULES, coverage=0.66, estimator="average", normalize_by_length=True
    )
    a, c = on.reported()
    s1 = a["S1"][a["S1"] > 0]
    assert s1.to_dict() == {"MF0001": (1 + 2 / 2) / 2, "MF0003": 12 / 3}
    assert c.loc[["MF0001", "MF0003"], "S1"].tolist() == [1, 1]
    off = profile_modules(table, SPEC_MODULES, coverage=0.66, estimator="average")
    a, c = off.reported()
    s2 = a["S2"][a["S2"] > 0]
    assert s2.to_dict() == {"MF0003": (8 + 8) / 2, "MF0004": 8, "MF0005": 29 / 5}
    assert c.loc[["MF0003", "MF0004", "MF0005"], "S2"].tolist() == [2 / 3, 1, 5 / 7]


def test_taxon_matrix_input(tmp_path: Path) -> None:
    rows = [
        ("Sp1", "K00001", 1, 0),
        ("Sp1", "K00002", 2, 0),
        ("Sp1", "K00003", 0, 0),
        ("Sp2", "K00001", 1, 0),
        ("Sp2", "K00004", 0, 8),
        ("Sp2", "K00005", 2, 8),
        ("Sp2", "K00006", 0, 0),
        ("Sp2", "K00007", 0, 0),
        ("Sp3", "K00008", 0, 0),
        ("Sp3", "K00009", 0, 0),
        ("Sp2", "K00010", 8, 0),
        ("Sp2", "K00011", 2, 8),
        ("Sp3", "K00012", 0, 8),
        ("Sp3", "K00013", 0, 2),
        ("Sp3", "K00014", 0, 3),
        ("Sp3", "K00015", 0, 8),
    ]
    path = tmp_path / "taxon_matrix.tsv"
    path.write_text("Species\tKO\tS1\tS2\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    table = read_ko_table(path)
    assert table.stratified
    profile = profile_modules(
        table, SPEC_MODULES, coverage=0.66, estimator="average", normalize_by_length=True
    )
    a, c = profile.reported()
    s1 = a["S1"][a["S1"] > 0]
    assert s1.to_dict() == {("Sp1", "MF0001"): (1 + 2 / 2) / 2, ("Sp2", "MF0003"): 12 / 3}
    assert c.loc[[("Sp1", "MF0001"), ("Sp2", "MF0003")], "S1"].tolist() == [1, 1]


def test_learned_cutoff_is_at_the_largest_drop() -> None:
    counts = {0.1: 10, 0.2: 5, 0.3: 10, 0.4: 20, 0.5: 30, 0.6: 10, 0.8: 20, 0.9: 10}
    coverages = np.repeat(list(counts), list(counts.values()))
    assert learn_cutoff(np.random.default_rng(1).permutation(coverages)) == 0.6


def test_readme_glycolysis_example() -> None:
    """README: coverage 4/5 and abundance 5 (average over the 5 steps, i.e. with length
    normalisation: path A gives 25/5)."""
    db = parse_modules(
        "GLY\tglucose to glyceraldehyde 3-phosphate\nK00844\tK00845\n"
        "K01810\tK06859\tK13810\tK15916\nK00850\tK16370\n"
        "K01622\tK01623\tK01624\tK11645\tK16305\tK16306\nK01803\n///\n"
    )
    kos = {
        "K00844": 10,
        "K00845": 3,
        "K06859": 7,
        "K13810": 8,
        "K01804": 12,
        "K01622": 2,
        "K16370": 5,
        "K00703": 12,
        "K00863": 15,
    }
    table = KoTable(np.array([[float(v)] for v in kos.values()]), tuple(kos), ("S",))
    profile = profile_modules(
        table, db, coverage=0.5, estimator="average", normalize_by_length=True
    )
    assert profile.coverage.loc["GLY", "S"] == 4 / 5
    assert profile.abundance.loc["GLY", "S"] == 5
