"""Coefficient tables and significance codes of the meta-analysis printers, as metafor prints
them (p-values: :func:`gutbrain.analysis.format.format_p` with ``style="metafor"``)."""

from __future__ import annotations

import pandas as pd

from gutbrain.analysis.format import format_p


def stars(p: float) -> str:
    """Significance codes as R prints them."""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    if p < 0.1:
        return "."
    return ""


def table(frame: pd.DataFrame, pcol: str = "pval") -> str:
    """A coefficient table with four decimals, metafor-style p-values and stars."""
    shown = frame.copy()
    star = [stars(p) for p in frame[pcol]]
    for col in shown.columns:
        if col == pcol:
            shown[col] = [format_p(p, style="metafor") for p in frame[col]]
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [f"{v:.4f}" for v in frame[col]]
    shown[""] = star
    return shown.to_string()
