"""Throughput and memory of chunked trial runs, against the bare model run side by side.

For each size N the JS2025 design (28 intervention days + 7 run-in days = 35 simulated days per
person) runs in a fresh process with ``write_trial`` (blocks of 1024 people, chunks of 2 blocks,
one Parquet row group per chunk) and reports person-days per second over those 35 days and the
process's peak resident memory. The baseline is ``gutbrain.model.simulate`` alone on the same
number of people and days, in chunks of 2048 (daily-life noise and life events, no spin-up, no
observation, no writing), also in a fresh process, so the ratio is the price of populations
(including every new person's steady state and noisy warm-up), observation and output.
The trial runs twice, side by side: with the steady state by Newton's method (an option) and
with the 730-day spin-up (the default) (``steady_state_method("spin_up")``).
Constant memory shows as a peak RSS that does not grow with N.

The structural bound is the ratio a trial could reach if sampling people, random streams,
observation and output cost nothing: every person must still be brought to steady state, live
the noisy ``WARMUP_DAYS`` (180) and then the 35 trial days, so with kernel times ``t_steady``,
``t_warm`` and ``t_trial`` measured on the trial's own people in blocks of 1024 (a fresh
process, ``kernel`` below), bound = t_trial / (t_steady + t_warm + t_trial), for Newton's
steady state and for the spin-up. It says how far from the model's rate a trial can honestly
get while the warm-up and the steady state stay.

Usage: ``python benchmarks/bench_trials.py [--people 10000 100000 1000000]``; a child process
reports its progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

BLOCK, CHUNK_BLOCKS, MODEL_CHUNK = 1024, 2, 2048


def _child(n: int, mode: str) -> dict[str, float]:
    import dataclasses
    import resource

    from gutbrain.trials.design import load_design

    d = dataclasses.replace(load_design("examples/trials/js2025.toml"), n=n, block_size=BLOCK)
    days = d.total_days
    step = max(n // 20, 1)
    mark = [step]

    def progress(done: int, total: int) -> None:
        if done >= mark[0] or done == total:
            rate = done * days / (time.perf_counter() - t0)
            print(f"  {mode} {done}/{total} people, {rate:.0f} person-days/s", file=sys.stderr)
            sys.stderr.flush()
            mark[0] = done + step

    t0 = time.perf_counter()
    if mode in ("trial", "spin-up"):
        from gutbrain.model.simulate import steady_state_method
        from gutbrain.trials.output import write_trial

        method = "newton" if mode == "trial" else "spin_up"
        with tempfile.TemporaryDirectory() as tmp, steady_state_method(method):
            write_trial(d, f"{tmp}/b", seed=1, chunk_blocks=CHUNK_BLOCKS, progress=progress)
    else:
        import numpy as np

        from gutbrain.model.parameters import Parameters
        from gutbrain.model.schedule import Schedule
        from gutbrain.model.simulate import simulate

        for lo in range(0, n, MODEL_CHUNK):
            m = min(MODEL_CHUNK, n - lo)
            simulate(Parameters.default(m), Schedule.constant(days), rng=np.random.default_rng(lo))
            progress(lo + m, n)
    dt = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": n,
        "days": days,
        "seconds": dt,
        "person_days_per_s": n * days / dt,
        "peak_rss_mb": peak_mb,
    }


def _kernel(n: int) -> dict[str, float]:
    """Kernel-only seconds for JS2025's people: steady state (both methods), noisy warm-up and
    the 35 trial days, in blocks of ``BLOCK`` with the trial's own per-person streams."""
    import dataclasses

    import numpy as np

    from gutbrain.model.catalogues import archetypes
    from gutbrain.model.schedule import Schedule
    from gutbrain.model.simulate import noisy_steady_state, simulate, steady_state
    from gutbrain.population.cohorts import (
        STREAM_MODEL,
        STREAM_WARMUP,
        cohort_spec,
        sample_population,
        stream_generators,
    )
    from gutbrain.trials.conduct import build_schedule
    from gutbrain.trials.design import load_design

    d = dataclasses.replace(load_design("examples/trials/js2025.toml"), n=n, block_size=BLOCK)
    spec = cohort_spec(d.cohort)
    hints = archetypes()[spec.archetype].initial
    t = {"newton": 0.0, "spin_up": 0.0, "warm": 0.0, "trial": 0.0}
    for lo in range(0, n, BLOCK):
        idx = np.arange(lo, min(lo + BLOCK, n))
        pop = sample_population(spec, idx, [1, 0], baseline=dict(d.cohort_baseline))
        base = Schedule.constant(1, "baseline", **pop.baseline)
        for method in ("newton", "spin_up"):
            t0 = time.perf_counter()
            steady_state(pop.params, base, hints, method=method)
            t[method] += time.perf_counter() - t0
        warm = stream_generators([1, 0], idx, STREAM_WARMUP)
        model = stream_generators([1, 0], idx, STREAM_MODEL)
        sched = build_schedule(d, d.treatments[0].label, pop.baseline)
        t0 = time.perf_counter()
        y0 = noisy_steady_state(pop.params, base, pop.y0, warm)
        t["warm"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        simulate(pop.params, sched, y0=y0, rng=model)
        t["trial"] += time.perf_counter() - t0
        print(f"  kernel {idx[-1] + 1}/{n} people", file=sys.stderr, flush=True)
    return t


def _bound(k: dict[str, float], method: str) -> float:
    return k["trial"] / (k[method] + k["warm"] + k["trial"])


def _run(n: int, mode: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n)],
        stdout=subprocess.PIPE,
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
        mode, n = a.child[0], int(a.child[1])
        print(json.dumps(_kernel(n) if mode == "kernel" else _child(n, mode)))
        return
    _run(64, "trial")  # warm the numba cache
    print(
        f"JS2025 design, 35 simulated days per person (28 intervention + 7 run-in); "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    )
    print("trial: Newton's steady state; spin-up: the 730-day spin-up; ratios to the model")
    print("bound: the structural bound of each ratio (kernel time only, see the docstring)")
    print(
        f"{'people':>8} {'trial pd/s':>11} {'spin-up pd/s':>12} {'model pd/s':>11} "
        f"{'ratio':>6} {'bound':>6} {'ratio':>6} {'bound':>6} {'trial s':>8} {'spin-up s':>9} "
        f"{'model s':>8} {'trial MB':>9} {'spin-up MB':>10} {'model MB':>9}"
    )
    for n in a.people:
        t, o, m = _run(n, "trial"), _run(n, "spin-up"), _run(n, "model")
        k = _run(n, "kernel")
        rate = m["person_days_per_s"]
        print(
            f"{n:>8} {t['person_days_per_s']:>11.0f} {o['person_days_per_s']:>12.0f} "
            f"{rate:>11.0f} {t['person_days_per_s'] / rate:>6.3f} {_bound(k, 'newton'):>6.3f} "
            f"{o['person_days_per_s'] / rate:>6.3f} {_bound(k, 'spin_up'):>6.3f} "
            f"{t['seconds']:>8.1f} {o['seconds']:>9.1f} {m['seconds']:>8.1f} "
            f"{t['peak_rss_mb']:>9.0f} {o['peak_rss_mb']:>10.0f} {m['peak_rss_mb']:>9.0f}",
            flush=True,
        )
        print(
            "         kernel s: "
            + ", ".join(f"{key} {v:.1f}" for key, v in k.items())
            + " (steady state by Newton / spin-up, 180-day warm-up, 35 trial days)",
            flush=True,
        )


if __name__ == "__main__":
    main()
