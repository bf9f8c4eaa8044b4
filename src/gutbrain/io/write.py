"""Write a study bundle folder atomically, after validating it."""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import tomli_w

from gutbrain.io._convert import convert_extra
from gutbrain.io._problems import fail
from gutbrain.io.bundle import StudyBundle
from gutbrain.io.schema import TABLES
from gutbrain.io.validate import canonical_bundle, table_labels

__all__ = ["write_bundle"]

Format = Literal["parquet", "csv"]


def write_bundle(
    bundle: StudyBundle,
    path: str | os.PathLike[str],
    *,
    format: Format = "parquet",
    overwrite: bool = False,
) -> Path:
    """Validate ``bundle`` and write it as folder ``path``.

    The bundle is written into a temporary folder beside ``path`` and then renamed into place,
    so a failure (invalid data, a full disk, an interrupt) never leaves a half-written bundle:
    either the new bundle is complete at ``path`` or ``path`` is as it was.

    Parameters
    ----------
    bundle
        The bundle to write.
    path
        Target folder. Missing parent folders are created.
    format
        ``"parquet"`` (default) or ``"csv"`` for the tables; ``study.toml`` is always TOML.
    overwrite
        Replace an existing bundle at ``path`` (the whole folder is replaced). A folder that is
        not a bundle (no ``study.toml``) and not empty is never replaced.

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    BundleDataError
        If the bundle is invalid, ``format`` is unknown, or ``path`` is taken.

    Notes
    -----
    An extra text column whose cells would be read back as numbers (``"007"``, ``"12"``) is
    declared ``"text"`` in the written ``study.toml`` (``[columns.<table>]``), in both formats, so
    the bundle reads back unchanged and the same from CSV and Parquet.
    """
    if format not in ("parquet", "csv"):
        fail("write_bundle", f"format {format!r} is unknown; expected 'parquet' or 'csv'")
    target = Path(path)
    canonical = _declare_text_columns(canonical_bundle(bundle, table_labels(None)))
    _check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_into(canonical, tmp, format)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _declare_text_columns(bundle: StudyBundle) -> StudyBundle:
    """``bundle`` with every extra text column that looks numeric in CSV declared as text."""
    meta = bundle.study
    columns = {t: dict(decl) for t, decl in (meta.columns or {}).items()}
    for name, df in bundle.tables().items():
        spec, declared = TABLES[name], meta.declared(name)
        for col in df.columns:
            s = df[col]
            if spec.column(col) is not None or col in declared or not _is_text(s):
                continue
            if not s.notna().any():
                continue  # no value to lose: read back as an all-missing column either way
            back = convert_extra(name, col, pd.Series(_cells(s), dtype=object))
            if not _is_text(back):
                columns.setdefault(name, {})[col] = "text"
    if columns == (meta.columns or {}):
        return bundle
    return dataclasses.replace(bundle, study=dataclasses.replace(meta, columns=columns))


def _is_text(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype)


def _check_target(target: Path, overwrite: bool) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        fail(str(target), "exists and is a file; expected a folder path for the bundle")
    if (target / "study.toml").is_file():
        if not overwrite:
            fail(
                str(target),
                "already holds a bundle; pass overwrite=True to replace it",
            )
        return
    if any(target.iterdir()):
        fail(
            str(target),
            "exists, is not empty and is not a bundle (no study.toml); refusing to replace it",
        )


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``, moving any old bundle aside first and restoring it on error."""
    if not target.exists():
        os.replace(tmp, target)
        return
    backup = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    os.replace(target, backup)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def _write_into(bundle: StudyBundle, folder: Path, format: Format) -> None:
    (folder / "study.toml").write_text(tomli_w.dumps(bundle.study.to_dict()), encoding="utf-8")
    for name, df in bundle.tables().items():
        _write_table(df, folder, name, format)


def _write_table(df: pd.DataFrame, folder: Path, name: str, format: Format) -> None:
    if format == "csv":
        write_csv_table(df, folder / f"{name}.csv")
    else:
        df.to_parquet(folder / f"{name}.parquet", index=False, engine="pyarrow")


def write_csv_table(df: pd.DataFrame, path: Path) -> None:
    """Write a canonical table as UTF-8 CSV that :func:`read_bundle` reads back unchanged.

    Missing cells are empty; floats use Python's shortest round-tripping repr; dates are
    ``YYYY-MM-DD``; timestamps ISO 8601 with ``+00:00``; lines end in CRLF as in RFC 4180.
    """
    cols = [_cells(df[c]) for c in df.columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        # CRLF line ends (RFC 4180): the csv module quotes a field only if it holds a character
        # of the line terminator, so with "\n" alone a bare "\r" in a text cell would go
        # unquoted and split the row when read back.
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([str(c) for c in df.columns])
        writer.writerows(zip(*cols, strict=True) if cols else [])


def _cells(s: pd.Series) -> list[str]:
    values = np.asarray(s.astype(object).where(s.notna(), None), dtype=object)
    dtype = s.dtype
    if pd.api.types.is_float_dtype(dtype):
        return ["" if v is None or np.isnan(v) else repr(float(v)) for v in values]
    if isinstance(dtype, pd.DatetimeTZDtype):
        return ["" if v is None else v.isoformat() for v in values]
    if pd.api.types.is_datetime64_dtype(dtype):
        return ["" if v is None else v.strftime("%Y-%m-%d") for v in values]
    if pd.api.types.is_integer_dtype(dtype):
        return ["" if v is None else str(int(v)) for v in values]
    return ["" if v is None else str(v) for v in values]
