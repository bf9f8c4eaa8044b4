r"""From a real profile to a virtual person: guild composition and production capacities.

Two mapping tables, each with a source per row, turn what a sample shows into the model's guilds
(:data:`GUILDS`):

- **taxa** (``taxon_guild_map.csv`` for genera, as MetaPhlAn, BIOM and 16S tables name them, and
  ``atlas_guild_map.csv`` for the HITChip Atlas groups): each taxon's share goes to its guild,
  unmatched taxa to ``other``, which is dropped and the guilds closed (:func:`taxa_guilds`). The
  HITChip Atlas path (:func:`gutbrain.population.atlas.atlas_guilds`) goes through it.
- **functions** (``guild_repertoire.csv``): the modules of gutbrain's own module set
  (``gutbrain.omics``, docs/profile.md) that each guild's genomes carry. A guild carries one copy
  per genome of every ortholog of a carried module's first alternative in each step (all
  subunits of a complex), so a module profile (average estimator) is linear in the composition,

  .. math:: m = s\, C p, \qquad C_{jg} = \text{module } j \text{'s score for a genome of guild } g

  and :func:`module_guilds` solves it by non-negative least squares and closes :math:`p`
  (:math:`s` carries the sample's units: reads, RPK or CPM). ``probiotic`` carries the
  bifidobacteria/LAB repertoire (administered lactobacilli and bifidobacteria), so a profile
  cannot tell it apart: a profile's ``probiotic`` share is counted in ``bifidobacteria_lab`` and
  the virtual person starts at ``probiotic`` = 0, as atlas people do.

**Capacities** (:func:`capacities`): for each neuroactive product, the summed abundance of its
modules (:data:`CAPACITY_MODULES`) over what the model's reference person (the ``ref_<guild>``
composition of the parameter table, LAHTI2014) would show in the same units, :math:`s\,C p_{ref}`.
1 is the reference; a sample carrying more GABA modules than its guilds imply shows it.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from gutbrain.errors import DataError, ParameterError
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.states import GUILDS, RESIDENT_GUILDS
from gutbrain.omics.modules import ModuleSet, read_modules
from gutbrain.omics.modules_score import score_modules

__all__ = [
    "CAPACITY_MODULES",
    "capacities",
    "guild_orthologs",
    "guild_repertoire",
    "module_guilds",
    "module_matrix",
    "taxa_guilds",
    "taxon_map",
    "virtual_people",
]

OTHER = "other"

#: The modules of gutbrain's module set behind each production capacity.
CAPACITY_MODULES: dict[str, tuple[str, ...]] = {
    "gaba": ("GB001", "GB002", "GB003"),  # GABA synthesis: decarboxylase and putrescine routes
    "butyrate": ("GB009", "GB010"),  # both terminal routes
    "propionate": ("GB011", "GB012", "GB013"),  # succinate, acrylate, propanediol
    "acetate": ("GB014",),
    "indole": ("GB008",),  # tryptophan to indole (tryptophanase)
}


def _read(name: str) -> pd.DataFrame:
    with files("gutbrain.population").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


@cache
def _repertoire() -> pd.DataFrame:
    frame = _read("guild_repertoire.csv")
    known = set(read_modules("gutbrain").ids)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        if row.guild not in GUILDS or row.module not in known:
            raise ParameterError(
                f"guild_repertoire.csv: row {i}: guild {row.guild!r}, module {row.module!r}; "
                f"expected a guild of {GUILDS} and a module of gutbrain's set"
            )
    return frame


def guild_repertoire() -> pd.DataFrame:
    """The guild-to-module table: ``guild, module, source``, and the outcome of checking the source
    (``checked``: confirmed, corrected or NOT CONFIRMED) with the pages read (``checked_at``)."""
    return _repertoire().copy()


@cache
def _orthologs() -> pd.DataFrame:
    modules = {m.id: m for m in read_modules("gutbrain").modules}
    carried: dict[str, set[str]] = {g: set() for g in GUILDS}
    for guild, module in _repertoire()[["guild", "module"]].itertuples(index=False):
        carried[guild].update(ko for step in modules[module].steps for ko in step[0])
    kos = sorted(set().union(*carried.values()))
    table = pd.DataFrame(0.0, index=pd.Index(GUILDS, name="guild"), columns=kos)
    for guild, found in carried.items():
        table.loc[guild, sorted(found)] = 1.0
    return table


def guild_orthologs() -> pd.DataFrame:
    """Copies per genome of each ortholog (columns) in each guild (rows, :data:`GUILDS`)."""
    return _orthologs().copy()


def module_matrix(modules: ModuleSet | None = None) -> pd.DataFrame:
    """:math:`C`: each module's average-estimator score (rows) for one genome of each resident
    guild (columns), from the profiler itself (:func:`gutbrain.omics.modules_score.score_modules`
    on each guild's ortholog copies)."""
    modules = read_modules("gutbrain") if modules is None else modules
    copies = _orthologs().loc[list(RESIDENT_GUILDS)]
    score, _ = score_modules(
        copies.to_numpy().T, list(copies.columns), modules.modules, estimator="average"
    )
    return pd.DataFrame(score, index=pd.Index(modules.ids, name="module"), columns=copies.index)


def _check_abundance(abundance: pd.DataFrame, what: str) -> np.ndarray:
    values = abundance.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        r, c = (int(x[0]) for x in np.nonzero(bad))
        raise DataError(
            f"{what}: row {abundance.index[r]!r}, column {abundance.columns[c]!r} = "
            f"{float(values[r, c])!r}; expected a finite abundance >= 0"
        )
    return values


def _closed(values: np.ndarray, index: pd.Index, what: str) -> pd.DataFrame:
    totals = values.sum(axis=1)
    if (totals <= 0).any():
        bad = index[int(np.flatnonzero(totals <= 0)[0])]
        raise DataError(f"{what}: sample {bad!r} has no abundance in any guild; expected some")
    out = pd.DataFrame(values / totals[:, None], index=index, columns=list(RESIDENT_GUILDS))
    out["probiotic"] = 0.0
    return out[list(GUILDS)]


def module_guilds(abundance: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Guild composition of each sample from its module profile.

    Parameters
    ----------
    abundance
        Module abundances, modules (gutbrain's ids) in rows and samples in columns: the
        ``abundance`` of :func:`gutbrain.omics.profile_modules` with ``estimator="average"`` (or
        its reported matrix). A module missing from the rows counts as 0.

    Returns
    -------
    (guilds, scale)
        Samples x :data:`GUILDS`, rows summing to 1 (``probiotic`` 0); and :math:`s`, each
        sample's abundance per unit of composition (the NNLS total before closing).
    """
    matrix = module_matrix()
    observed = abundance.reindex(matrix.index, fill_value=0.0)
    values = _check_abundance(observed, "module profile")
    fitted = np.array([nnls(matrix.to_numpy(), values[:, j])[0] for j in range(values.shape[1])])
    fitted = fitted.reshape(values.shape[1], len(RESIDENT_GUILDS))
    index = pd.Index([str(c) for c in abundance.columns], name="sample")
    return _closed(fitted, index, "module profile"), pd.Series(fitted.sum(axis=1), index=index)


@cache
def _taxon_frame() -> pd.DataFrame:
    columns = ["taxon", "guild", "justification"]
    frame = pd.concat([_read("atlas_guild_map.csv"), _read("taxon_guild_map.csv")[columns]])
    if frame["taxon"].duplicated().any():
        raise ParameterError(f"taxon maps: taxon {frame['taxon'][frame['taxon'].duplicated()]}")
    return frame.reset_index(drop=True)


def taxon_map() -> pd.DataFrame:
    """Every taxon the taxa mapping knows: ``taxon, guild, justification`` (the HITChip groups,
    then the genera)."""
    return _taxon_frame().copy()


_GENUS = re.compile(r"(?:^|[|;.\s])g__([^|;.\s]+)")


def _taxon_key(name: str) -> str:
    """A feature's genus from a MetaPhlAn or Greengenes/SILVA string (``g__Name``), else the
    name itself."""
    found = _GENUS.search(str(name))
    return found.group(1) if found else str(name)


def taxa_guilds(abundance: pd.DataFrame, other: str = "renormalise") -> pd.DataFrame:
    """Guild relative abundances of each sample (rows) from its taxa (columns).

    A column is matched by its genus (``g__Bifidobacterium`` anywhere in a MetaPhlAn clade or a
    BIOM taxonomy string) or by its whole name (HITChip groups, plain genus names) in
    :func:`taxon_map`; unmatched taxa form ``other``. ``other="renormalise"`` (default) drops it
    and closes the guilds; ``"keep"`` returns it as a column (rows then sum to 1 with it).
    """
    if other not in ("renormalise", "keep"):
        raise ParameterError(f"other = {other!r}; expected 'renormalise' or 'keep'")
    _check_abundance(abundance, "taxa table")
    totals = abundance.sum(axis=1)
    if (totals <= 0).any():
        bad = abundance.index[int(np.flatnonzero((totals <= 0).to_numpy())[0])]
        raise DataError(f"taxa table: sample {bad!r} has no abundance; expected some")
    relative = abundance.div(totals, axis=0)
    mapping = _taxon_frame().set_index("taxon")["guild"]
    keys = [mapping.get(_taxon_key(c), OTHER) for c in abundance.columns]
    grouped = relative.T.groupby(np.asarray(keys)).sum().T
    out = pd.DataFrame(index=abundance.index)
    for guild in GUILDS:
        out[guild] = grouped[guild] if guild in grouped.columns else 0.0
    if other == "keep":
        out[OTHER] = grouped[OTHER] if OTHER in grouped.columns else 0.0
        return out
    total = out.sum(axis=1)
    if (total <= 0).any():
        bad = out.index[int(np.flatnonzero((total <= 0).to_numpy())[0])]
        raise DataError(f"taxa table: sample {bad!r} has no taxon of any guild; expected some")
    return out.div(total, axis=0)


def _reference() -> np.ndarray:
    ref = np.array([PARAMETER_TABLE[f"ref_{g}"].value for g in RESIDENT_GUILDS])
    return ref / ref.sum()


def capacities(
    modules: pd.DataFrame | None = None,
    scale: pd.Series | None = None,
    guilds: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Production capacities of each sample relative to the model's reference person.

    Give a module profile (modules x samples) with its ``scale`` from :func:`module_guilds`, or
    only ``guilds`` (samples x :data:`GUILDS`, e.g. from :func:`taxa_guilds`): the capacities are
    then those the composition implies. Returns samples x :data:`CAPACITY_MODULES` (1 = the
    reference), plus ``scfa`` (butyrate, propionate and acetate modules together).
    """
    matrix = module_matrix()
    if modules is None:
        if guilds is None:
            raise ParameterError("capacities: give a module profile (with scale) or guilds")
        merged = guilds[list(RESIDENT_GUILDS)].to_numpy(float, copy=True)
        merged[:, RESIDENT_GUILDS.index("bifidobacteria_lab")] += guilds["probiotic"].to_numpy()
        observed = pd.DataFrame(matrix.to_numpy() @ merged.T, index=matrix.index)
        observed.columns = guilds.index
        scale = pd.Series(1.0, index=guilds.index)
    elif scale is None:
        raise ParameterError("capacities: a module profile needs its scale (module_guilds)")
    else:
        observed = modules.reindex(matrix.index, fill_value=0.0)
    expected = pd.Series(matrix.to_numpy() @ _reference(), index=matrix.index)
    scfa = [m for k in ("butyrate", "propionate", "acetate") for m in CAPACITY_MODULES[k]]
    groups = {**CAPACITY_MODULES, "scfa": tuple(scfa)}
    out = pd.DataFrame(index=pd.Index([str(c) for c in observed.columns], name="sample"))
    units = np.asarray(scale, dtype=float)
    for name, ids in groups.items():
        out[name] = observed.loc[list(ids)].sum().to_numpy() / (units * expected[list(ids)].sum())
    return out


def virtual_people(
    modules: pd.DataFrame | None = None, taxa: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One virtual person per sample: guild composition (:data:`GUILDS`, summing to 1) and
    production capacities (:func:`capacities`, suffixed ``_capacity``).

    ``modules``: a module profile (modules x samples, average estimator); ``taxa``: a taxa table
    (samples x taxa). With both, the composition comes from the taxa and the capacities from the
    modules (over the scale the modules imply).
    """
    if modules is None and taxa is None:
        raise ParameterError("virtual_people: give a module profile, a taxa table or both")
    if modules is not None:
        guilds, scale = module_guilds(modules)
        caps = capacities(modules, scale)
    if taxa is not None:
        guilds = taxa_guilds(taxa)
        guilds.index = pd.Index([str(s) for s in guilds.index], name="sample")
        if modules is None:
            caps = capacities(guilds=guilds)
    return guilds.join(caps.add_suffix("_capacity"))
