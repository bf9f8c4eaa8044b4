"""MetaPhlAn 4 taxonomic profiles (single-sample, or merged with ``merge_metaphlan_tables.py``)
into AnnData.

The format (MetaPhlAn 4 wiki, "Output files"): ``#`` header lines (database version, command,
reads processed, ``#SampleID<TAB>name``), then a ``#clade_name<TAB>...`` column header, then one
line per clade: the clade string ``k__Bacteria|p__...|s__...|t__SGB...``, its NCBI taxid path,
the relative abundance in percent and, with ``-t rel_ab_w_read_stats``, coverage and estimated
reads. A merged table has a ``clade_name<TAB>sample...`` header (optionally with a taxid column).
``UNCLASSIFIED`` is the share of reads from no known clade.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import make_anndata
from gutbrain.omics._lines import number, rows

if TYPE_CHECKING:
    from anndata import AnnData

__all__ = ["read_metaphlan"]

_TAXID = ("clade_taxid", "NCBI_tax_id")
_ABUNDANCE = "relative_abundance"
_READS = "estimated_number_of_reads_from_the_clade"
_NOT_SAMPLES = (*_TAXID, _ABUNDANCE, _READS, "coverage", "additional_species")
UNCLASSIFIED = "UNCLASSIFIED"


def _rank(clade: str) -> str:
    """The rank letter of a clade string's last level (``s`` for ``...|s__x``); '' if none."""
    last = clade.rsplit("|", 1)[-1]
    return last[0] if len(last) > 3 and last[1:3] == "__" else ""


def read_metaphlan(path: str | Path, *, rank: str | None = "s") -> AnnData:
    """Read a MetaPhlAn 4 profile into an AnnData (values in percent, as MetaPhlAn gives them).

    ``rank`` keeps the clades that end at that rank (``"s"`` species, the default; ``"g"``
    genus; ``"t"`` SGB) and UNCLASSIFIED; ``None`` keeps every line. ``var`` is indexed by the
    clade string and holds its ``rank``, ``name`` and ``taxid``. With read statistics the ``counts``
    layer holds MetaPhlAn's estimated reads per clade.
    """
    path = Path(path)
    header: list[str] | None = None
    sample_id = path.stem
    uns: dict[str, str] = {"format": "metaphlan"}
    data: list[tuple[int, list[str]]] = []
    for line, fields in rows(path, "\t", quoted=False):
        head = fields[0].lstrip("#").strip()
        if header is None and head == "clade_name":
            header = [f.strip() for f in fields]
            header[0] = "clade_name"
        elif fields[0].startswith("#"):
            if head == "SampleID" and len(fields) > 1:
                sample_id = fields[1].strip()
            elif head.startswith("mpa_v"):
                uns["database"] = head
        elif header is None:
            raise DataError(
                f"{path}: line {line} = {fields[0][:60]!r} comes before the column header; "
                "expected '#clade_name<TAB>...' (MetaPhlAn 4) first"
            )
        else:
            data.append((line, fields))
    if header is None:
        raise DataError(f"{path}: no '#clade_name' column header; expected a MetaPhlAn 4 profile")
    single = _ABUNDANCE in header
    samples = [sample_id] if single else [c for c in header[1:] if c not in _NOT_SAMPLES]
    if not samples:
        raise DataError(f"{path}: the header names no sample column; expected one at least")
    value_cols = [header.index(_ABUNDANCE)] if single else [header.index(s) for s in samples]
    read_col = header.index(_READS) if _READS in header else None
    taxid_col = next((header.index(t) for t in _TAXID if t in header), None)
    features, values, reads, taxids = [], [], [], []
    for line, fields in data:
        if len(fields) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(fields)} tab-separated fields; expected "
                f"{len(header)}, as the header '#clade_name...' names"
            )
        clade = fields[0].strip()
        if rank is not None and _rank(clade) != rank and clade != UNCLASSIFIED:
            continue
        features.append(clade)
        values.append(
            [
                number(fields[c], path, line, s, clade)
                for s, c in zip(samples, value_cols, strict=True)
            ]
        )
        if read_col is not None:
            reads.append(number(fields[read_col], path, line, samples[0], clade))
        taxids.append(fields[taxid_col].strip() if taxid_col is not None else None)
    var = pd.DataFrame(
        {
            "rank": [_rank(c) for c in features],
            "name": [c.rsplit("|", 1)[-1][3:] if _rank(c) else c for c in features],
            "taxid": taxids,
        },
        index=pd.Index(features, dtype=object),
    )
    shape = (len(features), len(samples))
    return make_anndata(
        np.array(values, dtype=float).reshape(shape).T,
        pd.Index(samples, dtype=object),
        var,
        str(path),
        uns={**uns, "units": "percent"},
        counts=np.array(reads, dtype=float).reshape(1, -1)
        if read_col is not None and single
        else None,
    )
