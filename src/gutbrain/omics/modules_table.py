"""Ortholog (KO) abundance tables for module profiling: the one place ``gutbrain profile`` reads
its input.

Accepted layouts (tab-separated, or comma-separated for ``.csv``):

- **wide**: a header ``<any>  S1  S2 ...``, then one row per ortholog: its id and one abundance per
  sample (Omixer-RPM's ``-a 1`` input);
- **taxon-stratified**: a header ``<taxon>  <ortholog>  S1 ...``, then one row per taxon and
  ortholog (Omixer-RPM's ``-a 2`` input); recognised by a non-numeric second column;
- **BIOM** (``.biom``, 1.0 JSON or 2.1 HDF5): observations are orthologs, read by
  :func:`gutbrain.omics.biom.read_biom`;
- **HUMAnN 3** gene-family/KO tables (a header starting with ``#``), read by
  :func:`gutbrain.omics.humann.read_humann`: ``KO|taxon`` rows are stratified, bare ``KO`` rows
  are the community totals, and the ``UNMAPPED``, ``UNGROUPED`` and ``UNINTEGRATED`` rows are left
  out. A table with ``|`` rows is profiled per taxon, unless ``ignore_taxa``.

With ``ignore_taxa`` a stratified table is profiled for the whole community: plain stratified
tables are summed over taxa per ortholog, HUMAnN tables use their community rows.
Abundances must be finite and non-negative; each problem raises a DataError naming the file, line,
column and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.errors import DataError

__all__ = ["KoTable", "read_ko_table"]


@dataclass(frozen=True)
class KoTable:
    """Ortholog abundances: ``values`` (rows, samples); ``taxa`` is None for a community table,
    else the taxon of each row."""

    values: np.ndarray
    orthologs: tuple[str, ...]
    samples: tuple[str, ...]
    taxa: tuple[str, ...] | None = None
    source: str = "<table>"

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.orthologs), len(self.samples)):
            raise ValueError(
                f"{self.source}: values have shape {self.values.shape}, expected "
                f"({len(self.orthologs)}, {len(self.samples)})"
            )

    @property
    def stratified(self) -> bool:
        """True when rows are taxon x ortholog."""
        return self.taxa is not None


def read_ko_table(path: str | Path, *, ignore_taxa: bool = False) -> KoTable:
    """Read a wide, taxon-stratified or HUMAnN ortholog table (see the module docstring).

    Raises
    ------
    DataError
        Unreadable file, too few columns, a duplicate sample, row or (taxon, ortholog), or a
        value that is not a finite non-negative number.
    """
    path = Path(path)
    if path.suffix.lower() == ".biom":
        return _from_biom(path)
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    header, row = _first_lines(path, sep)
    if header[0].startswith("#"):
        return _from_humann(path, ignore_taxa=ignore_taxa)
    stratified = len(row) >= 3 and not _is_number(row[1])
    first = 2 if stratified else 1
    samples = tuple(header[first:])
    _check_samples(path, samples, first)
    try:  # ids as text, abundances parsed by pandas' C reader; bad cells leave a text column
        body = pd.read_csv(
            path, sep=sep, header=None, skiprows=1, na_filter=False,
            dtype=dict.fromkeys(range(first), str),
        )  # fmt: skip
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read the ortholog table ({str(exc).strip()})") from exc
    if body.shape[1] != len(header):
        raise DataError(f"{path}, line 2: {body.shape[1]} fields, but the header has {len(header)}")
    values = _numbers(path, body.iloc[:, first:], first, samples)
    orthologs = body.iloc[:, first - 1].str.strip().to_numpy(str)
    taxa = body.iloc[:, 0].str.strip().to_numpy(str) if stratified else None
    _check_unique(path, orthologs, taxa, np.arange(len(body)) + 2)
    table = KoTable(
        values, tuple(orthologs), samples, None if taxa is None else tuple(taxa), str(path)
    )
    return _community(table) if ignore_taxa else table


def _from_biom(path: Path) -> KoTable:
    """A BIOM table of orthologs (observations) by samples, read by
    :func:`gutbrain.omics.biom.read_biom` (the ``omics`` extra)."""
    from gutbrain.omics.biom import read_biom

    table = read_biom(path)
    counts = table.layers["counts"]
    values = np.asarray(counts.toarray() if hasattr(counts, "toarray") else counts, float).T
    return KoTable(
        values, tuple(map(str, table.var_names)), tuple(map(str, table.obs_names)), None, str(path)
    )


def _from_humann(path: Path, *, ignore_taxa: bool) -> KoTable:
    """A HUMAnN table through :func:`gutbrain.omics.humann.read_humann`: its ``KO|taxon`` rows,
    or its community rows with ``ignore_taxa`` (or when it has no stratified rows)."""
    from gutbrain.omics.humann import read_humann

    data = read_humann(path)
    var = data.var
    genes = ~var["special"].to_numpy(bool)
    has_taxon = var["stratified"].to_numpy(bool)
    community, per_taxon = genes & ~has_taxon, genes & has_taxon
    use_taxa = per_taxon.any() and not (ignore_taxa and community.any())
    keep = per_taxon if use_taxa else community
    values = np.asarray(data.layers["counts"], dtype=float).T[keep]
    table = KoTable(
        values,
        tuple(str(f) for f in var["function"][keep]),
        tuple(str(s) for s in data.obs_names),
        tuple(str(t) for t in var["taxon"][keep]) if use_taxa else None,
        str(path),
    )
    return _community(table) if ignore_taxa else table


def _community(table: KoTable) -> KoTable:
    """A stratified table summed over taxa per ortholog; a community table unchanged."""
    if table.taxa is None:
        return table
    summed = pd.DataFrame(table.values).groupby(list(table.orthologs), sort=False).sum()
    return KoTable(summed.to_numpy(float), tuple(summed.index), table.samples, None, table.source)


def _first_lines(path: Path, sep: str) -> tuple[list[str], list[str]]:
    """The header and first row, split, to tell the layout apart."""
    try:
        with path.open(encoding="utf-8") as fh:
            header, row = fh.readline(), fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the ortholog table ({str(exc).strip()})") from exc
    cells = [c.strip() for c in header.rstrip("\r\n").split(sep)], row.rstrip("\r\n").split(sep)
    if len(cells[0]) < 2 or len(cells[1]) < 2:
        raise DataError(f"{path}: expected a header and rows of an id and per-sample abundances")
    return cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_samples(path: Path, samples: tuple[str, ...], first: int) -> None:
    if not samples:
        raise DataError(f"{path}, line 1: no sample column after the id column(s)")
    seen: dict[str, int] = {}
    for column, name in enumerate(samples, start=first + 1):
        if not name:
            raise DataError(f"{path}, line 1, column {column}: empty sample name")
        if name in seen:
            raise DataError(
                f"{path}, line 1, column {column}: sample {name!r} repeats column {seen[name]}"
            )
        seen[name] = column


def _numbers(path: Path, cells: pd.DataFrame, first: int, samples: tuple[str, ...]) -> np.ndarray:
    """The abundance block as floats; the first bad cell raises a DataError."""
    text = [c for c in cells.columns if not pd.api.types.is_numeric_dtype(cells[c])]
    numeric = cells.copy()
    for c in text:  # only columns with a non-number in them are parsed again
        numeric[c] = pd.to_numeric(cells[c].astype(str).str.strip(), errors="coerce")
    values = numeric.to_numpy(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"{path}, line {row + 2}, column {col + first + 1} (sample {samples[col]!r}): "
            f"{str(cells.iat[row, col])!r} is not a finite non-negative abundance"
        )
    return values


def _check_unique(
    path: Path, orthologs: np.ndarray, taxa: np.ndarray | None, lines: np.ndarray
) -> None:
    keys = pd.Series(orthologs) if taxa is None else pd.Series(taxa) + "|" + orthologs
    repeated = keys.duplicated(keep=False).to_numpy()
    if repeated.any():
        first, again = lines[repeated][:2]
        what = "ortholog" if taxa is None else "taxon and ortholog"
        raise DataError(
            f"{path}, line {again}: {what} {keys[repeated].iloc[0]!r} already on line {first}"
        )
