"""A simulated trial's multi-omics panel (``gutbrain trial --panel``): ``panel.h5mu`` in the bundle.

The panel's observations are the bundle's participant-visits
(:func:`gutbrain.omics.panel.panel_obs`). On each visit day the observation layer samples
what a real study's panel would hold:

- ``taxa``: 16S reads of a stool sample (:func:`gutbrain.observe.sequence_samples`, guilds split
  into HITChip taxa by :func:`gutbrain.population.atlas.within_guild_shares`);
- ``functions`` and ``modules``: shotgun KO reads from the guilds' repertoire
  (:func:`gutbrain.population.profiles.guild_orthologs`) and their module profile
  (:func:`gutbrain.observe.omics_panel.simulate_omics`);
- ``metabolites``: faecal SCFA with assay noise, besides the design's own markers;
- ``questionnaires``, ``diary``, ``immune``, ``hormones``: from the bundle's tables
  (:func:`gutbrain.omics.panel.bundle_modalities`).

Randomness: one generator from ``SeedSequence([seed, 3])``, a stream no other part of the trial
uses, so a bundle written with ``--panel`` has the same tables as one without.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.errors import DesignError
from gutbrain.observe import sequence_samples
from gutbrain.observe.omics_panel import SCFA_MARKERS, simulate_omics
from gutbrain.omics.panel import PANEL_FILE, bundle_modalities, panel_obs, write_panel
from gutbrain.population.atlas import within_guild_shares
from gutbrain.population.profiles import guild_orthologs

__all__ = ["PANEL_FILE", "PANEL_STREAM", "write_trial_panel"]

#: The second entry of the panel's ``SeedSequence([seed, PANEL_STREAM])``.
PANEL_STREAM = 3


def _table(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def write_trial_panel(folder: str | Path, seed: int) -> Path:
    """Simulate the panel of the trial bundle (Parquet tables) in ``folder`` and write
    ``folder/panel.h5mu``; returns its path."""
    folder = Path(folder)
    visits, latent = _table(folder, "visits"), _table(folder, "truth_latent")
    if visits is None or not len(visits) or latent is None:
        raise DesignError(
            f"{folder}: --panel needs visits (the panel's observations are participant-visits) "
            "and the latent truth; add [[visits]] to the design"
        )
    obs = panel_obs(visits)
    rng = np.random.default_rng(np.random.SeedSequence([seed, PANEL_STREAM]))
    biomarkers = _table(folder, "biomarkers")
    measured = set() if biomarkers is None else set(biomarkers["marker"])
    markers = [m for m in SCFA_MARKERS if m not in measured]
    simulated, metabolites = simulate_omics(latent, obs, guild_orthologs(), rng, markers)
    taxa = sequence_samples(
        latent, obs[["participant", "day"]], rng, shares=within_guild_shares(), reads=True
    )
    taxa = taxa.drop(columns="abundance").rename(columns={"reads": "abundance"})
    parts = [t for t in (biomarkers, metabolites) if t is not None and len(t)]
    modalities = bundle_modalities(
        obs,
        visits=visits,
        diary=_table(folder, "diary"),
        biomarkers=pd.concat(parts, ignore_index=True) if parts else None,
        taxa=taxa,
    )
    return write_panel({**modalities, **simulated}, obs, folder)
