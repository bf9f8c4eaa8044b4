r"""Shotgun metagenomes: ortholog (KO) read counts from the model's guilds.

A stool sample with true guild shares :math:`p` yields shares :math:`\pi \sim
\operatorname{Dirichlet}(\theta p)` (as in 16S sequencing, :mod:`gutbrain.observe.sequencing`).
Every genome of guild :math:`g` has :math:`L` genes (``metagenome.genes_per_genome``), of which
:math:`R_{gk}` copies of ortholog :math:`k` (a guild-to-ortholog repertoire, e.g.
:func:`gutbrain.population.profiles.guild_orthologs`, passed in by the caller). A read falls on
ortholog :math:`k` with probability :math:`q_k = \sum_g \pi_g R_{gk} / L` and elsewhere in the
genome with :math:`1 - \sum_k q_k`, and the :math:`N` reads of a sample are multinomial:

.. math:: n \sim \operatorname{Multinomial}(N, (q, 1 - \textstyle\sum_k q_k))

with :math:`\log N \sim N(\log N_{med}, s^2)`. Defaults (``metagenome.*``) live in
``parameters.csv``; the table's ``UNGROUPED`` row holds the reads outside the repertoire, as a
HUMAnN table does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe.latent import GUILDS, check_latent, latent_rows
from gutbrain.observe.sequencing import (
    SequencingModel,
    dirichlet_shares,
    draw_depths,
)
from gutbrain.observe.tables import parameter

__all__ = ["UNGROUPED", "metagenome_model", "sequence_metagenomes"]

#: The row of reads outside the modelled repertoire.
UNGROUPED = "UNGROUPED"


def metagenome_model() -> SequencingModel:
    """The default shotgun read model (``metagenome.*`` in ``parameters.csv``)."""
    return SequencingModel(
        depth_median=parameter("metagenome.depth_median"),
        depth_sd_log=parameter("metagenome.depth_sd_log"),
        precision=parameter("metagenome.dm_precision"),
    )


def sequence_metagenomes(
    latent: pd.DataFrame,
    samples: pd.DataFrame,
    repertoire: pd.DataFrame,
    rng: np.random.Generator,
    model: SequencingModel | None = None,
    genes_per_genome: float | None = None,
) -> pd.DataFrame:
    """Simulate KO read counts of stool samples.

    Parameters
    ----------
    latent
        Latent daily trajectories with the guild columns (:data:`GUILDS`).
    samples
        One row per sample: ``participant, day`` (a latent day); the index names the samples.
    repertoire
        Copies per genome: guilds (rows, :data:`GUILDS`) x orthologs (columns).
    rng
        The only source of randomness: depths, then Dirichlet gammas, then multinomial reads.
    model
        Depth and Dirichlet precision (default :func:`metagenome_model`).
    genes_per_genome
        :math:`L` (default ``metagenome.genes_per_genome``); at least the largest number of
        repertoire copies of a guild.

    Returns
    -------
    pandas.DataFrame
        Read counts, one row per sample (``samples``' index) and one column per ortholog, plus
        ``UNGROUPED``; each row sums to the sample's depth.
    """
    model = metagenome_model() if model is None else model
    genes = (
        parameter("metagenome.genes_per_genome") if genes_per_genome is None else genes_per_genome
    )
    copies = repertoire.reindex(list(GUILDS), fill_value=0.0).to_numpy(dtype=float)
    if not (np.isfinite(copies).all() and (copies >= 0).all()):
        raise DataError("metagenome repertoire: copies must be finite and >= 0")
    if not genes >= copies.sum(axis=1).max():
        raise ParameterError(
            f"genes_per_genome = {genes!r}; expected at least {copies.sum(axis=1).max():g}, the "
            "largest repertoire of a guild"
        )
    frame = check_latent(latent, GUILDS).astype({"day": np.int64})
    wanted = pd.DataFrame(
        {
            "participant": samples["participant"].astype(str).to_numpy(),
            "day": samples["day"].to_numpy(np.int64),
        }
    )
    rows = latent_rows(frame, wanted, "metagenome samples")
    p = frame.loc[rows, list(GUILDS)].to_numpy(float)
    p = p / p.sum(axis=1, keepdims=True)
    depth = draw_depths(model, len(rows), rng)
    q = dirichlet_shares(p, model, rng) @ copies / genes
    rest = np.clip(1.0 - q.sum(axis=1, keepdims=True), 0.0, 1.0)
    counts = rng.multinomial(depth, np.hstack([q, rest]))
    columns = pd.Index([*map(str, repertoire.columns), UNGROUPED])
    return pd.DataFrame(counts, index=samples.index, columns=columns)
