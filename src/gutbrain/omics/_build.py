"""Build an AnnData from a samples × features table, the one shape every reader returns.

``obs`` holds the samples, ``var`` the features; ``X`` and the layer ``counts`` hold the values as
the file gives them (read counts, RPKs, CPM or percent: ``uns["units"]`` says which, where the
file says), and the layer ``relative`` holds each sample's proportions. For HUMAnN's stratified
tables the proportions are taken over the community rows only (``var["stratified"]`` False), so
that a taxon's share of a function is not counted twice.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gutbrain._config import show
from gutbrain.errors import DataError

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["check_values", "make_anndata", "quiet", "require"]

#: The distribution that provides each optional module, for the install hint.
_DISTRIBUTION = {
    "anndata": "anndata",
    "mudata": "mudata",
    "biom": "biom-format",
    "skbio": "scikit-bio",
    "h5py": "h5py",
}


def require(module: str) -> ModuleType:
    """Import an optional dependency of :mod:`gutbrain.omics`, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        dist = _DISTRIBUTION.get(module, module)
        raise ImportError(
            f"gutbrain.omics needs the package {dist!r} for this; "
            "install it with: pip install 'gutbrain[omics]'"
        ) from None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the deprecation notices that anndata 0.12.6 and mudata 0.3 raise under pandas 3
    (``mode.chained_assignment``, ``inplace=``; mudata's 0.4 ``pull_on_update`` notice): they
    concern those packages' own code, not what gutbrain asks of them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"(anndata|mudata)\.")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(anndata|mudata)\.")
        yield


def check_values(values: np.ndarray, samples: pd.Index, features: pd.Index, source: str) -> None:
    """Raise a :class:`DataError` naming the first value that is not a finite number >= 0."""
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(
            f"{source}: sample {samples[i]!r}, feature {features[j]!r} = {show(values[i, j])}; "
            "expected a finite number >= 0"
        )


def _unique(index: pd.Index, what: str, source: str) -> None:
    if len(index) == 0:
        raise DataError(f"{source}: no {what}s; expected at least one {what}")
    dup = index[index.duplicated()]
    if len(dup):
        raise DataError(f"{source}: {what} {dup[0]!r} appears more than once; expected unique ids")


def make_anndata(
    values: np.ndarray,
    samples: pd.Index,
    var: pd.DataFrame,
    source: str,
    *,
    obs: pd.DataFrame | None = None,
    uns: dict[str, Any] | None = None,
    counts: np.ndarray | None = None,
) -> AnnData:
    """The AnnData for ``values`` (samples × features, checked finite and >= 0).

    ``counts`` (read counts, when the file gives them beside ``values``, as MetaPhlAn's read
    statistics do) replaces ``values`` in the ``counts`` layer; ``relative`` is always
    ``values`` closed to 1 per sample (NaN for a sample whose total is 0).
    """
    ad = require("anndata")
    samples = pd.Index(samples, name="sample")
    _unique(samples, "sample", source)
    _unique(var.index, "feature", source)
    values = np.asarray(values, dtype=float)
    check_values(values, samples, var.index, source)
    layer = values if counts is None else np.asarray(counts, dtype=float)
    if counts is not None:
        check_values(layer, samples, var.index, source)
    community = ~var["stratified"].to_numpy(bool) if "stratified" in var else slice(None)
    totals = values[:, community].sum(axis=1, keepdims=True)
    relative = np.where(totals > 0, values / np.where(totals > 0, totals, 1.0), math.nan)
    var = var.copy()
    var.index = pd.Index(var.index, name="feature")
    obs = pd.DataFrame(index=samples) if obs is None else obs.set_axis(samples)
    with quiet():
        return ad.AnnData(
            X=values,
            obs=obs,
            var=var,
            layers={"counts": layer, "relative": relative},
            uns={"source": source, **(uns or {})},
        )
