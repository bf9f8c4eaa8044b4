"""Checking the inputs of :func:`gutbrain.analysis.lmm.lmm` and building its designs.

:func:`check_options` checks the method and level; :func:`prepare` checks the data (columns
present, numeric and finite, one row per time point, enough groups and rows for the model) and
returns the complete rows sorted by group, and by time within a group, with their fixed- and
random-effects designs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutbrain.analysis.formula import (
    DesignMatrix,
    EncodedColumn,
    ParsedFormula,
    SimpleFactor,
    builds_simply,
    check_text_terms,
    design_from_encoded,
    encode_columns,
    factorize_sorted,
    formula_columns,
    formulaic_design,
    parse_formula,
    response_values,
)
from gutbrain.errors import DataError, DesignError

__all__ = ["CORRELATIONS", "METHODS", "Prepared", "check_options", "prepare"]

METHODS = ("REML", "ML")
CORRELATIONS = ("car1", "ar1")


@dataclass(frozen=True)
class Prepared:
    """Complete rows sorted by group (and time): designs, response, group sizes and labels."""

    positions: np.ndarray  # row positions in the input data, in sorted order
    x: DesignMatrix
    z: DesignMatrix
    y: np.ndarray
    sizes: np.ndarray
    group_labels: np.ndarray
    time: np.ndarray | None


def check_options(method: str, conf_level: float, correlation: str = "car1") -> None:
    """Raise a :class:`DesignError` for an unknown method or correlation, or a level outside
    (0, 1)."""
    if method not in METHODS:
        raise DesignError(f"lmm: method {method!r} is not one of {METHODS}")
    if correlation not in CORRELATIONS:
        raise DesignError(f"lmm: correlation {correlation!r} is not one of {CORRELATIONS}")
    if not 0.0 < conf_level < 1.0:
        raise DesignError(f"lmm: conf_level {conf_level!r} must be between 0 and 1")


def prepare(
    formula: str,
    data: pd.DataFrame,
    groups: str,
    re: str,
    ar1_time: str | None,
    *,
    discrete: bool = False,
) -> Prepared:
    """The complete rows of ``data`` for the model, sorted, with their designs.

    Raises
    ------
    DataError
        Not a DataFrame, missing columns, a non-numeric response or time, infinite values,
        no complete rows, duplicate times, non-integer times for the ``discrete`` AR(1), or too
        few groups or rows for the model.
    DesignError
        An unparseable formula, or one without terms.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"lmm: data must be a pandas DataFrame, got {type(data).__name__}")
    fixed = parse_formula(formula)
    rand = parse_formula(re, need_response=False)
    needed = _needed_columns(fixed, rand, groups, ar1_time, data)
    resp = str(fixed.response)
    y = (
        _numeric(data, resp, "response")
        if fixed.lhs is None
        else response_values(fixed, data, what=f"lmm: fixed-effects formula {formula!r}")
    )
    formulas = (
        (fixed, f"fixed-effects formula {formula!r}"),
        (rand, f"random-effects formula {re!r}"),
    )
    enc: dict[SimpleFactor, EncodedColumn] = {}
    evaluated: list[str] = []  # columns of formulas that formulaic builds
    simple: list[bool] = []
    for parsed, what in formulas:
        if parsed.terms is None:
            check_text_terms(parsed, data, what=f"lmm: {what}")
        own = encode_columns(parsed, data, what=what) if parsed.terms is not None else None
        simple.append(own is not None and builds_simply(parsed, own))
        if own is None or not simple[-1]:
            evaluated.extend(parsed.predictors)
            continue
        for key, val in own.items():
            enc.setdefault(key, val)
    gcodes, guniq = factorize_sorted(data[groups])
    tvals = None if ar1_time is None else _numeric(data, ar1_time, "ar1_time")
    order = _complete_rows_sorted(data, resp, y, enc, evaluated, gcodes, ar1_time, tvals, needed)
    present, g_sorted = np.unique(gcodes[order], return_inverse=True)
    group_labels = np.asarray(guniq)[present]
    time = None
    if tvals is not None and ar1_time is not None:
        time = tvals[order]
        if discrete:
            _check_integer_times(time, data.index[order], ar1_time)
        _check_unique_times(time, g_sorted, group_labels, data.index, order, ar1_time, groups)
    enc_sorted = {k: _drop_unused_levels(v.take(order)) for k, v in enc.items()}
    xd, zd = (
        _design(p, fast, enc_sorted, data, order, f"lmm: {what}")
        for (p, what), fast in zip(formulas, simple, strict=True)
    )
    if zd.matrix.shape[1] == 0:
        raise DesignError(f"lmm: random-effects formula {re!r} has no terms; use '~ 1' at least")
    if xd.matrix.shape[1] == 0:
        raise DesignError(f"lmm: fixed-effects formula {formula!r} has no terms")
    _warn_between_group_slopes(zd, g_sorted, re, groups)
    _check_sizes(order.size, xd.matrix.shape[1], zd.matrix.shape[1], present.size, groups, re)
    return Prepared(
        positions=order,
        x=xd,
        z=zd,
        y=y[order],
        sizes=np.bincount(g_sorted, minlength=present.size),
        group_labels=group_labels,
        time=time,
    )


