"""Number formatting shared by the meta-analysis result printers (metafor's conventions)."""

from __future__ import annotations

import math

import pandas as pd


def fmt_p(p: float | None) -> str:
    """A p-value as metafor prints it: ``<.0001`` below 1e-4, else four decimals."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def fmt_p_eq(p: float | None) -> str:
    """``p-val < .0001`` or ``p-val = 0.0123``."""
    s = fmt_p(p)
    return "p-val < .0001" if s == "<.0001" else f"p-val = {s}"


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
            shown[col] = [fmt_p(p) for p in frame[col]]
        elif pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [f"{v:.4f}" for v in frame[col]]
    shown[""] = star
    return shown.to_string()
