"""HUMAnN 3 gene-family, KO (regrouped) and pathway tables into AnnData.

The format (HUMAnN 3 user manual, "Output files"): a header line starting with ``#`` (``# Gene
Family``, ``# Pathway``, ``#HEADERS``) followed by one column per sample; then one line per
feature. A community total reads ``FEATURE`` (or ``FEATURE: name``); its share from one taxon
reads ``FEATURE|g__Genus.s__species`` (or ``|unclassified``). ``UNMAPPED`` (reads that mapped to
no gene), ``UNGROUPED`` (genes in no group after regrouping) and ``UNINTEGRATED`` (abundance in no
pathway) are kept as features, so that a sample's total stays what HUMAnN reported.
"""

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

__all__ = ["SPECIAL", "read_humann"]

#: HUMAnN's own rows: not a gene family, KO or pathway.
SPECIAL = ("UNMAPPED", "UNGROUPED", "UNINTEGRATED")


def _describe(feature: str) -> dict[str, object]:
    """``var`` columns of one feature id: function, its name, taxon, stratified, special."""
    function, _, taxon = feature.partition("|")
    ident, _, name = function.partition(": ")
    return {
        "function": ident,
        "name": name or None,
        "taxon": taxon or None,
        "stratified": bool(taxon),
        "special": ident in SPECIAL,
    }


def read_humann(
    path: str | Path, *, stratified: Literal["keep", "drop", "only"] = "keep"
) -> AnnData:
    """Read a HUMAnN 3 table (one or many samples) into an AnnData.

    ``var`` holds ``function`` (the id before ``: name``), ``name``, ``taxon`` (None for a
    community row), ``stratified`` and ``special`` (UNMAPPED, UNGROUPED, UNINTEGRATED).
    ``stratified``: keep the ``feature|taxon`` rows (default), drop them, or keep only them.
    The ``relative`` layer is taken over the community rows.
    """
    path = Path(path)
    lines = rows(path, "\t", quoted=False)
    first = next(lines, None)
    if first is None or not first[1][0].startswith("#") or len(first[1]) < 2:
        got = "an empty file" if first is None else repr("\t".join(first[1])[:60])
        raise DataError(
            f"{path}: line {first[0] if first else 1} is {got}; expected HUMAnN's header "
            "'# Gene Family<TAB>sample...' (a '#', then one column per sample)"
        )
    samples = [s.strip() for s in first[1][1:]]
    features: list[str] = []
    values: list[list[float]] = []
    for line, fields in lines:
        if len(fields) != len(samples) + 1:
            raise DataError(
                f"{path}: line {line} has {len(fields)} tab-separated fields; expected "
                f"{len(samples) + 1} (the feature, then one value per sample)"
            )
        feature = fields[0].strip()
        if not feature:
            raise DataError(f"{path}: line {line}, first column is empty; expected a feature id")
        keep = stratified == "keep" or (("|" in feature) == (stratified == "only"))
        if keep:
            features.append(feature)
            values.append(
                [
                    number(v, path, line, s, feature)
                    for s, v in zip(samples, fields[1:], strict=True)
                ]
            )
    var = pd.DataFrame([_describe(f) for f in features], index=pd.Index(features, dtype=object))
    matrix = np.array(values, dtype=float).reshape(len(features), len(samples)).T
    return make_anndata(
        matrix, pd.Index(samples, dtype=object), var, str(path), uns={"format": "humann"}
    )
