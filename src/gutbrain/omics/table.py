"""Plain abundance tables (CSV or TSV) into AnnData: wide (one row per sample, or one row per
feature) or long (one row per sample and feature, the study bundle's ``taxa`` layout)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import make_anndata
from gutbrain.omics._lines import number, rows

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["read_table"]


def _delimiter(path: Path, sep: str | None) -> str:
    if sep is not None:
        return sep
    return "," if path.suffix.lower() == ".csv" else "\t"


def _wide(path: Path, lines: list[tuple[int, list[str]]], samples_in_rows: bool) -> AnnData:
    (_, header), body = lines[0], lines[1:]
    names = [h.strip() for h in header[1:]]
    ids: list[str] = []
    values: list[list[float]] = []
    for line, fields in body:
        if len(fields) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(fields)} fields; expected {len(header)}, as "
                "the header line names"
            )
        ident = fields[0].strip()
        ids.append(ident)
        values.append(
            [
                number(v, path, line, *((ident, n) if samples_in_rows else (n, ident)))
                for n, v in zip(names, fields[1:], strict=True)
            ]
        )
    matrix = np.array(values, dtype=float).reshape(len(ids), len(names))
    samples, features = (ids, names) if samples_in_rows else (names, ids)
    return make_anndata(
        matrix if samples_in_rows else matrix.T,
        pd.Index(samples, dtype=object),
        pd.DataFrame(index=pd.Index(features, dtype=object)),
        str(path),
        uns={"format": "table"},
    )


def _long(
    path: Path, lines: list[tuple[int, list[str]]], sample: str, feature: str, value: str
) -> AnnData:
    (_, header), body = lines[0], lines[1:]
    header = [h.strip() for h in header]
    for column in (sample, feature, value):
        if column not in header:
            raise DataError(
                f"{path}: line {lines[0][0]} has no column {column!r}; expected the columns "
                f"{sample!r}, {feature!r} and {value!r} (got {', '.join(map(repr, header))})"
            )
    s_col, f_col, v_col = (header.index(c) for c in (sample, feature, value))
    cells: dict[tuple[str, str], float] = {}
    for line, fields in body:
        if len(fields) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(fields)} fields; expected {len(header)}, as "
                "the header line names"
            )
        key = (fields[s_col].strip(), fields[f_col].strip())
        if key in cells:
            raise DataError(
                f"{path}: line {line}, sample {key[0]!r}, feature {key[1]!r} appears twice; "
                "expected one row per sample and feature"
            )
        cells[key] = number(fields[v_col], path, line, *key)
    if not cells:
        raise DataError(f"{path}: no data lines; expected one row per sample and feature")
    frame = pd.Series(cells).unstack(fill_value=0)
    return make_anndata(
        frame.to_numpy(dtype=float),
        pd.Index(frame.index, dtype=object),
        pd.DataFrame(index=pd.Index(frame.columns, dtype=object)),
        str(path),
        uns={"format": "table"},
    )


def read_table(
    path: str | Path,
    *,
    layout: Literal["wide", "long"] = "wide",
    samples: Literal["rows", "columns"] = "rows",
    sep: str | None = None,
    sample: str = "sample",
    feature: str = "taxon",
    value: str = "abundance",
) -> AnnData:
    """Read a plain CSV (``.csv``) or TSV (any other suffix; or give ``sep``) table.

    ``layout="wide"``: the first line names the columns, the first column the rows; with
    ``samples="rows"`` (default, as the HITChip Atlas) each row is a sample, with
    ``samples="columns"`` each row is a feature. ``layout="long"``: one line per sample and
    feature, in the columns ``sample``, ``feature`` and ``value`` (by default the study bundle's
    ``taxa`` table: sample, taxon, abundance); a pair missing from the file counts 0.
    """
    path = Path(path)
    lines = list(rows(path, _delimiter(path, sep)))
    if not lines:
        raise DataError(f"{path}: the file is empty; expected a header line and data lines")
    if layout == "long":
        return _long(path, lines, sample, feature, value)
    return _wide(path, lines, samples == "rows")
