"""Throughput of the study-bundle reader and writer, against plain pandas I/O run side by side.

The baseline reads the same files with ``pandas.read_csv(dtype=str)`` and ``pandas.read_parquet``,
which parse but check nothing; the ratio is the price of validation and canonical dtypes.

Usage: ``python benchmarks/bench_io.py [--participants N] [--days D]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.io import Arm, StudyBundle, StudyMeta, read_bundle, write_bundle


def synthetic_bundle(n_participants: int, n_days: int, seed: int = 0) -> StudyBundle:
    """A parallel two-arm bundle with one diary row per participant-day."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:05d}" for i in range(n_participants)]
    n = n_participants * n_days
    meta = StudyMeta(
        name="benchmark",
        design="parallel",
        start=dt.date(2026, 1, 5),
        day0="first intervention day",
        instruments=("diary",),
        arms=(Arm("placebo"), Arm("probiotic")),
    )
    participants = pd.DataFrame(
        {
            "participant": pd.Series(ids, dtype="str"),
            "arm": pd.Series(rng.choice(["placebo", "probiotic"], n_participants), dtype="str"),
            "age": rng.uniform(18, 30, n_participants),
        }
    )
    negative = rng.uniform(0, 100, n)
    negative[rng.random(n) < 0.2] = np.nan  # skipped items
    diary = pd.DataFrame(
        {
            "participant": pd.Series(np.repeat(ids, n_days), dtype="str"),
            "day": np.tile(np.arange(-7, n_days - 7), n_participants),
            "negative_affect": negative,
            "positive_affect": rng.uniform(0, 100, n),
            "stool_form": pd.array(rng.integers(1, 8, n), dtype="Int64"),
        }
    )
    return StudyBundle(study=meta, participants=participants, diary=diary)


def _best(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    bundle = synthetic_bundle(args.participants, args.days)
    rows = len(bundle.diary)
    print(f"diary rows: {rows:,}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            out = Path(tmp) / fmt
            t_write = _best(lambda: write_bundle(bundle, out, format=fmt, overwrite=True))  # noqa: B023
            t_read = _best(lambda: read_bundle(out))  # noqa: B023
            table = out / f"diary.{fmt}"
            if fmt == "csv":
                t_base = _best(lambda: pd.read_csv(table, dtype=str, keep_default_na=False))  # noqa: B023
            else:
                t_base = _best(lambda: pd.read_parquet(table))  # noqa: B023
            print(
                f"{fmt:8s} write {rows / t_write:12,.0f} rows/s"
                f" | read {rows / t_read:12,.0f} rows/s"
                f" | pandas baseline read {rows / t_base:12,.0f} rows/s"
                f" | read_bundle / baseline time: {t_read / t_base:5.1f}x"
            )


if __name__ == "__main__":
    main()
