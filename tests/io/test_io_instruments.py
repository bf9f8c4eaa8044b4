"""The instruments a bundle's visits may record: the registry's (tests/test_instruments.py)."""

from __future__ import annotations

import gutbrain.instruments as registry
import gutbrain.io as gio
from gutbrain.io import INSTRUMENTS


def test_io_instruments_are_the_registry() -> None:
    assert INSTRUMENTS is registry.INSTRUMENTS
    assert gio.Instrument is registry.Instrument


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
    for marker in gio.MARKERS.values():
        assert f"| `{marker.name}` | {marker.unit} | {marker.specimen} |" in docs
