r"""Real baseline microbiota: the HITChip Atlas mapped to the model's guilds.

The HITChip Atlas (Lahti et al. 2014, Nat Commun 5:4344; CC0) holds 300 adult faecal profiles
over 21 phylum- and cluster-level taxa, with age, region and BMI class. gutbrain ships the two
small tables in ``gutbrain/population/data/`` (``atlas_feature_table.csv`` and
``atlas_meta_data.csv``, copied from the scikit-bio wheel's test data; source, licence and
SHA-256 in ``ATLAS_LICENSE.md`` there) and reads them through :mod:`importlib.resources`, never
from the network, so no command needs scikit-bio.

Each taxon belongs to one guild (``atlas_guild_map.csv`` gives a reason per taxon):

=====================  ===============================================================
guild                  HITChip taxa
=====================  ===============================================================
butyrate_producers     Clostridium clusters IV and XIVa
bifidobacteria_lab     Actinobacteria, Bacilli
bacteroides_prevotella Bacteroidetes
pathobionts            Proteobacteria, Fusobacteria, Clostridium clusters I and XI
akkermansia            Verrucomicrobia
other                  Cyanobacteria, clusters III, IX, XIII, XV-XVIII, uncultured
                       Clostridiales and Mollicutes, Spirochaetes (about 5% on average)
=====================  ===============================================================

Taxa that fit no guild form an ``other`` share. The model's guilds must sum to 1 without it, so
by default ``other`` is removed and the five guilds are renormalised (``other="renormalise"``);
``other="keep"`` returns it as a column for inspection. The ``probiotic`` guild is 0 at baseline:
administered strains are absent before a product is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

import numpy as np
import pandas as pd

from gutbrain.errors import DataError, ParameterError
from gutbrain.model.states import GUILDS  # the model's guilds, in its order
from gutbrain.population.profiles import taxa_guilds

__all__ = [
    "GUILDS",
    "AtlasData",
    "atlas_guilds",
    "atlas_summary",
    "baseline_guilds",
    "guild_map",
    "load_atlas",
    "within_guild_shares",
]


#: Guilds that the atlas can populate (``probiotic`` is 0 at baseline).
_ATLAS_GUILDS = GUILDS[:-1]
OTHER = "other"

_FEATURES = "atlas_feature_table.csv"
_METADATA = "atlas_meta_data.csv"

OtherRule = Literal["renormalise", "keep"]


@dataclass(frozen=True)
class AtlasData:
    """The raw HITChip Atlas.

    Attributes
    ----------
    features
        Samples x 21 taxa, the HITChip abundances as shipped (non-negative integers).
    metadata
        Samples x (age, region, bmi), same index as ``features``.
    """

    features: pd.DataFrame
    metadata: pd.DataFrame

    def __repr__(self) -> str:
        n, k = self.features.shape
        return f"AtlasData({n} samples x {k} taxa; metadata {list(self.metadata.columns)})"


@cache
def load_atlas() -> AtlasData:
    """Load the HITChip Atlas shipped with gutbrain (``gutbrain/population/data``).

    Raises
    ------
    DataError
        If the tables disagree on the samples or hold a negative abundance.
    """
    folder = files("gutbrain.population").joinpath("data")
    frames = []
    for name in (_FEATURES, _METADATA):
        with folder.joinpath(name).open("r", encoding="utf-8") as handle:
            frames.append(pd.read_csv(handle, index_col=0))
    features, metadata = frames
    if not features.index.equals(metadata.index):
        raise DataError(f"{_FEATURES} and {_METADATA}: sample ids differ")
    if (features < 0).to_numpy().any():
        raise DataError(f"{_FEATURES}: negative abundance")
    return AtlasData(features=features, metadata=metadata)


@cache
def _map_frame() -> pd.DataFrame:
    with (
        files("gutbrain.population")
        .joinpath("atlas_guild_map.csv")
        .open("r", encoding="utf-8") as handle
    ):
        frame = pd.read_csv(handle)
    bad = sorted(set(frame["guild"]) - {*_ATLAS_GUILDS, OTHER})
    if bad:
        raise ParameterError(
            f"atlas_guild_map.csv: unknown guild(s) {bad}; expected {(*_ATLAS_GUILDS, OTHER)}"
        )
    return frame


def guild_map() -> pd.DataFrame:
    """Return the taxon-to-guild map: columns ``taxon, guild, justification``."""
    return _map_frame().copy()


def _relative(features: pd.DataFrame) -> pd.DataFrame:
    return features.div(features.sum(axis=1), axis=0)


def atlas_guilds(other: OtherRule = "renormalise") -> pd.DataFrame:
    """Guild relative abundances of every atlas sample.

    Parameters
    ----------
    other
        ``"renormalise"`` (default): drop taxa that fit no guild and rescale the guilds to sum
        to 1. ``"keep"``: keep their summed share as an ``other`` column (rows still sum to 1).

    Returns
    -------
    pandas.DataFrame
        Index: atlas sample id. Columns: :data:`GUILDS` (``probiotic`` = 0), plus ``other`` if
        kept.
    """
    atlas = load_atlas()
    mapping = _map_frame().set_index("taxon")["guild"]
    missing = sorted(set(atlas.features.columns) - set(mapping.index))
    if missing:
        raise DataError(f"atlas_guild_map.csv has no row for atlas taxon/taxa {missing}")
    out = taxa_guilds(atlas.features, other)
    out.index.name = "atlas_sample"
    return out


def within_guild_shares() -> pd.DataFrame:
    r"""Pooled share of each atlas taxon within its guild.

    :math:`s_{j} = \sum_i r_{ij} / \sum_i \sum_{k \in g(j)} r_{ik}` over samples :math:`i`, with
    :math:`r` the relative abundances. Suitable for
    :func:`gutbrain.observe.sequencing.sequence_samples` ``shares`` (``other`` taxa excluded).

    Returns
    -------
    pandas.DataFrame
        ``guild, taxon, share``; shares of each guild sum to 1.
    """
    rel = _relative(load_atlas().features)
    mapping = _map_frame()
    mapping = mapping[mapping["guild"] != OTHER]
    totals = rel[mapping["taxon"]].sum(axis=0)
    frame = mapping[["guild", "taxon"]].assign(share=totals.to_numpy())
    frame["share"] = frame["share"] / frame.groupby("guild")["share"].transform("sum")
    return frame.reset_index(drop=True)


def atlas_summary(other: OtherRule = "renormalise") -> pd.DataFrame:
    """Empirical distribution of each guild's relative abundance across the 300 atlas samples.

    Returns
    -------
    pandas.DataFrame
        One row per guild: ``n, mean, sd, min, q05, q25, median, q75, q95, max``.
    """
    guilds = atlas_guilds(other)
    q = guilds.quantile([0.05, 0.25, 0.5, 0.75, 0.95])
    summary = pd.DataFrame(
        {
            "n": guilds.count(),
            "mean": guilds.mean(),
            "sd": guilds.std(ddof=1),
            "min": guilds.min(),
            "q05": q.loc[0.05],
            "q25": q.loc[0.25],
            "median": q.loc[0.5],
            "q75": q.loc[0.75],
            "q95": q.loc[0.95],
            "max": guilds.max(),
        }
    )
    summary.index.name = "guild"
    return summary


def baseline_guilds(
    rng: np.random.Generator,
    n: int,
    jitter: float = 0.0,
    samples: pd.Index | list[str] | None = None,
    other: Literal["renormalise"] = "renormalise",
) -> pd.DataFrame:
    r"""Seed ``n`` virtual people with real baseline guild profiles.

    Each person gets an atlas profile drawn uniformly with replacement. With ``jitter`` > 0 the
    profile is perturbed in log-ratio space and closed again,

    .. math:: p'_k = \frac{p_k e^{\sigma z_k}}{\sum_j p_j e^{\sigma z_j}}, \qquad z_k \sim N(0,1)

    so people who share an atlas profile still differ (``probiotic`` stays 0).

    Parameters
    ----------
    rng
        The only source of randomness.
    n
        Number of people (>= 0).
    jitter
        :math:`\sigma`, SD of the log-ratio perturbation (0 = exact atlas profiles).
    samples
        Optional atlas sample ids to draw from, e.g. lean adults from
        ``load_atlas().metadata.query("bmi == 'lean'").index``.
    other
        Only ``"renormalise"``: a person's guilds must sum to 1.

    Returns
    -------
    pandas.DataFrame
        ``atlas_sample`` plus one column per guild in :data:`GUILDS`; rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> people = baseline_guilds(np.random.default_rng(1), 3)  # doctest: +SKIP
    >>> people[list(GUILDS)].sum(axis=1).round(12).tolist()  # doctest: +SKIP
    [1.0, 1.0, 1.0]
    """
    if int(n) != n or n < 0:
        raise ParameterError(f"n = {n!r}; expected a non-negative integer")
    if not (np.isfinite(jitter) and jitter >= 0):
        raise ParameterError(f"jitter = {jitter!r}; expected >= 0")
    if other != "renormalise":
        raise ParameterError(f"other = {other!r}; baseline profiles must renormalise")
    pool = atlas_guilds("renormalise")
    if samples is not None:
        wanted = pd.Index(samples)
        unknown = wanted.difference(pool.index)
        if len(unknown):
            raise DataError(f"unknown atlas sample id(s) {list(unknown[:5])}")
        if wanted.empty:
            raise DataError("samples: empty selection of atlas profiles")
        pool = pool.loc[wanted]
    picks = rng.integers(0, len(pool), size=int(n))
    values = pool.to_numpy()[picks]
    if jitter > 0:
        noise = np.exp(jitter * rng.standard_normal(values.shape))
        values = values * noise
        values = values / values.sum(axis=1, keepdims=True)
    out = pd.DataFrame(values, columns=list(GUILDS))
    out.insert(0, "atlas_sample", pool.index.to_numpy()[picks])
    return out
