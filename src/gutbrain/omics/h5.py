"""AnnData (``.h5ad``) and MuData (``.h5mu``) files, written and read under pandas 3.

anndata 0.12.6 (the last release that allows pandas 3; 0.12.7 on pin pandas<3 until 0.13) has no
writer for pandas 3's default string arrays. Text columns, indexes and categories are therefore
written as object arrays; on reading, pandas 3 gives them back as its string dtype.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import quiet, require

if TYPE_CHECKING:
    from anndata import AnnData
    from mudata import MuData

__all__ = ["read_h5ad", "read_h5mu", "write_h5ad", "write_h5mu"]


def _object_index(index: pd.Index) -> pd.Index:
    return index.astype(object) if pd.api.types.is_string_dtype(index.dtype) else index


def _object_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text as object arrays, which anndata 0.12.6 writes."""
    frame = frame.set_axis(_object_index(frame.index))
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = _object_index(dtype.categories)
            frame[column] = pd.Categorical(frame[column], categories=categories)
        elif pd.api.types.is_string_dtype(dtype):
            frame[column] = frame[column].astype(object)
    return frame


def _writable(adata: AnnData) -> AnnData:
    out = adata.copy()
    out.obs = _object_frame(out.obs)
    out.var = _object_frame(out.var)
    return out


def write_h5ad(adata: AnnData, path: str | Path) -> Path:
    """Write ``adata`` as ``.h5ad``; returns the path."""
    path = Path(path)
    with quiet():
        _writable(adata).write_h5ad(path)
    return path


def write_h5mu(
    modalities: dict[str, AnnData], path: str | Path, obs: pd.DataFrame | None = None
) -> Path:
    """Write one MuData of ``modalities`` (name -> AnnData; obs = the shared samples) as
    ``.h5mu``; ``obs``, if given, holds the shared observations' own columns (indexed by every
    observation id of the modalities). Returns the path."""
    md = require("mudata")
    path = Path(path)
    with md.set_options(pull_on_update=False), quiet():
        mdata = md.MuData({name: _writable(a) for name, a in modalities.items()})
        if obs is not None:
            mdata.obs = obs.reindex(mdata.obs_names)
        mdata.obs = _object_frame(mdata.obs)
        mdata.var = _object_frame(mdata.var)
        mdata.write(path)
    return path


def _read(path: str | Path, reader: Any, what: str) -> Any:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; expected an {what} file")
    try:
        with quiet():
            return reader(path)
    # anndata and h5py signal a file that is not theirs by whatever they hit (OSError from HDF5,
    # KeyError for a missing group, ...): every one of them means "not a readable file".
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(f"{path}: not a readable {what} file ({reason})") from None


def read_h5ad(path: str | Path) -> AnnData:
    """Read an ``.h5ad`` file; :class:`DataError` if it is not one."""
    return _read(path, require("anndata").read_h5ad, ".h5ad")


def read_h5mu(path: str | Path) -> MuData:
    """Read an ``.h5mu`` file; :class:`DataError` if it is not one."""
    md = require("mudata")
    with md.set_options(pull_on_update=False):
        return _read(path, md.read_h5mu, ".h5mu")
