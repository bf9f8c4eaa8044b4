"""Throughput and memory of chunked trial runs, against the bare model run side by side.

For each size N the JS2025 design (28 intervention days + 7 run-in) runs in a fresh process with
``write_trial`` (blocks of 1024, chunks of 2 blocks, Parquet row groups) and reports person-days
per second (intervention + run-in days) and the process's peak resident memory. The baseline is
``gutbrain.model.simulate`` alone on the same number of people and days (no spin-up, no
observation, no writing), so the ratio is the price of populations, observation and output.
Constant memory shows as a peak RSS that does not grow with N.

Usage: ``python benchmarks/bench_trials.py [--people 2500 10000 ...]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time


def _child(n: int, mode: str) -> dict[str, float]:
    import dataclasses
    import resource

    from gutbrain.trials.design import load_design

    d = dataclasses.replace(load_design("examples/trials/js2025.toml"), n=n, block_size=1024)
    days = d.total_days
    t0 = time.perf_counter()
    if mode == "trial":
        from gutbrain.trials.output import write_trial

        with tempfile.TemporaryDirectory() as tmp:
            write_trial(d, f"{tmp}/b", seed=1, chunk_blocks=2)
    else:
        import numpy as np

        from gutbrain.model.parameters import Parameters
        from gutbrain.model.schedule import Schedule
        from gutbrain.model.simulate import simulate

        for lo in range(0, n, 2048):
            m = min(2048, n - lo)
            simulate(Parameters.default(m), Schedule.constant(days), rng=np.random.default_rng(lo))
    dt = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "seconds": dt, "person_days_per_s": n * days / dt, "peak_rss_mb": peak_mb}


def _run(n: int, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, nargs="+", default=[2500, 10000])
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(int(a.child[1]), a.child[0])))
        return
    _run(64, "trial")  # warm the numba cache
    print(f"{'people':>8} {'trial pd/s':>12} {'model pd/s':>12} {'ratio':>7} {'trial MB':>9}")
    for n in a.people:
        t, m = _run(n, "trial"), _run(n, "model")
        print(
            f"{n:>8} {t['person_days_per_s']:>12.0f} {m['person_days_per_s']:>12.0f} "
            f"{t['person_days_per_s'] / m['person_days_per_s']:>7.3f} {t['peak_rss_mb']:>9.0f}"
        )


if __name__ == "__main__":
    main()
