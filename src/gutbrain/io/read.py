"""Read a study bundle folder (CSV or Parquet tables plus ``study.toml``) and validate it."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gutbrain.io._problems import fail
from gutbrain.io.bundle import StudyBundle
from gutbrain.io.meta import read_study_toml
from gutbrain.io.schema import TABLES
from gutbrain.io.validate import canonical_bundle

__all__ = ["read_bundle", "read_csv_table", "read_parquet_table", "table_file"]

_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def read_bundle(path: str | os.PathLike[str]) -> StudyBundle:
    """Read and validate the study bundle in folder ``path``.

    Each table is read from ``<name>.csv`` or ``<name>.parquet`` (never both). CSV cells are
    read as text and converted by the bundle's own rules, so ``"1.0"`` in an integer column or
    ``"abc"`` in ``day`` is reported rather than coerced. Row numbers in messages count data
    rows from 1, the header not counted (row 1 is line 2 of a CSV file).

    Parameters
    ----------
    path
        The bundle folder.

    Returns
    -------
    StudyBundle
        With canonical dtypes: text columns ``str``, ``day`` ``int64``, scores ``float64``,
        nullable integer columns ``Int64``, dates ``datetime64[us]`` (see
        :mod:`gutbrain.io.schema`).

    Raises
    ------
    BundleDataError
        A :class:`~gutbrain.errors.DataError` naming the file, row, column and value of the first
        problem found.

    Examples
    --------
    >>> from gutbrain.io import read_bundle
    >>> bundle = read_bundle("my-study")  # doctest: +SKIP
    >>> bundle.diary.groupby("day")["negative_affect"].mean()  # doctest: +SKIP
    """
    root = Path(path)
    if not root.exists():
        fail(str(root), "not found; expected a bundle folder with study.toml (see docs/bundle.md)")
    if not root.is_dir():
        fail(str(root), "is a file; expected a bundle folder with study.toml and tables")
    meta = read_study_toml(root / "study.toml", label=str(root / "study.toml"))
    if meta.panel is not None and not (root / meta.panel).is_file():
        fail(
            str(root / "study.toml"),
            f"panel = {meta.panel!r} is not a file in the bundle; expected the multi-omics panel "
            "there, or no panel key",
        )
    raw: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, spec in TABLES.items():
        file = table_file(root, name)
        labels[name] = str(file) if file else str(root / name)
        if file is None:
            if spec.required:
                fail(
                    str(root),
                    f"has no {name} table; expected {name}.csv or {name}.parquet",
                )
            continue
        raw[name] = (
            read_csv_table(file, str(file))
            if file.suffix == ".csv"
            else read_parquet_table(file, str(file))
        )
    bundle = StudyBundle(study=meta, **raw)
    return canonical_bundle(bundle, labels)


def table_file(root: Path, name: str) -> Path | None:
    """The file holding table ``name`` in ``root``, or None; both CSV and Parquet is an error."""
    csv_file, pq_file = root / f"{name}.csv", root / f"{name}.parquet"
    has_csv, has_pq = csv_file.is_file(), pq_file.is_file()
    if has_csv and has_pq:
        fail(
            str(root),
            f"has both {csv_file.name} and {pq_file.name}; keep one so it is clear which "
            "is the data",
        )
    return csv_file if has_csv else pq_file if has_pq else None


def read_csv_table(path: Path, label: str) -> pd.DataFrame:
    """Read a CSV file as text cells (object dtype), checking its header and row lengths.

    UTF-8 with or without a byte-order mark; comma-separated; standard double-quote quoting.
    Blank lines at the end of the file are ignored; a blank line in between is an error.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, strict=True))
    except UnicodeDecodeError as exc:
        fail(label, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV")
    except csv.Error as exc:
        fail(label, f"is not valid CSV ({exc})")
    except OSError as exc:
        fail(label, f"cannot be read ({exc.strerror or exc})")
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        fail(label, "is empty; expected a header row naming the columns")
    header, body = rows[0], rows[1:]
    width = len(header)
    if {len(row) for row in body} - {width}:
        _check_row_lengths(body, width, label)
    _check_header(header, label)
    columns = list(zip(*body, strict=True)) if body else [() for _ in header]
    return pd.DataFrame(
        {
            name: pd.Series(list(col), dtype=object)
            for name, col in zip(header, columns, strict=True)
        },
        index=pd.RangeIndex(len(body)),
    )


def _check_row_lengths(body: list[list[str]], width: int, label: str) -> None:
    for i, row in enumerate(body, start=1):
        if len(row) != width:
            fail(
                label,
                f"has {len(row)} fields but the header has {width}"
                + ("; remove blank lines between rows" if not row else ""),
                row=i,
            )


def _check_header(header: list[str], label: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if not name.strip():
            fail(label, f"column {i} has an empty header; every column needs a name")
        if name in seen:
            fail(label, f"column {name!r} appears twice in the header; names must be unique")
        seen.add(name)


def read_parquet_table(path: Path, label: str) -> pd.DataFrame:
    """Read a Parquet file; integer columns arrive as nullable ``Int64`` for checking."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        fail(label, f"cannot be read as Parquet ({exc})")
    names = table.column_names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        fail(label, f"column {dupes[0]!r} appears twice; names must be unique")
    keep = [n for n in names if not _PANDAS_INDEX.fullmatch(n)]
    table = table.select(keep)

    def mapper(t: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
        return pd.Int64Dtype() if pa.types.is_integer(t) else None

    return table.to_pandas(types_mapper=mapper, ignore_metadata=True)
