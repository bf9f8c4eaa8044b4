"""Diversity and composition through scikit-bio: every value here is a scikit-bio call.

Alpha: Shannon (natural log, scikit-bio's default), Simpson (1 - dominance), observed features,
Faith's PD (given a tree). Beta: Bray-Curtis, Jaccard (on presence/absence), Aitchison (the
Euclidean distance between CLR-transformed samples) and weighted/unweighted UniFrac (given a
tree). CLR needs no zeros, so zeros are replaced explicitly (multiplicative replacement, Martín-
Fernández et al. 2003, scikit-bio's ``multi_replace``; or a pseudocount), or refused; robust CLR
(rCLR, Martino et al. 2019) treats zeros as missing and leaves NaN there. PERMANOVA (Anderson
2001) tests a grouping on a distance matrix.

Each function takes an AnnData (its layer ``counts`` by default) or a samples × features
DataFrame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gutbrain.errors import DataError
from gutbrain.omics._build import check_values, require

if TYPE_CHECKING:
    from anndata import AnnData
    from skbio import DistanceMatrix, TreeNode

__all__ = ["ALPHA", "BETA", "alpha", "beta", "clr", "permanova", "rclr"]

#: gutbrain's alpha metric -> scikit-bio's.
ALPHA = {
    "shannon": "shannon",
    "simpson": "simpson",
    "observed": "observed_features",
    "faith_pd": "faith_pd",
}
#: gutbrain's beta metric -> scikit-bio's ("aitchison" is Euclidean on CLR).
BETA = {
    "braycurtis": "braycurtis",
    "jaccard": "jaccard",
    "aitchison": "euclidean",
    "unweighted_unifrac": "unweighted_unifrac",
    "weighted_unifrac": "weighted_unifrac",
}
_PHYLOGENETIC = {"faith_pd", "unweighted_unifrac", "weighted_unifrac"}
Zeros = Literal["multiplicative", "pseudocount", "error"]


def _frame(data: AnnData | pd.DataFrame, layer: str) -> pd.DataFrame:
    """Samples × features values, checked finite and >= 0."""
    if isinstance(data, pd.DataFrame):
        frame = data.astype(float)
        source = "the table"
    else:
        values = data.layers[layer] if layer in data.layers else data.X
        frame = pd.DataFrame(
            np.asarray(values, dtype=float),
            index=pd.Index(data.obs_names),
            columns=pd.Index(data.var_names),
        )
        source = str(data.uns.get("source", "the AnnData"))
    check_values(frame.to_numpy(), frame.index, frame.columns, source)
    return frame


def _tree(tree: TreeNode | str | Path | None, metric: str) -> TreeNode:
    if tree is None:
        raise DataError(f"metric {metric!r} needs a phylogenetic tree; give tree= (Newick file)")
    skbio = require("skbio")
    if isinstance(tree, str | Path):
        try:
            return skbio.TreeNode.read(str(tree), format="newick")
        except (OSError, ValueError, skbio.io.FileFormatError) as err:
            raise DataError(f"{tree}: not a readable Newick tree ({err})") from None
    return tree


def _phylo_kwargs(
    metric: str, frame: pd.DataFrame, tree: TreeNode | str | Path | None
) -> dict[str, Any]:
    if metric not in _PHYLOGENETIC:
        return {}
    node = _tree(tree, metric)
    tips = {t.name for t in node.tips()}
    missing = [f for f in frame.columns if f not in tips]
    if missing:
        raise DataError(
            f"feature {missing[0]!r} (and {len(missing) - 1} more) is not a tip of the tree; "
            f"{metric} needs every feature in the tree"
        )
    return {"taxa": list(frame.columns), "tree": node}


def alpha(
    data: AnnData | pd.DataFrame,
    metrics: Sequence[str] = ("shannon", "simpson", "observed"),
    *,
    tree: TreeNode | str | Path | None = None,
    layer: str = "counts",
) -> pd.DataFrame:
    """Alpha diversity per sample: one column per metric of :data:`ALPHA`."""
    diversity = require("skbio.diversity")
    frame = _frame(data, layer)
    out = {}
    for metric in metrics:
        if metric not in ALPHA:
            raise DataError(f"alpha metric {metric!r}; expected one of {', '.join(ALPHA)}")
        out[metric] = diversity.alpha_diversity(
            ALPHA[metric],
            frame.to_numpy(),
            list(frame.index),
            **_phylo_kwargs(metric, frame, tree),
        )
    return pd.DataFrame(out, index=frame.index)


def beta(
    data: AnnData | pd.DataFrame,
    metric: str = "braycurtis",
    *,
    tree: TreeNode | str | Path | None = None,
    layer: str = "counts",
    zeros: Zeros = "multiplicative",
) -> DistanceMatrix:
    """The distance matrix between samples for a metric of :data:`BETA` (``zeros``: how
    Aitchison handles zeros, as in :func:`clr`)."""
    diversity = require("skbio.diversity")
    if metric not in BETA:
        raise DataError(f"beta metric {metric!r}; expected one of {', '.join(BETA)}")
    frame = _frame(data, layer)
    if metric == "aitchison":
        values = clr(frame, zeros=zeros).to_numpy()
    elif metric == "jaccard":
        values = frame.to_numpy() > 0
    else:
        values = frame.to_numpy()
    return diversity.beta_diversity(
        BETA[metric],
        values,
        list(frame.index),
        validate=metric != "aitchison",  # CLR values are log-ratios, not counts
        **_phylo_kwargs(metric, frame, tree),
    )


def clr(
    data: AnnData | pd.DataFrame,
    *,
    zeros: Zeros = "multiplicative",
    pseudocount: float = 0.5,
    layer: str = "counts",
) -> pd.DataFrame:
    """Centred log-ratio per sample, with explicit zero handling.

    ``zeros="multiplicative"``: scikit-bio's multiplicative replacement (delta = 1/D^2 of the
    closed composition); ``"pseudocount"``: add ``pseudocount`` to every value;
    ``"error"``: a :class:`DataError` naming the first zero.
    """
    composition = require("skbio.stats.composition")
    frame = _frame(data, layer)
    values = frame.to_numpy()
    if zeros == "error" and (values == 0).any():
        i, j = np.argwhere(values == 0)[0]
        raise DataError(
            f"sample {frame.index[i]!r}, feature {frame.columns[j]!r} = 0; CLR needs positive "
            "values (use zeros='multiplicative' or 'pseudocount', or rclr)"
        )
    empty = frame.index[values.sum(axis=1) == 0]
    if len(empty) and zeros != "pseudocount":
        raise DataError(f"sample {empty[0]!r} has no counts at all; CLR needs a composition")
    if zeros == "multiplicative":
        values = composition.multi_replace(values)
    elif zeros == "pseudocount":
        values = values + pseudocount
    # scikit-bio squeezes a one-sample table to 1-D: restore samples x features
    out = np.reshape(composition.clr(values), frame.shape)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def rclr(data: AnnData | pd.DataFrame, *, layer: str = "counts") -> pd.DataFrame:
    """Robust CLR (scikit-bio's ``rclr``): the log-ratio to the geometric mean of each sample's
    non-zero values; a zero stays missing (NaN), no value is imputed."""
    composition = require("skbio.stats.composition")
    frame = _frame(data, layer)
    out = np.reshape(composition.rclr(frame.to_numpy()), frame.shape)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def permanova(
    distances: DistanceMatrix,
    grouping: pd.Series | Sequence[Any],
    *,
    permutations: int = 999,
    seed: int | None = None,
) -> pd.Series:
    """scikit-bio's PERMANOVA of ``grouping`` (one label per sample, in the matrix's order, or
    a Series indexed by sample id) on ``distances``: pseudo-F, p-value and sizes."""
    stats = require("skbio.stats.distance")
    if isinstance(grouping, pd.Series):
        missing = [i for i in distances.ids if i not in grouping.index]
        if missing:
            raise DataError(f"sample {missing[0]!r} has no group; expected one per sample")
        labels = grouping.loc[list(distances.ids)].astype(object).to_numpy()
    else:
        labels = np.asarray(grouping, dtype=object)
    return stats.permanova(distances, labels, permutations=permutations, seed=seed)
