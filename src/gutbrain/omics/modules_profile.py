"""Module profiles of ortholog tables: :func:`profile_modules` and its result.

The scores follow Omixer-RPM's rules (:mod:`gutbrain.omics.modules_score`); which modules are
reported follows its matrix writers: a module (or taxon and module) is a row when its coverage
reaches the cut-off in at least one sample, and a sample where it does not holds 0 for both its
abundance and its coverage.

Example
-------
>>> import numpy as np
>>> from gutbrain.omics.modules import parse_modules
>>> from gutbrain.omics.modules_table import KoTable
>>> db = parse_modules("M1\\tdemo\\nK00001\\nK00002\\tK00003\\n///\\n")
>>> table = KoTable(np.array([[4.0], [1.0], [3.0]]), ("K00001", "K00002", "K00003"), ("S1",))
>>> profile = profile_modules(table, db, coverage=0.5)
>>> float(profile.abundance.loc["M1", "S1"]), float(profile.coverage.loc["M1", "S1"])
(3.5, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gutbrain.errors import ParameterError
from gutbrain.omics._build import quiet, require
from gutbrain.omics.modules import ModuleSet
from gutbrain.omics.modules_score import learn_cutoff, score_modules
from gutbrain.omics.modules_table import KoTable

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["ModuleProfile", "profile_modules"]


@dataclass(frozen=True)
class ModuleProfile:
    """Abundance and coverage of every observed module in every sample, before the cut-off.

    ``abundance`` and ``coverage`` are indexed by ``Module`` (or ``Taxon``, ``Module`` for
    stratified input) with one column per sample; ``cutoff`` is the minimum coverage applied,
    ``learned`` says whether it came from the coverage distribution; ``names`` maps module ids to
    their names.
    """

    abundance: pd.DataFrame
    coverage: pd.DataFrame
    cutoff: float
    learned: bool
    estimator: str
    normalize_by_length: bool
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> pd.DataFrame:
        """True where the module's coverage reaches the cut-off (and is above 0)."""
        return (self.coverage >= self.cutoff) & (self.coverage > 0)

    def reported(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Omixer-RPM's output matrices (abundance, coverage): rows passing in some sample,
        zeros where a sample does not pass."""
        passed = self.passed
        rows = passed.any(axis=1).to_numpy()
        keep = passed[rows]
        return (
            self.abundance[rows].where(keep, 0.0),
            self.coverage[rows].where(keep, 0.0),
        )

    def summary(self) -> pd.DataFrame:
        """One row per module (or taxon and module): its name, samples passing, median coverage
        and median abundance over the samples where it passes."""
        passed = self.passed
        modules = passed.index.get_level_values("Module")
        return pd.DataFrame(
            {
                "name": [self.names.get(m, "") for m in modules],
                "samples_passing": passed.sum(axis=1),
                "median_coverage": self.coverage.where(passed).median(axis=1),
                "median_abundance": self.abundance.where(passed).median(axis=1),
            }
        )

    def to_anndata(self) -> AnnData:
        """The reported matrices as AnnData: obs = samples, var = reported rows (``module``,
        ``name``, and ``taxon`` for stratified input; stratified ids read ``module|taxon``),
        ``X`` = abundance, layer ``coverage``; ``uns`` holds :meth:`to_dict`. Needs anndata (the
        ``omics`` extra)."""
        ad = require("anndata")
        abundance, coverage = self.reported()
        keys = [k if isinstance(k, tuple) else (None, k) for k in abundance.index]
        var = pd.DataFrame(
            {
                "module": [m for _, m in keys],
                "name": [self.names.get(m, "") for _, m in keys],
                **({"taxon": [t for t, _ in keys]} if abundance.index.nlevels == 2 else {}),
            },
            index=pd.Index([m if t is None else f"{m}|{t}" for t, m in keys], dtype=object),
        )
        obs = pd.DataFrame(index=pd.Index([str(s) for s in abundance.columns], dtype=object))
        with quiet():
            return ad.AnnData(
                X=abundance.to_numpy(float).T,
                obs=obs,
                var=var,
                layers={"coverage": coverage.to_numpy(float).T},
                uns={"profile": {k: v for k, v in self.to_dict().items() if v is not None}},
            )

    def to_dict(self) -> dict[str, object]:
        """Options, cut-off (None when no module was observed) and counts, for manifests."""
        abundance, _ = self.reported()
        return {
            "estimator": self.estimator,
            "normalize_by_length": self.normalize_by_length,
            "cutoff": self.cutoff if np.isfinite(self.cutoff) else None,  # NaN: none observed
            "cutoff_learned": self.learned,
            "samples": int(self.abundance.shape[1]),
            "rows_reported": int(abundance.shape[0]),
        }

    def __repr__(self) -> str:
        how = "learned" if self.learned else "given"
        return (
            f"ModuleProfile({self.abundance.shape[0]} rows x {self.abundance.shape[1]} samples, "
            f"{self.estimator}, cutoff {self.cutoff:.4g} ({how}))"
        )


def profile_modules(
    table: KoTable,
    modules: ModuleSet,
    *,
    coverage: float | None = None,
    estimator: str = "median",
    normalize_by_length: bool = False,
) -> ModuleProfile:
    """Profile ``table`` against ``modules`` by Omixer-RPM's algorithm.

    Parameters
    ----------
    table
        Ortholog abundances (:func:`~gutbrain.omics.modules_table.read_ko_table`); a stratified
        table is profiled per taxon.
    modules
        Module definitions (:func:`~gutbrain.omics.modules.read_modules`).
    coverage
        Minimum coverage in [0, 1]; None learns it from the coverage distribution
        (:func:`~gutbrain.omics.modules_score.learn_cutoff`), Omixer-RPM's default (``-c -1``).
    estimator
        ``median`` (default), ``average``, ``sum`` or ``min``.
    normalize_by_length
        Count missing steps (Omixer-RPM's ``-n``).

    Validated against the values of Omixer-RPM's own test specifications and README example
    (tests/omics/test_modules_omixer.py).
    """
    if coverage is not None and not 0.0 <= coverage <= 1.0:
        raise ParameterError(f"coverage {coverage}: expected a minimum coverage in [0, 1]")
    ids = list(modules.ids)
    samples = list(table.samples)
    if table.taxa is None:
        abundance, cover = score_modules(
            table.values, table.orthologs, modules.modules, estimator=estimator,
            normalize_by_length=normalize_by_length,
        )  # fmt: skip
        index: pd.Index = pd.Index(ids, name="Module")
    else:
        taxa = pd.Index(table.taxa)
        blocks, keys = [], []
        for taxon, rows in pd.Series(np.arange(len(taxa))).groupby(taxa, sort=False):
            picked = rows.to_numpy()
            orthologs = [table.orthologs[i] for i in picked]
            a, c = score_modules(
                table.values[picked], orthologs, modules.modules, estimator=estimator,
                normalize_by_length=normalize_by_length,
            )  # fmt: skip
            seen = (c > 0).any(axis=1)
            blocks.append((a[seen], c[seen]))
            keys += [(str(taxon), ids[i]) for i in np.flatnonzero(seen)]
        abundance = np.vstack([b[0] for b in blocks]) if keys else np.zeros((0, len(samples)))
        cover = np.vstack([b[1] for b in blocks]) if keys else np.zeros((0, len(samples)))
        index = pd.MultiIndex.from_tuples(keys, names=["Taxon", "Module"])
    learned = coverage is None
    cutoff = learn_cutoff(cover) if coverage is None else float(coverage)
    return ModuleProfile(
        abundance=pd.DataFrame(abundance, index=index, columns=samples),
        coverage=pd.DataFrame(cover, index=index, columns=samples),
        cutoff=cutoff,
        learned=learned,
        estimator=estimator,
        normalize_by_length=normalize_by_length,
        names={m.id: m.name for m in modules.modules},
    )
