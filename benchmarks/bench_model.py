"""Model throughput: person-days per second for 10,000 people x 365 days, and the ratio against
a straightforward per-person ``scipy.integrate.solve_ivp`` loop over the same equations, measured
side by side in this run.

    python benchmarks/bench_model.py [--people 10000] [--days 365] [--baseline-people 20]

The baseline integrates each person day by day (exposures are constant within a day) with
solve_ivp's default RK45 and tolerances, calling the same compiled right-hand side; its rate
is measured on a subsample of people, since people are independent. Compilation is excluded
(a warm-up run first).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy.integrate import solve_ivp

from gutbrain.model.dynamics import rhs
from gutbrain.model.exposures import E
from gutbrain.model.parameters import draw_ensemble
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import simulate
from gutbrain.model.states import N_AUX, N_STATES


def scenario(days: int) -> Schedule:
    return (
        Schedule.constant(days)
        .set("stress", 0.6, 30, 90)
        .with_probiotic("ecologic_barrier", 5e9, 120, 148)
        .with_antibiotic("broad", 200, 7)
    )


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--baseline-people", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--substeps", type=int, default=2, help="Heun steps per day (model default 2)")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    params = draw_ensemble(rng, args.people)
    sched = scenario(args.days)
    simulate(params.take(slice(0, 4)), Schedule.constant(3), rng=np.random.default_rng(1))

    from numba import get_num_threads

    print(f"machine: {os.cpu_count()} CPUs, numba threads {get_num_threads()}")
    print(f"workload: {args.people} people x {args.days} days, {args.substeps} Heun steps/day")
    rates = {}
    for label, noise in (("deterministic", False), ("with noise and life events", True)):
        best = np.inf
        for r in range(args.repeats):
            t0 = time.perf_counter()
            simulate(
                params,
                sched,
                rng=np.random.default_rng(r) if noise else None,
                substeps=args.substeps,
            )
            best = min(best, time.perf_counter() - t0)
        rates[label] = args.people * args.days / best
        print(f"gutbrain {label:28s}: {best:7.3f} s  -> {rates[label]:>12,.0f} person-days/s")

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
