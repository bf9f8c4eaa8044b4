"""The HTML page of ``gutbrain profile``: a heatmap of module abundances and the coverage
distribution with its cut-off, both embedded as PNG (matplotlib, no global pyplot state).

The page lives here rather than in ``report/`` because omics sits beside ``io/``, below the layers
that import the model, and ``report/`` may not be imported from it.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gutbrain.omics.modules_profile import ModuleProfile

__all__ = ["HEATMAP_ROWS", "coverage_figure", "heatmap_figure", "profile_page"]

HEATMAP_ROWS = 60
"""The heatmap shows at most this many rows: those with the highest mean abundance."""


def heatmap_figure(abundance: pd.DataFrame, names: Mapping[str, str]) -> Figure:
    """log10(1 + abundance) of the reported rows (at most :data:`HEATMAP_ROWS`) x samples,
    labelled by (taxon,) module id and name."""
    top = abundance.loc[abundance.mean(axis=1).sort_values(ascending=False).index]
    top = top.iloc[:HEATMAP_ROWS]
    keys = [k if isinstance(k, tuple) else (k,) for k in top.index]
    labels = [" ".join(map(str, k)) + " " + names.get(str(k[-1]), "")[:40] for k in keys]
    fig = Figure(figsize=(min(7 + 0.25 * top.shape[1], 18), 1.5 + 0.22 * max(len(labels), 1)))
    ax = fig.add_subplot()
    image = ax.imshow(np.log10(1 + top.to_numpy(float)), aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    if top.shape[1] <= 40:
        ax.set_xticks(range(top.shape[1]), [str(s) for s in top.columns], rotation=90, fontsize=7)
    else:
        ax.set_xlabel(f"{top.shape[1]} samples")
    fig.colorbar(image, ax=ax, label="log10(1 + abundance)")
    fig.tight_layout()
    return fig


def coverage_figure(coverage: pd.DataFrame, cutoff: float) -> Figure:
    """Number of modules kept at each observed coverage, with the cut-off marked (as Omixer-RPM
    plots its learned cut-off)."""
    observed = coverage.to_numpy(float).ravel()
    levels, counts = np.unique(observed[observed > 0], return_counts=True)
    kept = counts[::-1].cumsum()[::-1]
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.plot(levels, kept, "o-", color="steelblue")
    if np.isfinite(cutoff):
        ax.axvline(cutoff, color="green", linestyle="--", label=f"cut-off {cutoff:.3g}")
        ax.legend()
    ax.set_xlabel("coverage c")
    ax.set_ylabel("modules with coverage >= c")
    fig.tight_layout()
    return fig


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode()


def profile_page(profile: ModuleProfile, manifest: dict[str, object]) -> str:
    """A self-contained HTML page: options, cut-off, heatmap, coverage plot, summary, manifest."""
    abundance, _ = profile.reported()
    how = "learned from the coverage distribution" if profile.learned else "given"
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        "<title>gutbrain module profile</title></head><body>",
        "<h1>Module profile</h1>",
        "<p>Research and teaching software; not medical advice.</p>",
        f"<p>{abundance.shape[0]} rows reported over {profile.abundance.shape[1]} samples; "
        f"estimator {html.escape(profile.estimator)}"
        f"{', normalised by module length' if profile.normalize_by_length else ''}; "
        f"minimum coverage {profile.cutoff:.4g} ({how}).</p>",
    ]
    if abundance.shape[0]:
        shown = min(abundance.shape[0], HEATMAP_ROWS)
        heatmap = _png(heatmap_figure(abundance, profile.names))
        parts += [
            f"<h2>Abundance heatmap (top {shown} rows by mean)</h2>",
            f"<img alt='heatmap' src='data:image/png;base64,{heatmap}'>",
        ]
    else:
        parts.append("<p>No module reaches the minimum coverage in any sample.</p>")
    figure = _png(coverage_figure(profile.coverage, profile.cutoff))
    parts += [
        "<h2>Coverage distribution</h2>",
        f"<img alt='coverage distribution' src='data:image/png;base64,{figure}'>",
        "<h2>Summary</h2>",
        profile.summary().loc[abundance.index].to_html(float_format=lambda v: f"{v:.4g}"),
        "<h2>Manifest</h2>",
        f"<pre>{html.escape(json.dumps(manifest, indent=2))}</pre>",
        "</body></html>\n",
    ]
    return "\n".join(parts)
