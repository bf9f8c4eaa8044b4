"""Model throughput: person-days per second for 10,000 people x 365 days, and the ratio against
a straightforward per-person ``scipy.integrate.solve_ivp`` loop over the same equations, measured
side by side in this run.

    python benchmarks/bench_model.py [--people 10000] [--days 365] [--baseline-people 20]
        [--baseline-src DIR [--rounds 3]]

The baseline integrates each person day by day (exposures are constant within a day) with
solve_ivp's default RK45 and tolerances, calling the same compiled right-hand side; its rate
is measured on a subsample of people, since people are independent. Compilation is excluded
(a warm-up run first).

With ``--baseline-src DIR`` the model's rates are also measured for another checkout's ``src``
folder (e.g. ``git worktree add /tmp/kernel-old main`` and ``--baseline-src
/tmp/kernel-old/src``): each checkout runs in its own process, ``--rounds`` times, alternating
with this one, and the best rates and their ratio are printed. A checkout's first run compiles
its kernel (minutes), outside the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from gutbrain.model.dynamics import rhs
from gutbrain.model.exposures import E
from gutbrain.model.parameters import Parameters, draw_ensemble
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import simulate
from gutbrain.model.states import N_AUX, N_STATES

LABELS = ("deterministic", "with noise and life events")


def scenario(days: int) -> Schedule:
    return (
        Schedule.constant(days)
        .set("stress", 0.6, 30, 90)
        .with_probiotic("ecologic_barrier", 5e9, 120, 148)
        .with_antibiotic("broad", 200, 7)
    )


def model_rates(params: Parameters, sched: Schedule, repeats: int, substeps: int) -> list[float]:
    """Person-days per second of ``simulate``, deterministic and noisy, best of ``repeats``."""
    simulate(params.take(slice(0, 4)), Schedule.constant(3), rng=np.random.default_rng(1))
    rates = []
    for noise in (False, True):
        best = np.inf
        for r in range(repeats):
            t0 = time.perf_counter()
            simulate(
                params, sched, rng=np.random.default_rng(r) if noise else None, substeps=substeps
            )
            best = min(best, time.perf_counter() - t0)
        rates.append(params.n_people * sched.days / best)
    return rates


def baseline_rate(params: np.ndarray, sched: Schedule, y0: np.ndarray) -> float:
    """Person-days per second of a per-person, per-day solve_ivp loop."""
    aux = np.empty(N_AUX)
    dydt = np.empty(N_STATES)
    t0 = time.perf_counter()
    for i in range(params.shape[0]):
        y = y0[i].copy()
        p = params[i]
        for d in range(sched.days):
            e = sched.values[d]

            def f(t, yy, e=e, p=p):
                rhs(t, yy, e, p, dydt, aux)
                return dydt.copy()

            if e[E.fmt_fraction] > 0:  # no FMT in this scenario; kept for parity
                raise RuntimeError("unexpected FMT")
            y = solve_ivp(f, (d, d + 1), y, method="RK45").y[:, -1]
    return params.shape[0] * sched.days / (time.perf_counter() - t0)


def _child_rates(src: str, args: argparse.Namespace) -> list[float]:
    """:func:`model_rates` of the checkout whose ``src`` folder is ``src``, in a new process."""
    cmd = [sys.executable, __file__, "--child"]
    cmd += ["--people", str(args.people), "--days", str(args.days)]
    cmd += ["--repeats", str(args.repeats), "--substeps", str(args.substeps)]
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def side_by_side(args: argparse.Namespace) -> None:
    """This checkout's and ``--baseline-src``'s rates, alternating, and their ratio."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    checkouts = {"this checkout": here, "baseline": str(args.baseline_src)}
    best = {name: [0.0, 0.0] for name in checkouts}
    for r in range(args.rounds):
        for name, src in checkouts.items():
            rates = _child_rates(src, args)
            best[name] = [max(b, x) for b, x in zip(best[name], rates, strict=True)]
            print(
                f"round {r + 1} {name:13s}: "
                + ", ".join(f"{x:>12,.0f}" for x in rates)
                + " person-days/s (deterministic, noisy)",
                flush=True,
            )
    for k, label in enumerate(LABELS):
        cur, base = best["this checkout"][k], best["baseline"][k]
        print(
            f"best {label:28s}: {cur:>12,.0f} vs baseline {base:>12,.0f} person-days/s,"
            f" ratio {cur / base:.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--baseline-people", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--substeps", type=int, default=2, help="Heun steps per day (model default 2)")
    ap.add_argument("--baseline-src", type=Path, help="another checkout's src/, run side by side")
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs with --baseline-src")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    params = draw_ensemble(rng, args.people)
    sched = scenario(args.days)
    if args.child:
        print(json.dumps(model_rates(params, sched, args.repeats, args.substeps)))
        return

    from numba import get_num_threads

    print(f"machine: {os.cpu_count()} CPUs, numba threads {get_num_threads()}")
    print(f"workload: {args.people} people x {args.days} days, {args.substeps} Heun steps/day")
    if args.baseline_src:
        side_by_side(args)
    rates = dict(zip(LABELS, model_rates(params, sched, args.repeats, args.substeps), strict=True))
    for label, rate in rates.items():
        print(f"gutbrain {label:28s}: {rate:>12,.0f} person-days/s")

    sub = params.values[: args.baseline_people]
    y0 = simulate(params.take(slice(0, args.baseline_people)), Schedule.constant(1)).states[:, 0]
    base = baseline_rate(sub, sched, y0)
    print(
        f"solve_ivp per-person loop ({args.baseline_people} people): {base:>12,.0f} person-days/s"
    )
    for label, rate in rates.items():
        print(f"ratio gutbrain ({label}) / solve_ivp loop: {rate / base:,.0f}x")


if __name__ == "__main__":
    main()
