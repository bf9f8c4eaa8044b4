"""Simulation-based check of the ABC-SMC calibration (issue 18, item 3).

For each of several known truths, drawn from the prior (uniform over the table ranges of the three
timing parameters of ``gutbrain.model.calibration``), the deterministic timing experiment is run
at the truth, Gaussian noise with each target's SD (``gutbrain.calibrate.abc_timing.SPREAD``) is
added (the error model the calibration assumes), and the calibration is run on these synthetic
targets. A method that works puts the truth inside the posterior's central 90% interval in about
90% of cases; the coverage is printed with its Monte Carlo SE, per parameter and pooled, beside
the posterior's 90% width as a share of the prior range (how much the targets inform each one).

Run ``python benchmarks/calibration_sbc.py`` (about half an hour on 2 busy cores); its output is
committed as ``benchmarks/calibration_sbc.txt`` and the per-truth rows as
``benchmarks/calibration_sbc.csv``. ``tests/calibrate/test_abc_sbc.py`` runs a reduced version.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.calibrate.abc import Budget, calibrate
from gutbrain.calibrate.abc_timing import FITTED, SPREAD, timing_simulator, timing_targets
from gutbrain.model.parameters import PARAMETER_TABLE

LEVEL = 0.90


def weighted_interval(x: np.ndarray, w: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` interval of a weighted sample (weighted quantiles, interpolated)."""
    order = np.argsort(x)
    x, w = x[order], w[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    tail = (1 - level) / 2
    return float(np.interp(tail, cdf, x)), float(np.interp(1 - tail, cdf, x))


def one_truth(index: int, seed: int, population: int, generations: int, workers: int) -> dict:
    """Draw truth ``index``, make its noisy targets, calibrate, and check the 90% intervals."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    specs = [PARAMETER_TABLE[k] for k in FITTED]
    truth = {s.name: float(rng.uniform(s.low, s.high)) for s in specs}
    exact = timing_simulator(truth)
    noisy = {k: exact[k] + SPREAD[k] * float(rng.standard_normal()) for k in SPREAD}
    with tempfile.TemporaryDirectory() as folder:
        post = calibrate(
            timing_simulator,
            timing_targets(noisy),
            FITTED,
            "uniform",
            Budget(population, generations),
            seed + 1000 * index,
            Path(folder) / "checkpoint",
            workers=workers,
        )
    row: dict = {"truth": index, "simulations": post.simulations, "temperature": post.temperature}
    for spec in specs:
        low, high = weighted_interval(post.members[spec.name].to_numpy(), post.weights)
        row[f"{spec.name}_true"] = truth[spec.name]
        row[f"{spec.name}_low"] = low
        row[f"{spec.name}_high"] = high
        row[f"{spec.name}_inside"] = bool(low <= truth[spec.name] <= high)
        row[f"{spec.name}_width"] = (high - low) / (spec.high - spec.low)
    return row


def coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and pooled: coverage of the 90% interval, its Monte Carlo SE at the
    nominal rate, and the mean interval width as a share of the prior range."""
    out = []
    for name in [*FITTED, "pooled"]:
        names = FITTED if name == "pooled" else (name,)
        inside = np.concatenate([rows[f"{k}_inside"].to_numpy(dtype=float) for k in names])
        width = np.concatenate([rows[f"{k}_width"].to_numpy() for k in names])
        share = float(inside.mean())
        out.append(
            {
                "parameter": name,
                "cases": inside.size,
                "coverage": share,
                "mc_se": math.sqrt(LEVEL * (1 - LEVEL) / inside.size),
                "width_share_of_prior": float(width.mean()),
            }
        )
    return pd.DataFrame(out)


def study(
    truths: int,
    population: int,
    generations: int,
    seed: int,
    workers: int,
    out: Path | None = None,
) -> pd.DataFrame:
    """One row per truth (see :func:`one_truth`); with ``out``, the rows so far are written
    there after each truth, so an interrupted study keeps what it finished."""
    rows = []
    for i in range(truths):
        rows.append(one_truth(i, seed, population, generations, workers))
        if out is not None:
            pd.DataFrame(rows).to_csv(out, index=False)
            print(f"truth {i + 1} of {truths} done", file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truths", type=int, default=8)
    parser.add_argument("--population", type=int, default=40)
    parser.add_argument("--generations", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".csv"))
    args = parser.parse_args()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    start = time.perf_counter()
    rows = study(args.truths, args.population, args.generations, args.seed, args.workers, args.out)
    print(
        f"calibration SBC: {args.truths} truths, population {args.population}, "
        f"{args.generations} generations, seed {args.seed}, {args.workers} workers"
    )
    print(
        f"nominal level {LEVEL:.0%}; mc_se = sqrt(0.9 x 0.1 / cases), the SE at nominal coverage "
        "(pooled cases of one truth are correlated, so the pooled SE is a lower bound)"
    )
    print(coverage(rows).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    sims = int(rows["simulations"].sum())
    print(f"final temperature 1 in {int((rows['temperature'] == 1.0).sum())} of {len(rows)} runs")
    print(f"simulations {sims}; wall {time.perf_counter() - start:.0f} s (rough: shared machine)")


if __name__ == "__main__":
    main()
