"""Instrument score ranges.

Reference ranges (total score min-max) from each instrument's defining publication, as listed in
``Instrument.source``: PHQ-9 0-27 (Kroenke 2001), GAD-7 0-21 (Spitzer 2006), PANAS-NA/PA 10-50
(Watson 1988), STAI state/trait 20-80 (Spielberger 1983), PSWQ 16-80 (Meyer 1990), PSS-10 0-40
(Cohen & Williamson 1988), HAMD-17 0-52 (Hamilton 1960), MADRS 0-60 (Montgomery & Asberg 1979),
BDI-II 0-63 (Beck 1996), HAMA 0-56 (Hamilton 1959), IDS-C30 0-84 (Rush 1996).
"""

from __future__ import annotations

import pytest

import gutbrain.io as gio
from gutbrain.io import INSTRUMENTS, Instrument

EXPECTED = {
    "PHQ-9": (0, 27),
    "GAD-7": (0, 21),
    "PANAS-NA": (10, 50),
    "PANAS-PA": (10, 50),
    "STAI-state": (20, 80),
    "STAI-trait": (20, 80),
    "PSWQ": (16, 80),
    "PSS-10": (0, 40),
    "HAMD-17": (0, 52),
    "MADRS": (0, 60),
    "BDI-II": (0, 63),
    "HAMA": (0, 56),
    "IDS-C30": (0, 84),
}

# Where the total is a plain sum of equally scored items: n_items x item range (HAMD-17 mixes
# 0-4 and 0-2 items, so it is checked against the published 0-52 only).
ITEMS = {
    "PHQ-9": (9, 0, 3),
    "GAD-7": (7, 0, 3),
    "PANAS-NA": (10, 1, 5),
    "PANAS-PA": (10, 1, 5),
    "STAI-state": (20, 1, 4),
    "STAI-trait": (20, 1, 4),
    "PSWQ": (16, 1, 5),
    "PSS-10": (10, 0, 4),
    "MADRS": (10, 0, 6),
    "BDI-II": (21, 0, 3),
    "HAMA": (14, 0, 4),
    "IDS-C30": (28, 0, 3),  # 30 items, 28 counted towards the total
}


def test_every_instrument_and_range() -> None:
    assert {k: (v.min, v.max) for k, v in INSTRUMENTS.items()} == EXPECTED
    for name, inst in INSTRUMENTS.items():
        assert inst.name == name
        assert inst.source and inst.description


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_range_follows_from_item_scoring(name: str) -> None:
    n, lo, hi = ITEMS[name]
    assert (INSTRUMENTS[name].min, INSTRUMENTS[name].max) == (n * lo, n * hi)


def test_read_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        INSTRUMENTS["X"] = Instrument("X", 0, 1, "", "")  # type: ignore[index]
    with pytest.raises(AttributeError):
        INSTRUMENTS["PHQ-9"].max = 30  # type: ignore[misc]
    with pytest.raises(ValueError, match="must be below"):
        Instrument("bad", 5, 5, "", "")


def test_io_all_is_exact() -> None:
    exported = {n for n in dir(gio) if not n.startswith("_")}
    modules = {"bundle", "instruments", "meta", "read", "schema", "validate", "write"}
    modules.add("annotations")  # from __future__ import annotations
    assert set(gio.__all__) == exported - modules


def test_docs_list_every_column_and_instrument() -> None:
    from pathlib import Path

    from gutbrain.io import TABLES

    docs = (Path(__file__).parents[2] / "docs" / "bundle.md").read_text(encoding="utf-8")
    for spec in TABLES.values():
        assert f"### `{spec.name}`" in docs
        for col in spec.columns:
            assert f"| `{col.name}` |" in docs, (spec.name, col.name)
    for inst in INSTRUMENTS.values():
        assert f"| `{inst.name}` | {inst.min:g}–{inst.max:g} |" in docs
