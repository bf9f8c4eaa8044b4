"""HITChip Atlas baseline microbiota: loading, guild map, resampling, summary."""

from __future__ import annotations

import hashlib
import re
import sys
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe import GUILDS as OBSERVED_GUILDS
from gutbrain.observe import SequencingModel, sequence_samples
from gutbrain.population.atlas import (
    GUILDS,
    atlas_guilds,
    atlas_summary,
    baseline_guilds,
    guild_map,
    load_atlas,
    within_guild_shares,
)


def test_atlas_needs_no_scikit_bio(monkeypatch):
    """The atlas ships with gutbrain: it loads with scikit-bio unimportable."""
    monkeypatch.setitem(sys.modules, "skbio", None)
    load_atlas.cache_clear()
    try:
        assert load_atlas().features.shape == (300, 21)
    finally:
        load_atlas.cache_clear()


def test_shipped_tables_match_their_licence_note():
    """The copies are byte for byte those named, with their hashes, in ATLAS_LICENSE.md."""
    data = files("gutbrain.population").joinpath("data")
    note = data.joinpath("ATLAS_LICENSE.md").read_text(encoding="utf-8")
    assert "CC0 1.0" in note and "Lahti" in note
    hashes = dict(re.findall(r"\| `(atlas_\w+\.csv)` \| `([0-9a-f]{64})` \|", note))
    assert sorted(hashes) == ["atlas_feature_table.csv", "atlas_meta_data.csv"]
    for name, digest in hashes.items():
        assert hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest() == digest, name


def test_atlas_is_300_samples_by_21_taxa():
    """Lahti et al. 2014 HITChip Atlas (scikit-bio's test-data copy): 300 samples x 21 taxa."""
    atlas = load_atlas()
    assert atlas.features.shape == (300, 21)
    assert list(atlas.metadata.columns) == ["age", "region", "bmi"]
    assert "300 samples" in repr(atlas)


def test_every_taxon_mapped_once_with_a_reason():
    mapping = guild_map()
    assert sorted(mapping["taxon"]) == sorted(load_atlas().features.columns)
    assert not mapping["taxon"].duplicated().any()
    assert mapping["justification"].str.len().gt(20).all()
    assert set(mapping["guild"]) == {*GUILDS[:-1], "other"}


def test_guild_names_match_the_observation_layer():
    assert GUILDS == OBSERVED_GUILDS


def test_guild_shares_are_sums_of_closed_taxa():
    """Independent check against the raw table: keep-mode guilds are sums of closed taxa."""
    features = load_atlas().features
    rel = features.div(features.sum(axis=1), axis=0)
    kept = atlas_guilds("keep")
    np.testing.assert_allclose(kept["bacteroides_prevotella"], rel["Bacteroidetes"])
    np.testing.assert_allclose(
        kept["butyrate_producers"],
        rel["Clostridium cluster IV"] + rel["Clostridium cluster XIVa"],
    )
    np.testing.assert_allclose(kept.sum(axis=1), 1.0)
    renorm = atlas_guilds()
    np.testing.assert_allclose(renorm.sum(axis=1), 1.0)
    assert (renorm["probiotic"] == 0).all()
    np.testing.assert_allclose(renorm["akkermansia"], kept["akkermansia"] / (1 - kept["other"]))


def test_other_share_is_small():
    """The taxa that fit no guild hold about 5% on average (computed from the atlas)."""
    other = atlas_guilds("keep")["other"]
    assert 0.03 < other.mean() < 0.07


def test_summary_matches_the_profiles():
    summary = atlas_summary()
    guilds = atlas_guilds()
    assert list(summary.index) == list(GUILDS)
    assert (summary["n"] == 300).all()
    np.testing.assert_allclose(summary["mean"], guilds.mean())
    np.testing.assert_allclose(summary["median"], guilds.median())
    assert (summary["q05"] <= summary["median"]).all()
    assert (summary["median"] <= summary["q95"]).all()


def test_baseline_resamples_real_profiles():
    people = baseline_guilds(np.random.default_rng(1), 500)
    profiles = atlas_guilds()
    assert list(people.columns) == ["atlas_sample", *GUILDS]
    np.testing.assert_allclose(
        people[list(GUILDS)].to_numpy(), profiles.loc[people["atlas_sample"]].to_numpy()
    )
    again = baseline_guilds(np.random.default_rng(1), 500)
    pd.testing.assert_frame_equal(people, again)


def test_jitter_perturbs_but_stays_on_the_simplex():
    plain = baseline_guilds(np.random.default_rng(2), 200)
    jittered = baseline_guilds(np.random.default_rng(2), 200, jitter=0.3)
    assert (plain["atlas_sample"] == jittered["atlas_sample"]).all()
    values = jittered[list(GUILDS)].to_numpy()
    np.testing.assert_allclose(values.sum(axis=1), 1.0)
    assert (values >= 0).all()
    assert (jittered["probiotic"] == 0).all()
    log_ratio = np.log(values[:, 0] / values[:, 2]) - np.log(
        plain["butyrate_producers"] / plain["bacteroides_prevotella"]
    )
    # the log-ratio of two jittered guilds has SD sqrt(2) * 0.3
    assert np.std(log_ratio) == pytest.approx(np.sqrt(2) * 0.3, rel=0.15)


def test_restricting_the_pool():
    lean = load_atlas().metadata.query("bmi == 'lean'").index
    people = baseline_guilds(np.random.default_rng(3), 100, samples=lean)
    assert set(people["atlas_sample"]) <= set(lean)


def test_within_guild_shares_feed_the_sequencer():
    shares = within_guild_shares()
    np.testing.assert_allclose(shares.groupby("guild")["share"].sum(), 1.0)
    people = baseline_guilds(np.random.default_rng(4), 3)
    latent = people.drop(columns="atlas_sample").assign(participant=["a", "b", "c"], day=0)
    taxa = sequence_samples(latent, [0], np.random.default_rng(5), SequencingModel(), shares=shares)
    assert "Clostridium cluster XIVa" in set(taxa["taxon"])
    np.testing.assert_allclose(taxa.groupby("sample")["abundance"].sum(), 1.0)


def test_bad_arguments():
    with pytest.raises(ParameterError, match="n = -1"):
        baseline_guilds(np.random.default_rng(0), -1)
    with pytest.raises(ParameterError, match="jitter"):
        baseline_guilds(np.random.default_rng(0), 3, jitter=-0.1)
    with pytest.raises(DataError, match="Sample-0"):
        baseline_guilds(np.random.default_rng(0), 3, samples=["Sample-0"])
    with pytest.raises(ParameterError, match="other"):
        atlas_guilds("drop")  # type: ignore[arg-type]