def _needed_columns(
    fixed: ParsedFormula,
    rand: ParsedFormula,
    groups: str,
    ar1_time: str | None,
    data: pd.DataFrame,
) -> list[str]:
    """The columns the model uses, each once; raise if any is not in ``data``."""
    needed = [*formula_columns(fixed), *formula_columns(rand), groups]
    if ar1_time is not None:
        needed.append(ar1_time)
    needed = list(dict.fromkeys(needed))
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise DataError(
            f"lmm: column(s) {', '.join(map(repr, missing))} not in the data; available: "
            f"{', '.join(map(str, data.columns))}"
        )
    return needed


def _complete_rows_sorted(
    data: pd.DataFrame,
    resp: str,
    y: np.ndarray,
    enc: dict[SimpleFactor, EncodedColumn],
    evaluated: list[str],
    gcodes: np.ndarray,
    ar1_time: str | None,
    tvals: np.ndarray | None,
    needed: list[str],
) -> np.ndarray:
    """Positions of the rows with a value in every used column, sorted by group, and by time
    within a group for the CAR(1) residual; raise at an infinite value, or if no row is
    complete. ``evaluated`` are the columns formulaic transforms (missing = NaN or None)."""
    bad = np.isnan(y) | (gcodes < 0)
    for e in enc.values():
        bad |= e.missing()
    for c in dict.fromkeys(evaluated):
        bad |= data[c].isna().to_numpy(dtype=bool)
    numeric = [(resp, y)] + [(c, e.values) for (c, _), e in enc.items() if e.levels is None]
    if ar1_time is not None and tvals is not None:
        bad |= np.isnan(tvals)
        numeric.append((ar1_time, tvals))
    _check_finite(numeric, data)
    keep = np.flatnonzero(~bad)
    if keep.size == 0:
        raise DataError(f"lmm: no complete rows in columns {needed}")
    if tvals is None:
        return keep[np.argsort(gcodes[keep], kind="stable")]
    return keep[np.lexsort((tvals[keep], gcodes[keep]))]


def _design(
    parsed: ParsedFormula,
    simple: bool,
    enc_sorted: dict[SimpleFactor, EncodedColumn],
    data: pd.DataFrame,
    order: np.ndarray,
    what: str,
) -> DesignMatrix:
    """The design of the rows at ``order``: built here for a simple formula (from its encoded,
    sorted columns), by formulaic otherwise."""
    if simple:
        return design_from_encoded(parsed, enc_sorted, order.size)
    rows = data[list(parsed.predictors)].iloc[order]
    return formulaic_design(parsed, rows, data.index[order], what=what)


def _numeric(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    try:
        return np.asarray(data[col].to_numpy(dtype=float, na_value=np.nan))
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"lmm: {role} column {col!r} must be numeric (dtype {data[col].dtype})"
        ) from exc


