"""Simulation-based check of the emulator calibration on the real model's design.

Reads the design of a ``gutbrain calibrate --method emulator`` run (default: the committed
partial run, ``benchmarks/emulator_calibration/design/``), fits the emulators, and for the first
``--truths`` design points (draws from the prior) recovers the point from its own real
predictions plus Gaussian noise, with the emulators refitted without it
(:func:`gutbrain.calibrate.emulator_check.coverage`). Writes one row per (truth, parameter) to
``benchmarks/emulator_sbc.csv`` and prints the coverage of the 90% intervals, pooled and per
parameter, with the binomial pass range of :func:`gutbrain.calibrate.emulator_check.pass_rule`.

Usage: ``python benchmarks/emulator_sbc.py [--truths 10] [--steps 600] [--design DIR]``.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path

from gutbrain.calibrate.emulator import fit_emulators, likelihood_rows
from gutbrain.calibrate.emulator_check import LEVEL, coverage, pass_rule
from gutbrain.calibrate.emulator_design import BATCH, load_design
from gutbrain.model.targets import load_targets

HERE = Path(__file__).resolve().parent
OUT = HERE / "emulator_sbc.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truths", type=int, default=10)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--design", default=str(HERE / "emulator_calibration" / "design"))
    args = parser.parse_args()
    start = time.perf_counter()
    design = load_design(args.design)
    design = design.iloc[: len(design) // BATCH * BATCH]
    with (Path(args.design) / "design.toml").open("rb") as fh:
        settings = tomllib.load(fh)
    names, keys = settings["parameters"], settings["keys"]
    emu = fit_emulators(design, names, likelihood_rows(load_targets(), keys), args.seed)
    cases = coverage(design, emu, range(args.truths), args.steps, args.seed)
    cases.to_csv(OUT, index=False, float_format="%.6g")
    inside, n = int(cases["inside"].sum()), len(cases)
    low, high = pass_rule(n)
    print(f"design: {len(design)} points, {len(names)} parameters, {len(emu.rows)} rows")
    print(
        f"{LEVEL:.0%} intervals hold the truth in {inside} of {n} (truth, parameter) cases: "
        f"{inside / n:.2f}; binomial pass range {low}-{high}"
    )
    share = cases.groupby("parameter")["inside"].mean().sort_values()
    print("lowest per-parameter coverage:", share.head(5).round(2).to_dict())
    width = (cases["high"] - cases["low"]).groupby(cases["parameter"]).mean()
    print("mean 90% interval width by parameter (declared units):", width.round(3).to_dict())
    print(f"{args.truths} truths, {args.steps} MCMC steps: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
