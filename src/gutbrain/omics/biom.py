"""BIOM tables (1.0 JSON, 2.1 HDF5; QIIME 2 feature tables exported as BIOM) through biom-format.

A BIOM table stores features (observations) × samples; the AnnData is samples × features.
Observation metadata becomes ``var`` columns (a ``taxonomy`` list is joined with ``"; "`` and
split again on writing), sample metadata becomes ``obs`` columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import make_anndata, require

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["read_biom", "write_biom"]

_TAXONOMY = "taxonomy"
_SEP = "; "


def _metadata_frame(entries: Any, ids: list[str]) -> pd.DataFrame:
    """One row per id from biom's tuple of metadata dicts (or None); lists become strings."""
    rows = [
        {k: _SEP.join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in md.items()}
        if md
        else {}
        for md in (entries or [None] * len(ids))
    ]
    return pd.DataFrame(rows, index=pd.Index(ids, dtype=object))


def read_biom(path: str | Path) -> AnnData:
    """Read a BIOM 1.0 (JSON) or 2.1 (HDF5) table, e.g. ``qiime tools export``'s
    ``feature-table.biom``, into an AnnData (obs = samples, var = features).

    Raises :class:`DataError` for a file that is not a BIOM table, or for a value that is not a
    finite number >= 0 (naming the sample and the feature).
    """
    biom = require("biom")
    path = Path(path)
    try:
        table = biom.load_table(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file; expected a BIOM table") from None
    # biom-format signals a malformed file by whatever its parser hits (TypeError, KeyError,
    # ValueError, JSON and HDF5 errors): every one of them means "not a readable BIOM table".
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(f"{path}: not a readable BIOM table ({reason})") from None
    samples = [str(s) for s in table.ids(axis="sample")]
    features = [str(f) for f in table.ids(axis="observation")]
    values = table.matrix_data.T.toarray()
    var = _metadata_frame(table.metadata(axis="observation"), features)
    obs = _metadata_frame(table.metadata(axis="sample"), samples)
    return make_anndata(
        values,
        pd.Index(samples, dtype=object),
        var,
        str(path),
        obs=obs,
        uns={"format": "biom", "biom_type": str(table.type or "")},
    )


def _metadata_dicts(frame: pd.DataFrame) -> list[dict[str, Any]] | None:
    """biom's metadata list (None without columns); ``taxonomy`` strings become lists again."""
    if frame.shape[1] == 0:
        return None
    out = []
    for _, row in frame.iterrows():
        md = {}
        for key, value in row.items():
            if pd.isna(value):
                continue
            text = str(value)
            md[str(key)] = text.split(_SEP) if key == _TAXONOMY else text
        out.append(md)
    return out


def write_biom(
    adata: AnnData,
    path: str | Path,
    *,
    format: Literal["hdf5", "json"] = "hdf5",
    layer: str = "counts",
) -> Path:
    """Write ``adata``'s layer ``layer`` as a BIOM 2.1 HDF5 (default) or 1.0 JSON table.

    ``var`` and ``obs`` columns become observation and sample metadata (as text; ``taxonomy``
    as a list split at ``"; "``). Returns the path written. HDF5 keeps every value exactly;
    biom-format writes JSON values with six decimals (``%f``) and cannot read back a JSON table
    without a non-zero value, so such a table is refused as JSON.
    """
    biom = require("biom")
    path = Path(path)
    values = np.asarray(adata.layers[layer] if layer in adata.layers else adata.X, dtype=float)
    table = biom.Table(
        values.T,
        observation_ids=[str(f) for f in adata.var_names],
        sample_ids=[str(s) for s in adata.obs_names],
        observation_metadata=_metadata_dicts(adata.var),
        sample_metadata=_metadata_dicts(adata.obs),
        type=adata.uns.get("biom_type") or "OTU table",
    )
    if format == "json":
        if not np.any(values):
            raise DataError(
                f"{path}: the table has no non-zero value, which BIOM 1.0 JSON cannot hold "
                "(biom-format reads it back as malformed); write format='hdf5'"
            )
        path.write_text(table.to_json("gutbrain"), encoding="utf-8")
    else:
        h5py = require("h5py")
        with h5py.File(path, "w") as f:
            table.to_hdf5(f, "gutbrain")
    return path
