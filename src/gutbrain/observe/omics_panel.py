"""Simulated omics at study visits: what a study's multi-omics panel sees of the latent truth.

:func:`simulate_omics` takes the latent daily trajectories and the panel's observations (one per
participant and visit, :func:`gutbrain.omics.panel.panel_obs`) and returns, on each visit day:

- ``functions``: shotgun KO read counts (:func:`gutbrain.observe.metagenomics.sequence_metagenomes`
  from a guild-to-ortholog repertoire the caller passes), with layers ``counts`` and ``relative``;
- ``modules``: their module profile by gutbrain's module set (``gutbrain.omics``, the average
  estimator, which :func:`gutbrain.population.profiles.module_guilds` inverts), every module's
  abundance before any coverage cut-off, with layer ``coverage``;
- ``metabolites``: a long biomarker table of faecal SCFA measured with assay noise by
  :func:`gutbrain.observe.measure_biomarkers` (the same measurement models as the bundle's
  ``biomarkers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gutbrain.observe.biomarkers import measure_biomarkers
from gutbrain.observe.metagenomics import UNGROUPED, sequence_metagenomes
from gutbrain.omics.modules import read_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_table import KoTable
from gutbrain.omics.panel import modality

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["SCFA_MARKERS", "simulate_omics"]

#: The faecal SCFA of a simulated metabolite panel.
SCFA_MARKERS = ("faecal_acetate", "faecal_propionate", "faecal_butyrate")


def simulate_omics(
    latent: pd.DataFrame,
    obs: pd.DataFrame,
    repertoire: pd.DataFrame,
    rng: np.random.Generator,
    markers: Sequence[str] = SCFA_MARKERS,
) -> tuple[dict[str, AnnData], pd.DataFrame]:
    """KO reads, module profiles and a metabolite table at every panel observation.

    Parameters
    ----------
    latent
        Latent daily trajectories (guild columns and ``butyrate``), one row per person-day.
    obs
        The panel's observations: ``participant, visit, day``, indexed by observation id; each
        day a latent day of the participant.
    repertoire
        Copies per genome: guilds x orthologs.
    rng
        The only source of randomness: reads first, then the metabolite assays.
    markers
        Metabolite markers to measure (none: an empty table).

    Returns
    -------
    (modalities, metabolites)
        ``{"functions": ..., "modules": ...}`` and the long ``participant, day, marker, value,
        unit`` table of the bundle's ``biomarkers``.
    """
    counts = sequence_metagenomes(latent, obs, repertoire, rng)
    relative = counts.div(counts.sum(axis=1), axis=0)
    functions = modality(counts, obs, layers={"counts": counts, "relative": relative})
    kos = counts.drop(columns=UNGROUPED)
    table = KoTable(
        values=kos.to_numpy(float).T,
        orthologs=tuple(kos.columns),
        samples=tuple(kos.index),
        source="simulated metagenomes",
    )
    profile = profile_modules(table, read_modules("gutbrain"), coverage=0.0, estimator="average")
    seen = profile.coverage.gt(0).any(axis=1)
    abundance, coverage = profile.abundance[seen].T, profile.coverage[seen].T
    var = pd.DataFrame({"name": [profile.names[m] for m in abundance.columns]})
    modules = modality(abundance, obs, var, layers={"coverage": coverage})
    sched = obs[["participant", "day"]].reset_index(drop=True)
    metabolites = measure_biomarkers(latent, sched, rng, list(markers)) if markers else None
    return {"functions": functions, "modules": modules}, (
        metabolites if metabolites is not None else pd.DataFrame()
    )
