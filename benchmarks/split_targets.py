"""Draw the calibration/holdout split of the targets table and write it into the table.

The draw (``gutbrain.model.target_split``, seed ``SEED`` = 181) holds out ``ceil(n / 3)`` rows of
each category at random, never a row the issue pins to calibration. The table is checked first
(``gutbrain.model.targets``); then its ``split`` column is written, and the held-out rows are
printed per category. With ``--check`` nothing is written: the exit code is 1 if the committed
split differs from the draw (a row moved by hand).

Usage: ``python benchmarks/split_targets.py [--check]``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from gutbrain.model.target_split import SEED, with_split
from gutbrain.model.targets import parse_targets

TABLE = Path(__file__).resolve().parents[1] / "src" / "gutbrain" / "model" / "data" / "targets.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; write nothing")
    args = parser.parse_args()
    text = TABLE.read_text(encoding="utf-8")
    parse_targets(text, TABLE.name)
    drawn = with_split(text)
    rows = parse_targets(drawn, TABLE.name)
    differs = drawn != text
    if not args.check:
        TABLE.write_text(drawn, encoding="utf-8")
    per_category = Counter(r.category for r in rows)
    print(f"seed {SEED}: {sum(r.held_out for r in rows)} of {len(rows)} rows held out")
    for category, n in per_category.items():
        held = [r.key for r in rows if r.category == category and r.held_out]
        print(f"  {category} ({len(held)} of {n}): {', '.join(held)}")
    if args.check and differs:
        print(f"{TABLE.name}: the split column differs from the draw", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
