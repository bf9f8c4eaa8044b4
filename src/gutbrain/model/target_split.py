"""The calibration/holdout split of the targets table, drawn by a seeded random draw.

Issue 18 asks for the split to be committed before any fit, drawn at random within each category
so that nobody picks the easy rows, with at least a third of all rows and at least one row per
category held out. The rule:

* every row gets a uniform number ``u`` from a generator seeded with :data:`SEED` and the row's
  key (``numpy.random.default_rng([SEED, crc32(key)])``);
* in each category of ``n`` rows, the ``ceil(n / 3)`` rows with the smallest ``u`` are held out,
  leaving out the rows in :data:`PINNED`, which the issue itself assigns to calibration.

A row's number depends only on the seed and its key, so adding a row to a category moves at
most one existing row (the one at the boundary) and never reshuffles the rest. The committed
table is this draw's output: ``benchmarks/split_targets.py`` writes the ``split`` column, and a
test re-runs the draw and checks that no row was moved by hand.
"""

from __future__ import annotations

import csv
import io
import math
import zlib
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

__all__ = ["HOLDOUT_SHARE", "PINNED", "SEED", "draw_split", "with_split"]

#: The seed of the draw (issue 18's number followed by the item: 18, 1).
SEED = 181
#: At least this share of each category (rounded up) is held out.
HOLDOUT_SHARE = 1 / 3
#: Rows the issue assigns to calibration, with why; the draw never holds them out.
PINNED: dict[str, str] = {
    "JS2025_NA_ONSET": (
        "issue 18: JS2025's daily-NA effect size is not published, so its magnitude stays a "
        "calibration target, not a validation one"
    ),
}


def _uniform(key: str, seed: int) -> float:
    """The row's random number: the first draw of a generator seeded by (seed, key)."""
    return float(np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))]).random())


def draw_split(rows: Iterable[tuple[str, str]], seed: int = SEED) -> dict[str, str]:
    """Key -> ``"calibration"`` or ``"holdout"`` for ``(key, category)`` pairs."""
    by_category: dict[str, list[str]] = defaultdict(list)
    for key, category in rows:
        by_category[category].append(key)
    split: dict[str, str] = {}
    for keys in by_category.values():
        n_hold = math.ceil(HOLDOUT_SHARE * len(keys))
        eligible = sorted((k for k in keys if k not in PINNED), key=lambda k: _uniform(k, seed))
        held = set(eligible[:n_hold])
        split.update({k: "holdout" if k in held else "calibration" for k in keys})
    return split


def with_split(text: str, seed: int = SEED) -> str:
    """The CSV text of a targets table with its ``split`` column set by the draw.

    Cells are written back as :mod:`csv` writes them (minimal quoting, ``\\n`` line ends), so
    the committed table is a fixed point: ``with_split(text) == text``.
    """
    table = list(csv.DictReader(io.StringIO(text)))
    split = draw_split((r["key"], r["category"]) for r in table)
    out = io.StringIO()
    fields = list(table[0]) if table else []
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in table:
        writer.writerow({**r, "split": split[r["key"]]})
    return out.getvalue()
