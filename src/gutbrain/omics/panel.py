"""A study's multi-omics panel: one MuData with one modality per layer, obs = participant x visit.

:func:`bundle_modalities` turns a study bundle's tables (plain DataFrames, so that this module
needs no other layer) into AnnData modalities that share the panel's observations, one per
participant and visit (id ``"<participant>:<visit>"``, columns ``participant, visit, day``):

================  ===============================================================================
modality          holds
================  ===============================================================================
questionnaires    each visit's instrument scores (``visits``)
diary             the diary over the week up to the visit day: mean ``negative_affect`` and
                  ``positive_affect`` and the number of entries (``diary``)
immune            CRP, IL-6, TNF-alpha on the visit day (``biomarkers``; var ``unit``)
hormones          ACTH and cortisol on the visit day (``biomarkers``)
metabolites       every other marker on the visit day, e.g. faecal SCFA (``biomarkers``)
taxa              relative abundances of the sample taken on the visit day (``taxa``)
================  ===============================================================================

A modality holds only the observations that have data (a MuData's modalities may cover part of
its obs). Simulated studies add ``functions`` (KO reads) and ``modules`` (module profiles);
:func:`write_panel` writes them all to ``panel.h5mu``. Needs the ``omics`` extra.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import quiet, require
from gutbrain.omics.h5 import write_h5mu

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = [
    "DIARY_WINDOW",
    "PANEL_FILE",
    "bundle_modalities",
    "marker_modality",
    "modality",
    "panel_obs",
    "write_panel",
]

PANEL_FILE = "panel.h5mu"
#: Days of diary summarised at a visit: the visit day and the six before it.
DIARY_WINDOW = 7
_IMMUNE = frozenset({"crp", "il6", "tnfa"})


def marker_modality(marker: str) -> str:
    """``immune`` (CRP, IL-6, TNF-alpha), ``hormones`` (ACTH and every cortisol) or
    ``metabolites`` (any other marker, e.g. faecal SCFA)."""
    if marker in _IMMUNE:
        return "immune"
    if marker == "acth" or "cortisol" in marker:
        return "hormones"
    return "metabolites"


def panel_obs(visits: pd.DataFrame) -> pd.DataFrame:
    """The panel's observations: one row per participant and visit (``participant, visit,
    day``), indexed ``"<participant>:<visit>"``, in order of first appearance."""
    missing = [c for c in ("participant", "visit", "day") if c not in visits.columns]
    if missing:
        raise DataError(f"panel visits: missing column(s) {missing}")
    obs = visits[["participant", "visit", "day"]].drop_duplicates(["participant", "visit"])
    obs = obs.astype({"participant": str, "visit": str, "day": np.int64})
    obs.index = pd.Index(obs["participant"] + ":" + obs["visit"], dtype=object)
    return obs


def modality(
    values: pd.DataFrame,
    obs: pd.DataFrame,
    var: pd.DataFrame | None = None,
    layers: Mapping[str, pd.DataFrame] | None = None,
) -> AnnData:
    """An AnnData of ``values`` (rows: panel obs ids, a subset of ``obs``; columns: features)
    with those rows of ``obs`` and the optional ``var`` and ``layers`` (same shape)."""
    ad = require("anndata")
    unknown = values.index.difference(obs.index)
    if len(unknown):
        raise DataError(f"panel modality: observation {unknown[0]!r} is not a participant-visit")
    index = pd.Index([str(c) for c in values.columns], dtype=object)
    var = pd.DataFrame(index=index) if var is None else var.set_axis(index)
    with quiet():
        return ad.AnnData(
            X=values.to_numpy(float),
            obs=obs.loc[values.index],
            var=var,
            layers={k: v.to_numpy(float) for k, v in (layers or {}).items()},
        )


def _at_visits(table: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """``table``'s rows taken on a visit day, with the visit's obs id as ``obs``."""
    keys = obs.reset_index(names="obs")[["obs", "participant", "day"]]
    frame = table.astype({"participant": str, "day": np.int64})
    return frame.merge(keys, on=["participant", "day"], how="inner")


def _diary(diary: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    rows = obs.reset_index(names="obs").merge(
        diary.astype({"participant": str}), on="participant", suffixes=("", "_entry")
    )
    rows = rows[
        (rows["day_entry"] <= rows["day"]) & (rows["day_entry"] > rows["day"] - DIARY_WINDOW)
    ]
    grouped = rows.groupby("obs", sort=False)
    out = grouped[["negative_affect", "positive_affect"]].mean()
    out["entries"] = grouped.size().astype(float)
    return out.loc[[o for o in obs.index if o in out.index]]


def bundle_modalities(
    obs: pd.DataFrame,
    *,
    visits: pd.DataFrame | None = None,
    diary: pd.DataFrame | None = None,
    biomarkers: pd.DataFrame | None = None,
    taxa: pd.DataFrame | None = None,
) -> dict[str, AnnData]:
    """The panel's modalities from a bundle's tables (see the module docstring); a table that is
    absent, or has no row at a visit, gives no modality."""
    out: dict[str, AnnData] = {}
    if visits is not None and len(visits):
        # Questionnaires belong to their visit (two visits may share a day): join on the visit.
        keys = obs.reset_index(names="obs")[["obs", "participant", "visit"]]
        found = visits.astype({"participant": str, "visit": str}).merge(
            keys, on=["participant", "visit"], how="inner"
        )
        scores = found.pivot_table(index="obs", columns="instrument", values="score", sort=False)
        out["questionnaires"] = modality(scores, obs)
    if diary is not None and len(diary):
        summary = _diary(diary, obs)
        if len(summary):
            out["diary"] = modality(summary, obs)
    if biomarkers is not None and len(biomarkers):
        found = _at_visits(biomarkers, obs)
        found = found.assign(modality=found["marker"].map(marker_modality))
        for name, part in found.groupby("modality", sort=True):
            values = part.pivot_table(index="obs", columns="marker", values="value", sort=False)
            units = part.drop_duplicates("marker").set_index("marker")["unit"]
            var = pd.DataFrame({"unit": units.reindex(values.columns).astype(object).to_numpy()})
            out[str(name)] = modality(values, obs, var)
    if taxa is not None and len(taxa):
        found = _at_visits(taxa, obs)
        if len(found):
            values = found.pivot_table(
                index="obs", columns="taxon", values="abundance", sort=False, fill_value=0.0
            )
            totals = values.sum(axis=1)
            relative = values.div(totals.where(totals > 0), axis=0)
            out["taxa"] = modality(values, obs, layers={"counts": values, "relative": relative})
    return out


def write_panel(modalities: Mapping[str, AnnData], obs: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``modalities`` as ``<folder>/panel.h5mu`` (:func:`gutbrain.omics.write_h5mu`), the
    shared obs holding ``obs``' columns (``participant, visit, day``)."""
    if not modalities:
        raise DataError(f"{folder}: the panel has no modality; expected at least one")
    return write_h5mu(dict(modalities), Path(folder) / PANEL_FILE, obs)