def _check_finite(numeric: list[tuple[str, np.ndarray]], data: pd.DataFrame) -> None:
    """Raise at the first infinite value of the numeric columns (NaN marks a missing value)."""
    for col, vals in numeric:
        inf = np.flatnonzero(np.isinf(vals))
        if inf.size:
            i = int(inf[0])
            raise DataError(
                f"lmm: column {col!r}, data row {data.index[i]!r}: value {vals[i]}; expected a "
                "finite number (NaN marks a missing value)"
            )


def _check_unique_times(
    time: np.ndarray,
    g_sorted: np.ndarray,
    group_labels: np.ndarray,
    index: pd.Index,
    positions: np.ndarray,
    ar1_time: str,
    groups: str,
) -> None:
    """Raise at the first repeated time within a group: ``time``, ``g_sorted`` (group codes)
    and ``positions`` (rows of the data, whose labels are ``index``) are sorted by group and
    time."""
    dup = (np.diff(g_sorted) == 0) & (np.diff(time) == 0)
    if dup.any():
        k = int(np.flatnonzero(dup)[0]) + 1
        raise DataError(
            f"lmm: duplicate {ar1_time!r} = {time[k]:g} for {groups} = "
            f"{group_labels[g_sorted[k]]!r} (data row {index[positions[k]]!r}); the CAR(1) "
            "residual needs one row per time point"
        )


def _check_integer_times(time: np.ndarray, labels: pd.Index, ar1_time: str) -> None:
    """Raise at the first non-integer time: the discrete AR(1) counts whole steps."""
    bad = np.flatnonzero(time != np.round(time))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"lmm: column {ar1_time!r}, data row {labels[i]!r}: {time[i]:g} is not a whole "
            "number; correlation='ar1' (nlme's corAR1) needs integer times, use 'car1' for "
            "continuous times"
        )


def _check_sizes(n: int, p: int, q: int, m: int, groups: str, re: str) -> None:
    """Raise unless ``n`` rows in ``m`` groups can carry ``p`` fixed and ``m x q`` random
    effects and still leave the residual variance identifiable."""
    if m < 2:
        raise DataError(f"lmm: grouping column {groups!r} has {m} level(s); need at least 2")
    if m >= n:
        raise DataError(
            f"lmm: {m} levels of {groups!r} for {n} complete rows; random effects need fewer "
            "groups than observations"
        )
    if n <= p:
        raise DataError(f"lmm: {n} complete rows for {p} fixed effects")
    if n <= m * q:
        raise DataError(
            f"lmm: {n} complete rows for {m} x {q} random effects ({re!r} per {groups!r}); the "
            "residual variance is not identifiable (lme4 refuses this too): simplify `re`"
        )


def _drop_unused_levels(e: EncodedColumn) -> EncodedColumn:
    if e.levels is None:
        return e
    present = np.unique(e.values)
    if present.size == len(e.levels):
        return e
    remap = np.full(len(e.levels), -1)
    remap[present] = np.arange(present.size)
    return EncodedColumn(remap[e.values], tuple(e.levels[i] for i in present))


def _warn_between_group_slopes(
    zd: DesignMatrix, g_sorted: np.ndarray, re: str, groups: str
) -> None:
    """Warn about a random slope for a column that never varies within a group: its variance
    cannot be told apart from the intercept's, and the fit is then usually singular."""
    z = zd.matrix
    starts = np.flatnonzero(np.r_[True, np.diff(g_sorted) != 0])
    for j, name in enumerate(zd.columns):
        col = z[:, j]
        if name == "Intercept" or np.ptp(col) == 0:
            continue
        if np.all(np.maximum.reduceat(col, starts) == np.minimum.reduceat(col, starts)):
            warnings.warn(
                f"lmm: random-effects formula {re!r}: {name!r} never varies within a level of "
                f"{groups!r}, so its random slope is not identified apart from the intercept; "
                "keep it in the fixed effects only",
                UserWarning,
                stacklevel=4,
            )
