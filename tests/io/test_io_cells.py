"""Cell parsing: the vectorised path for CSV text and the per-cell path accept the same texts.

The vectorised path exists for speed only; the per-cell path is the specification (it is the one
that words the errors). These properties keep the two from drifting apart.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.io import BundleDataError
from gutbrain.io._convert import _PARSERS, _Bad, convert_column
from gutbrain.io.schema import Column

NUMBERISH = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,20}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.sampled_from(["", "NA", "nan", "inf", " 1", "1 ", "1,5", "١", "½", "0x10", "1_000", "."]),
    st.text(max_size=6),
)


def _per_cell(kind: str, text: str) -> object:
    if text in ("", "NA"):
        return None
    try:
        return _PARSERS[kind](text)  # type: ignore[index]
    except _Bad:
        return _Bad


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(NUMBERISH, min_size=1, max_size=5),
    kind=st.sampled_from(["int", "float", "date"]),
)
def test_vectorised_and_per_cell_parsing_agree(cells: list[str], kind: str) -> None:
    col = Column("x", kind)  # type: ignore[arg-type]
    expected = [_per_cell(kind, c) for c in cells]
    raw = pd.Series(cells, dtype=object)
    if any(e is _Bad for e in expected):
        with pytest.raises(BundleDataError) as info:
            convert_column("t.csv", col, raw)
        first_bad = next(i for i, e in enumerate(expected) if e is _Bad)
        assert info.value.row == first_bad + 1
        assert info.value.value == cells[first_bad]
        return
    got = convert_column("t.csv", col, raw)
    assert got.dtype == col.dtype
    for g, e in zip(got.tolist(), expected, strict=True):
        if e is None:
            assert pd.isna(g)
        elif kind == "float":
            assert np.float64(g).tobytes() == np.float64(e).tobytes()  # bit-identical, -0.0 too
        elif kind == "date":
            assert g == pd.Timestamp(e)
        else:
            assert g == e


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("int", "+5", 5),
        ("int", "007", 7),
        ("int", "-0", 0),
        ("float", "1.", 1.0),
        ("float", ".5", 0.5),
        ("float", "1E5", 1e5),
        ("date", "2024-02-29", dt.datetime(2024, 2, 29)),
    ],
)
def test_accepted_spellings(kind: str, text: str, value: object) -> None:
    got = convert_column("t.csv", Column("x", kind), pd.Series([text], dtype=object))  # type: ignore[arg-type]
    assert got.iloc[0] == value


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("int", "99999999999999999999"),
        ("int", "12\n"),
        ("float", " 1"),
        ("float", "1,5"),
        ("date", "2026-01-05\n"),
        ("float", "1e400"),
        ("date", "2023-02-29"),
        ("timestamp", "yesterday"),
    ],
)
def test_refused_spellings(kind: str, text: str) -> None:
    with pytest.raises(BundleDataError) as info:
        convert_column("t.csv", Column("x", kind), pd.Series(["", text], dtype=object))  # type: ignore[arg-type]
    assert (info.value.row, info.value.value) == (2, text)
