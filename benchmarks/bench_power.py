"""Benchmark of ``gutbrain power``: PowerAnalysisIL's README curve (Model 2, 6 N x 1,000 reps).

Runs examples/power/pail_model2.toml on a two-worker Dask LocalCluster (one thread each: 2
cores), prints the wall time, and beside it the nlme time for the same work, measured in the
same run: tests/reference/power_pail_model2.R with ``--r-reps`` replicates per N (default 10),
extrapolated to the design's replicates. Issue 20's target: <= 60 s on 2 cores and >= 40x R.
It also compares each N's power with the committed nlme reference
(tests/reference/power_pail_model2.csv) in combined Monte Carlo SEs, and writes the curve to
``--out`` (default: a temporary folder).

Usage: python benchmarks/bench_power.py [--reps 1000] [--r-reps 10] [--workers 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.power import read_design, run_power
from gutbrain.power.output import write_power
from gutbrain.power.run import local_scheduler

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "examples" / "power" / "pail_model2.toml"
R_SCRIPT = ROOT / "tests" / "reference" / "power_pail_model2.R"
REFERENCE = ROOT / "tests" / "reference" / "power_pail_model2.csv"


def _gutbrain(reps: int, workers: int, out: Path) -> tuple[float, list[dict]]:
    design = dataclasses.replace(read_design(DESIGN), reps=reps)
    with local_scheduler(workers) as client:
        # Warm the workers (imports, compiled kernels from the cache) outside the timing.
        run_power(dataclasses.replace(design, reps=2, chunk=1), scheduler=client)
        t0 = time.perf_counter()
        result = run_power(design, scheduler=client)
        seconds = time.perf_counter() - t0
    write_power(result, out, overwrite=True)
    return seconds, result.curve


def _nlme(r_reps: int, reps: int) -> float | None:
    """nlme's time for ``reps`` replicates per N, extrapolated from ``r_reps``."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "r.csv"
        subprocess.run(["Rscript", str(R_SCRIPT), str(r_reps), str(csv)], check=True, cwd=ROOT)
        return float(pd.read_csv(csv).seconds.sum()) * reps / r_reps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--r-reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp()) / "pail_power"
    seconds, curve = _gutbrain(args.reps, args.workers, out)
    ref = pd.read_csv(REFERENCE).set_index("participants")
    print(
        f"gutbrain power: {len(curve)} N x {args.reps} reps in {seconds:.1f} s "
        f"({args.workers} workers); curve in {out}"
    )
    print("   N  gutbrain   nlme (reps)   diff / combined MC SE")
    for r in curve:
        n, p = r["participants"], r["power"]
        if n in ref.index:
            q, k = ref.loc[n, "power"], int(ref.loc[n, "reps"])
            se = np.hypot(np.sqrt(p * (1 - p) / r["reps"]), np.sqrt(q * (1 - q) / k))
            z = (p - q) / se if se > 0 else 0.0
            print(f"{n:4d}  {p:.4f}    {q:.4f} ({k})   {z:+.2f}")
        else:
            print(f"{n:4d}  {p:.4f}    (no reference)")
    r_seconds = _nlme(args.r_reps, args.reps)
    if r_seconds is None:
        print("Rscript not found: no nlme timing")
    else:
        print(
            f"nlme (lme + corAR1, REML), extrapolated from {args.r_reps} reps per N: "
            f"{r_seconds:.0f} s, one core; gutbrain is {r_seconds / seconds:.0f}x faster "
            f"(target >= 40x, <= 60 s)"
        )


if __name__ == "__main__":
    main()
