"""Turn one raw column (CSV text, Parquet values or an in-memory column) into its canonical dtype.

Nothing is coerced silently: text must spell a value of the declared kind exactly (``"1.0"`` is
not an integer, ``" 3"`` is not a number), floats are never accepted in integer columns, numbers
are never accepted in text columns. The first offending row is reported with its value; the
number of further offending rows in the same column is added so a user can fix them all at once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from gutbrain.io._problems import fail
from gutbrain.io.schema import Column, Kind

__all__ = ["MISSING_TEXT", "convert_column", "convert_extra", "missing_mask"]

MISSING_TEXT = frozenset({"", "NA"})
"""Cell texts that mean *missing* in numeric, date and timestamp columns (text columns: only "")."""

_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: A leading plus sign, or a zero followed by another digit: how codes (site "01", id "007")
#: differ from numbers written by a program.
_CODE_RE = re.compile(r"\+|-?0[0-9]")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT64_MAX = 2**63 - 1

_EXPECTED: dict[Kind, str] = {
    "text": "expected text",
    "int": "expected a whole number without a decimal point, such as 14",
    "float": "expected a finite number such as 12.5",
    "date": "expected an ISO date such as 2026-01-05",
    "timestamp": (
        "expected an ISO 8601 timestamp with a UTC offset, such as 2026-01-05T20:15:00+01:00"
    ),
}


class _Bad(Exception):
    """One cell that does not parse; carries the reason shown to the user."""


def missing_mask(raw: pd.Series, kind: Kind) -> np.ndarray:
    """Boolean array: which cells of ``raw`` count as missing for a column of ``kind``."""
    mask = np.array(raw.isna().to_numpy(), dtype=bool)  # a writable copy
    if ptypes.is_object_dtype(raw.dtype) or ptypes.is_string_dtype(raw.dtype):
        texts = [""] if kind == "text" else sorted(MISSING_TEXT)
        mask |= raw.isin(texts).to_numpy(dtype=bool)
    return mask


def _all_text(raw: pd.Series) -> bool:
    """True if every non-missing cell is a Python str (checked in C by pandas' type inference)."""
    return ptypes.infer_dtype(raw, skipna=True) in ("string", "empty")


def _parse_int(v: Any) -> int:
    if isinstance(v, bool | np.bool_):
        raise _Bad("is true/false (store 0 or 1)")
    if isinstance(v, str):
        if not _INT_RE.fullmatch(v):
            raise _Bad("is not an integer")
        out = int(v)
    elif isinstance(v, int | np.integer):
        out = int(v)
    elif isinstance(v, float | np.floating):
        raise _Bad(
            "is a float, not an integer (hold whole numbers as int64, or as the nullable "
            "'Int64' dtype where cells may be missing)"
        )
    else:
        raise _Bad(f"has type {type(v).__name__}, not an integer")
    if abs(out) > _INT64_MAX:
        raise _Bad("is too large for a 64-bit integer")
    return out


def _parse_float(v: Any) -> float:
    if isinstance(v, bool | np.bool_):
        raise _Bad("is true/false")
    if isinstance(v, str):
        if not _FLOAT_RE.fullmatch(v):
            raise _Bad("is not a number")
        out = float(v)
    elif isinstance(v, int | float | np.integer | np.floating):
        out = float(v)
    else:
        raise _Bad(f"has type {type(v).__name__}, not a number")
    if not math.isfinite(out):
        raise _Bad("is not finite")
    return out


def _parse_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    raise _Bad(f"has type {type(v).__name__}, not text")


def _parse_date(v: Any) -> dt.datetime:
    if isinstance(v, str):
        if not _DATE_RE.fullmatch(v):
            raise _Bad("is not a YYYY-MM-DD date")
        try:
            d = dt.date.fromisoformat(v)
        except ValueError as exc:
            raise _Bad(f"is not a valid date ({exc})") from None
        return dt.datetime(d.year, d.month, d.day)
    if isinstance(v, dt.datetime):  # also pandas.Timestamp
        if v.tzinfo is not None or v.time() != dt.time(0):
            raise _Bad("has a time of day or time zone; a calendar date is expected")
        return v.replace(tzinfo=None)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    raise _Bad(f"has type {type(v).__name__}, not a date")


def _parse_timestamp(v: Any) -> pd.Timestamp:
    if isinstance(v, str):
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            raise _Bad("is not an ISO 8601 timestamp") from None
    elif isinstance(v, dt.datetime):
        t = v
    else:
        raise _Bad(f"has type {type(v).__name__}, not a timestamp")
    if t.tzinfo is None or t.utcoffset() is None:
        raise _Bad("has no UTC offset")
    return pd.Timestamp(t).tz_convert("UTC")


_PARSERS: dict[Kind, Callable[[Any], Any]] = {
    "text": _parse_text,
    "int": _parse_int,
    "float": _parse_float,
    "date": _parse_date,
    "timestamp": _parse_timestamp,
}


def _first_bad(
    file: str,
    column: str,
    raw: pd.Series,
    bad: np.ndarray,
    problem: str,
    *,
    missing: bool = False,
) -> None:
    idx = np.flatnonzero(bad)
    if idx.size:
        i = int(idx[0])
        fail(
            file,
            problem,
            row=i + 1,
            column=column,
            value=raw.iloc[i],
            has_value=True,
            more=int(idx.size - 1),
            missing=missing,
        )


def _parse_elementwise(file: str, col: Column, raw: pd.Series, missing: np.ndarray) -> list[Any]:
    parse = _PARSERS[col.kind]
    out: list[Any] = [None] * len(raw)
    first: tuple[int, str] | None = None
    n_bad = 0
    for i, (v, m) in enumerate(zip(raw.to_numpy(dtype=object), missing, strict=True)):
        if m:
            continue
        try:
            out[i] = parse(v)
        except _Bad as exc:
            n_bad += 1
            if first is None:
                first = (i, str(exc))
    if first is not None:
        i, reason = first
        fail(
            file,
            f"{reason}; {_EXPECTED[col.kind]}",
            row=i + 1,
            column=col.name,
            value=raw.iloc[i],
            has_value=True,
            more=n_bad - 1,
        )
    return out


def _typed_fast_path(col: Column, raw: pd.Series, missing: np.ndarray) -> pd.Series | None:
    """Convert an already-typed column without a Python loop, or return None to parse per cell.

    Floats are never taken by the integer path (``is_integer_dtype`` is false for them), so a
    float column offered as integers is parsed per cell and its first value is reported.
    """
    dtype = raw.dtype
    if ptypes.is_bool_dtype(dtype):
        return None  # per-cell parsing reports "is true/false"
    if col.kind == "int" and ptypes.is_integer_dtype(dtype):
        return raw.astype("Int64")
    if col.kind == "float" and (ptypes.is_integer_dtype(dtype) or ptypes.is_float_dtype(dtype)):
        out = raw.astype("float64")
        return None if np.isinf(out.to_numpy()).any() else out
    if col.kind == "date" and ptypes.is_datetime64_dtype(dtype):
        return (
            None
            if (raw[~missing].dt.normalize() != raw[~missing]).any()
            else raw.astype("datetime64[us]")
        )
    if col.kind == "timestamp" and isinstance(dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return None


def _text_fast_path(col: Column, raw: pd.Series, missing: np.ndarray) -> pd.Series | None:
    """Vectorised parsing of a column of text cells (a CSV column), or None if any cell fails.

    On failure the caller parses cell by cell, which finds and words the first bad cell; both
    paths accept exactly the same texts.
    """
    index = raw.index
    if col.kind == "text":
        text = raw.astype(object).where(~missing, None)
        return pd.Series(text, index=index, dtype="str")
    # pandas' own string dtype runs regular expressions and casts in C (via pyarrow if present).
    present = raw[~missing].astype("str")
    if col.kind == "timestamp":
        return None
    pattern = {"int": _INT_RE, "float": _FLOAT_RE, "date": _DATE_RE}[col.kind]
    if not present.str.fullmatch(pattern.pattern).all():
        return None
    try:
        if col.kind == "int":
            if present.str.len().max() > 18:  # may not fit in int64: the per-cell path decides
                return None
            out = pd.Series(pd.array([pd.NA] * len(raw), dtype="Int64"), index=index)
            out[~missing] = present.astype("int64").to_numpy()
            return out
        if col.kind == "float":
            values = np.full(len(raw), np.nan)
            values[~missing] = present.astype("float64").to_numpy()
            return None if np.isinf(values).any() else pd.Series(values, index=index)
    except (ValueError, TypeError, OverflowError, ArithmeticError):
        return None  # the per-cell path reports the cell
    dates = pd.to_datetime(present, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():  # e.g. 2026-02-30
        return None
    out_dates = pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    out_dates[~missing] = dates.astype("datetime64[us]").to_numpy()
    return out_dates


def convert_column(file: str, col: Column, raw: pd.Series) -> pd.Series:
    """Convert ``raw`` to ``col``'s canonical dtype, checking missingness and range.

    Parameters
    ----------
    file
        File or table name for messages.
    col
        The declared column.
    raw
        The column as read (strings from CSV) or as held in memory, with a default index.

    Returns
    -------
    pandas.Series
        Same length and index, dtype ``col.dtype``.

    Raises
    ------
    BundleDataError
        For the first cell of the wrong type, missing where not allowed, or out of range.
    """
    missing = missing_mask(raw, col.kind)
    if missing.all():
        converted = _all_missing(col, raw.index)
    else:
        fast = _typed_fast_path(col, raw, missing)
        if fast is None and _all_text(raw):
            fast = _text_fast_path(col, raw, missing)
        if fast is not None:
            converted = fast
        else:
            parsed = _parse_elementwise(file, col, raw, missing)
            converted = _from_parsed(col, parsed, raw.index)
    if not col.nullable:
        _first_bad(
            file,
            col.name,
            raw,
            missing,
            f"this column needs a value in every row ({_EXPECTED[col.kind]})",
            missing=True,
        )
        converted = converted.astype(col.dtype)
    if col.kind in ("int", "float") and (col.min is not None or col.max is not None):
        check_range(file, col.name, raw, converted, col.min, col.max)
    return converted


def check_range(
    file: str,
    column: str,
    raw: pd.Series,
    values: pd.Series,
    lo: float | None,
    hi: float | None,
    what: str = "",
) -> None:
    """Report the first non-missing value of ``values`` outside ``[lo, hi]``."""
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.zeros(len(arr), dtype=bool)
        if lo is not None:
            bad |= arr < lo
        if hi is not None:
            bad |= arr > hi
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    _first_bad(file, column, raw, bad, f"is out of range; expected {what}{lo_s} to {hi_s}")


def _all_missing(col: Column, index: pd.Index) -> pd.Series:
    n = len(index)
    if col.kind == "float":
        return pd.Series(np.full(n, np.nan), index=index, dtype="float64")
    if col.kind == "int":
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"), index=index)
    if col.kind == "text":
        return pd.Series([None] * n, index=index, dtype="str")
    return pd.Series([pd.NaT] * n, index=index).astype(col.dtype)


def _from_parsed(col: Column, parsed: list[Any], index: pd.Index) -> pd.Series:
    """Build the canonical (nullable) series from per-cell parse results; None marks missing."""
    if col.kind == "int":
        return pd.Series(pd.array(parsed, dtype="Int64"), index=index)
    if col.kind == "float":
        return pd.Series([np.nan if p is None else p for p in parsed], index=index, dtype="float64")
    if col.kind == "date":
        return pd.Series([pd.NaT if p is None else p for p in parsed], index=index).astype(
            "datetime64[us]"
        )
    if col.kind == "timestamp":
        stamps = pd.DatetimeIndex([pd.NaT if p is None else p for p in parsed], tz="UTC")
        return pd.Series(stamps, index=index).astype("datetime64[us, UTC]")
    return pd.Series(parsed, index=index, dtype="str")


def convert_extra(
    file: str, name: str, raw: pd.Series, kind: Literal["text", "int", "float"] | None = None
) -> pd.Series:
    """Canonicalise a column the schema does not define (an item score, a baseline trait).

    A declared ``kind`` (``study.toml`` ``[columns.<table>]``) is applied as for a defined
    column: ``"text"`` keeps CSV cells as they are written ("007" stays "007"); ``"int"`` and
    ``"float"`` convert and report the first cell that is not such a number. Integers become
    ``int64`` (``Int64`` if any is missing), floats ``float64``, text ``str``.

    Without a declaration the kind is inferred. Untyped text (a CSV column, or an object column
    of str) becomes an integer column if every non-missing cell is an integer, else a float
    column if every cell is a number, else text; a cell with a leading zero or plus sign
    (``007``, ``+5``, ``01.5``) marks a code, not a number, so such a column stays text rather
    than losing its spelling. Typed columns keep their kind: pandas' string dtype (and Parquet
    strings) stays text, so "01" is not read as 1; integers become ``int64`` (``Int64`` if any
    is missing), floats ``float64`` (finite only). A column with no values at all (every cell
    missing, or no rows) becomes all-NaN ``float64`` whatever its source, since nothing tells
    its type. Booleans, dates and mixed-type columns are refused with the offending value,
    because they do not survive a CSV round trip unchanged.
    """
    if kind is not None:
        out = convert_column(file, Column(name, kind), raw)
        return out.astype("int64") if kind == "int" and not out.hasnans else out
    dtype = raw.dtype
    if missing_mask(raw, "float").all() and not ptypes.is_bool_dtype(dtype):
        # No value to tell the type by: the same result whatever the source format.
        return pd.Series(np.full(len(raw), np.nan), index=raw.index, dtype="float64")
    if ptypes.is_bool_dtype(dtype):
        fail(
            file,
            "is true/false; store 0/1 integers (or text) in extra columns",
            row=1,
            column=name,
            value=raw.iloc[0] if len(raw) else None,
            has_value=bool(len(raw)),
        )
    if ptypes.is_integer_dtype(dtype):
        return raw.astype("Int64" if raw.hasnans else "int64")
    if ptypes.is_float_dtype(dtype):
        return convert_column(file, Column(name, "float"), raw)  # refuses inf
    if isinstance(dtype, pd.StringDtype):
        # Typed text (pandas' string dtype, Parquet strings) stays text: "01" is not 1 here.
        return convert_column(file, Column(name, "text"), raw)
    if not (ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype)):
        fail(
            file,
            f"has dtype {dtype}; extra columns must be numbers or text "
            "(store dates as ISO text, e.g. 2026-01-05)",
            column=name,
        )
    missing = missing_mask(raw, "float")
    values = raw.to_numpy(dtype=object)
    present = values[~missing]
    if _all_text(raw):
        texts = pd.Series(present, dtype=object)
        if texts.str.match(_CODE_RE.pattern).any():
            # "007" or "+5": a code whose spelling matters; a number would lose it.
            return convert_column(file, Column(name, "text"), raw)
        if texts.str.fullmatch(_INT_RE.pattern).all() and texts.str.len().max() <= 18:
            ints = convert_column(file, Column(name, "int"), raw)
            return ints if missing.any() else ints.astype("int64")
        if texts.str.fullmatch(_FLOAT_RE.pattern).all():
            return convert_column(file, Column(name, "float"), raw)
        # A text column: only the empty cell is missing ("NA" stays text).
        return convert_column(file, Column(name, "text"), raw)
    # In-memory object column: must be uniformly text or uniformly numbers.
    col = Column(name, "float")
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in present):
        col = Column(name, "int")
    elif any(isinstance(v, str) for v in present):
        col = Column(name, "text")
    return convert_column(file, col, raw)
