"""Diversity through scikit-bio: QIIME 1.9.1's own output (UniFrac, Faith PD) and values
computed by hand from the definitions (comments give the arithmetic)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skbio import DistanceMatrix

from gutbrain.errors import DataError
from gutbrain.omics import alpha, beta, clr, permanova, rclr, read

DATA = Path(__file__).parent / "data"
TREE = DATA / "qiime191_tree.nwk"


def _qiime() -> pd.DataFrame:
    return read(DATA / "qiime191_otu-table.tsv")


def test_weighted_unifrac_equals_qiime_191() -> None:
    expected = pd.read_csv(DATA / "qiime191_weighted_unifrac_dm.txt", sep="\t", index_col=0)
    got = beta(_qiime(), "weighted_unifrac", tree=TREE).to_data_frame()
    ids = list(got.index)  # QIIME's matrix also has not16S.1, which has no 16S reads
    np.testing.assert_allclose(got.to_numpy(), expected.loc[ids, ids].to_numpy(), atol=1e-9)


def test_faith_pd_equals_qiime_191() -> None:
    expected = pd.read_csv(DATA / "qiime191_faith-pd.txt", sep="\t", index_col=0)
    got = alpha(_qiime(), ["faith_pd"], tree=TREE)
    # QIIME printed 6 significant digits
    np.testing.assert_allclose(got["faith_pd"], expected.loc[got.index, "PD_whole_tree"], rtol=1e-5)


def test_alpha_by_hand() -> None:
    # p = (1/4, 1/4, 1/2): Shannon = -(2 * 0.25 ln 0.25 + 0.5 ln 0.5) = 1.5 ln 2;
    # Simpson = 1 - (1/16 + 1/16 + 1/4) = 0.625; observed = 3 (the zero is not observed)
    got = alpha(pd.DataFrame([[1, 1, 2, 0]], index=["s"]))
    assert got.loc["s", "shannon"] == pytest.approx(1.5 * math.log(2))
    assert got.loc["s", "simpson"] == pytest.approx(0.625)
    assert got.loc["s", "observed"] == 3


def test_beta_by_hand() -> None:
    table = pd.DataFrame([[1, 1, 2, 0], [0, 2, 2, 4]], index=["a", "b"])
    # Bray-Curtis: sum |x - y| / sum (x + y) = (1 + 1 + 0 + 4) / 12
    assert beta(table, "braycurtis")["a", "b"] == pytest.approx(0.5)
    # Jaccard on presence: {0,1,2} vs {1,2,3}: 1 - 2/4
    assert beta(table, "jaccard")["a", "b"] == pytest.approx(0.5)
    # Aitchison: clr(1,2,4) = (-ln2, 0, ln2), clr(4,2,1) = (ln2, 0, -ln2): distance 2 sqrt(2) ln2
    comp = pd.DataFrame([[1, 2, 4], [4, 2, 1]], index=["a", "b"])
    assert beta(comp, "aitchison")["a", "b"] == pytest.approx(2 * math.sqrt(2) * math.log(2))


def test_clr_zero_handling_by_hand() -> None:
    x = pd.DataFrame([[1.0, 0.0, 3.0]], index=["s"], columns=["A", "B", "C"])
    # pseudocount 1: (2, 1, 4), geometric mean 2: clr = (0, -ln2, ln2)
    np.testing.assert_allclose(
        clr(x, zeros="pseudocount", pseudocount=1.0), [[0, -math.log(2), math.log(2)]]
    )
    # multiplicative replacement, delta = 1/D^2 = 1/9: (1/4, 0, 3/4) -> (2/9, 1/9, 6/9);
    # clr = ln(x) - mean(ln x), the mean being ln(12)/3 - ln 9
    logs = np.log([2, 1, 6])
    np.testing.assert_allclose(clr(x), [logs - logs.mean()])
    with pytest.raises(DataError, match=r"sample 's', feature 'B' = 0"):
        clr(x, zeros="error")
    # rCLR: zeros missing; (1, 3) -> (-ln3/2, ln3/2)
    got = rclr(x).to_numpy()[0]
    assert math.isnan(got[1])
    np.testing.assert_allclose(got[[0, 2]], [-math.log(3) / 2, math.log(3) / 2])


def test_permanova_by_hand() -> None:
    # four points on a line, groups {0, 1} and {10, 11}: with Euclidean distances PERMANOVA's
    # pseudo-F is ANOVA's F = (SS_between / 1) / (SS_within / 2) = (100 / 1) / (1 / 2) = 200
    x = np.array([0.0, 1.0, 10.0, 11.0])
    dm = DistanceMatrix(np.abs(x[:, None] - x[None, :]), ids=["a", "b", "c", "d"])
    groups = pd.Series({"a": "g", "b": "g", "c": "h", "d": "h"})
    result = permanova(dm, groups, permutations=23, seed=1)
    assert result["test statistic"] == pytest.approx(200.0)
    assert (
        permanova(dm, ["g", "g", "h", "h"], permutations=23, seed=1)["p-value"] == result["p-value"]
    )


def test_errors_name_what_is_missing(tmp_path: Path) -> None:
    table = pd.DataFrame([[1, 2]], index=["s"], columns=["A", "B"])
    with pytest.raises(DataError, match="needs a phylogenetic tree"):
        alpha(table, ["faith_pd"])
    with pytest.raises(DataError, match="feature 'A'"):
        beta(pd.concat([table, table.set_axis(["t"])]), "weighted_unifrac", tree=TREE)
    with pytest.raises(DataError, match="alpha metric 'chao'"):
        alpha(table, ["chao"])
    with pytest.raises(DataError, match=r"feature 'B' = -1"):
        alpha(pd.DataFrame([[1, -1]], index=["s"], columns=["A", "B"]))
