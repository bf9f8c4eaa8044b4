"""16S read sampling: closure, unbiasedness, multinomial and Dirichlet-multinomial variance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe import GUILDS, SequencingModel, sequence_samples

TRUE = {
    "butyrate_producers": 0.3,
    "bifidobacteria_lab": 0.1,
    "bacteroides_prevotella": 0.4,
    "pathobionts": 0.1,
    "akkermansia": 0.1,
    "probiotic": 0.0,
}


def _wide(taxa: pd.DataFrame) -> pd.DataFrame:
    return taxa.pivot(index="sample", columns="taxon", values="abundance")


def test_table_shape_and_closure(latent):
    taxa = sequence_samples(latent(5, range(3)), [0, 2], np.random.default_rng(0))
    assert list(taxa.columns) == ["sample", "participant", "day", "taxon", "abundance"]
    assert len(taxa) == 5 * 2 * len(GUILDS)
    sums = taxa.groupby("sample")["abundance"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert (taxa.loc[taxa["taxon"] == "probiotic", "abundance"] == 0).all()


@pytest.mark.parametrize("precision", [np.inf, 200.0, 20.0])
def test_variance_matches_the_dirichlet_multinomial(latent, precision):
    r"""Var(p_hat) = p(1-p)[1 + (N-1) rho]/N with rho = 1/(1+theta) (rho = 0: multinomial).

    4,000 samples at a fixed depth of 5,000 reads. The sample variance of 4,000 draws has a
    relative SE of about sqrt(2/4000) = 2.2% (more for skewed draws); tolerance 10%.
    """
    model = SequencingModel(depth_median=5000, depth_sd_log=0.0, precision=precision)
    taxa = sequence_samples(latent(4000, [0], **TRUE), [0], np.random.default_rng(6), model)
    wide = _wide(taxa)
    n = 5000
    rho = model.overdispersion
    for guild in ("butyrate_producers", "pathobionts", "bacteroides_prevotella"):
        p = TRUE[guild]
        expected = p * (1 - p) * (1 + (n - 1) * rho) / n
        assert wide[guild].var() == pytest.approx(expected, rel=0.10)
        assert wide[guild].mean() == pytest.approx(p, abs=4 * np.sqrt(expected / 4000))


def test_depth_varies_log_normally(latent):
    model = SequencingModel(depth_median=20000, depth_sd_log=0.5, precision=np.inf)
    taxa = sequence_samples(
        latent(3000, [0], **TRUE), [0], np.random.default_rng(2), model, reads=True
    )
    depth = taxa.groupby("sample")["reads"].sum()
    assert np.median(depth) == pytest.approx(20000, rel=0.05)
    assert np.log(depth).std() == pytest.approx(0.5, abs=0.03)


def test_split_into_taxa_keeps_counts_and_shares(latent):
    shares = pd.DataFrame(
        {
            "guild": ["butyrate_producers", "butyrate_producers"],
            "taxon": ["Clostridium cluster IV", "Clostridium cluster XIVa"],
            "share": [0.6, 0.4],
        }
    )
    model = SequencingModel(depth_median=10000, depth_sd_log=0.0, precision=np.inf)
    taxa = sequence_samples(
        latent(2000, [0], **TRUE), [0], np.random.default_rng(3), model, shares, reads=True
    )
    wide = _wide(taxa)
    assert "butyrate_producers" not in wide.columns
    assert wide["Clostridium cluster IV"].mean() == pytest.approx(0.3 * 0.6, abs=0.002)
    assert taxa["reads"].dtype.kind == "i"
    np.testing.assert_allclose(wide.sum(axis=1), 1.0)


@settings(max_examples=30, deadline=None)
@given(
    weights=st.lists(st.floats(0, 1), min_size=6, max_size=6).filter(lambda w: sum(w) > 0.01),
    seed=st.integers(0, 2**32 - 1),
    precision=st.sampled_from([np.inf, 1.0, 50.0, 1000.0]),
)
def test_abundances_always_on_the_simplex(weights, seed, precision):
    p = np.asarray(weights) / np.sum(weights)
    frame = pd.DataFrame({"participant": "a", "day": [0], **dict(zip(GUILDS, p, strict=True))})
    taxa = sequence_samples(
        frame, [0], np.random.default_rng(seed), SequencingModel(precision=precision)
    )
    a = taxa.set_index("taxon")["abundance"]
    assert (a >= 0).all()
    assert a.sum() == pytest.approx(1.0)
    for guild, share in zip(GUILDS, p, strict=True):
        if share == 0:
            assert a[guild] == 0


def test_errors(latent):
    frame = latent(2, range(2))
    with pytest.raises(DataError, match=r"sum to 1\.2"):
        sequence_samples(frame.assign(probiotic=0.2), [0], np.random.default_rng(0))
    with pytest.raises(DataError, match="no latent day 5"):
        sequence_samples(frame, [5], np.random.default_rng(0))
    with pytest.raises(DataError, match="sampled twice"):
        sequence_samples(frame, [0, 0], np.random.default_rng(0))
    with pytest.raises(ParameterError, match="precision"):
        SequencingModel(precision=0.0)
    bad = pd.DataFrame({"guild": ["akkermansia"], "taxon": ["x"], "share": [0.5]})
    with pytest.raises(DataError, match="akkermansia"):
        sequence_samples(frame, [0], np.random.default_rng(0), shares=bad)
