"""Newton's steady state against the 730-day spin-up, 10,000 people per group.

Groups: every model archetype over the parameter ensemble (``draw_ensemble``, the widest spread),
and every population cohort (``cohorts.toml``, the people trials use). For each group it prints:
how many people's Newton solution was certified at each of ``STAGE_DAYS`` and how many were spun
up to day 730 instead; over the certified people (those whose state differs from the 730-day one:
a person who starts at the fixed point has nothing to compare), the largest ``|dy/dt|`` at the
solution and the largest deviation (relative, floor 1e-3) from the 730-day and from the 1,500-day
state; how many people are on another branch (neuroplasticity below or above 0.5) than the
730-day state (all people; the spun-up ones equal it); how many 730-day states are on another
branch than the 1,500-day ones (people still moving at day 730); and the seconds each method took
(rough on a shared machine). The output is committed beside this file (``check_steady_state.txt``;
with ``--people 2000 --close 1e-3``: ``check_steady_state_close1e-3.txt``).

Usage: ``python benchmarks/check_steady_state.py [--people 10000] [--close 1e-4]`` (``--close``:
the certification tolerance ``simulate.CLOSE`` to try instead).
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from gutbrain.model import simulate as sim
from gutbrain.model.catalogues import archetypes
from gutbrain.model.parameters import Parameters, draw_ensemble
from gutbrain.model.person import cohort_parameters
from gutbrain.model.schedule import Schedule
from gutbrain.model.states import S
from gutbrain.model.steady import GAP_FLOOR, max_rates
from gutbrain.population.cohorts import cohorts, sample_population


def _deviation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per person, the largest ``|a - b| / max(|b|, GAP_FLOOR)``."""
    return (np.abs(a - b) / np.maximum(np.abs(b), GAP_FLOOR)).max(axis=1)


def _groups(n: int) -> list[tuple[str, Parameters, Schedule, dict[str, float]]]:
    out = []
    for name, a in archetypes().items():
        p = cohort_parameters(name, n, params=draw_ensemble(np.random.default_rng(17), n))
        base = Schedule.constant(1, **a.baseline)
        out.append((f"archetype {name}", p, base, dict(a.initial or {})))
    for name, spec in cohorts().items():
        with sim.steady_state_method("spin_up"):
            pop = sample_population(spec, n, [17, 0])
        hints = dict(archetypes()[spec.archetype].initial or {})
        out.append((f"cohort {name}", pop.params, Schedule.constant(1, **pop.baseline), hints))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--close", type=float, default=sim.CLOSE, help="certification tolerance")
    args = ap.parse_args()
    n = args.people
    sim.CLOSE = args.close  # what-if only: the package's tolerance is a constant
    stages = " ".join(f"{'day ' + str(d):>8}" for d in sim.STAGE_DAYS)
    cpu = platform.processor() or platform.machine()
    print(f"{n} people per group, CLOSE = {sim.CLOSE:g}; {cpu}")
    print(
        f"{'group':<40} {stages} {'spun up':>8} {'max res':>8} {'dev 730':>8} {'dev 1500':>8} "
        f"{'br 730':>6} {'730/1500':>8} {'t spin':>6} {'t newt':>6}"
    )
    for label, p, base, hints in _groups(n):
        t0 = time.perf_counter()
        old = sim.initial_state(p, base, hints, method="spin_up")
        t_spin = time.perf_counter() - t0
        t0 = time.perf_counter()
        new, info = sim.steady_state(p, base, hints, method="newton")
        t_newton = time.perf_counter() - t0
        late = sim.initial_state(p, base, hints, spin_up_days=1500, method="spin_up")
        solved = np.abs(new - old).max(axis=1) > 0  # the spun-up people equal the spin-up's
        res = max_rates(new[solved], p.values[solved], base.values[0])
        branch = [y[:, S.neuroplasticity] < 0.5 for y in (new, old, late)]
        counts = " ".join(f"{k:>8}" for k in info.n_solved)
        print(
            f"{label:<40} {counts} {info.n_fallback:>8} {res.max(initial=0):>8.1e} "
            f"{_deviation(new, old)[solved].max(initial=0):>8.1e} "
            f"{_deviation(new, late)[solved].max(initial=0):>8.1e} "
            f"{(branch[0] != branch[1]).sum():>6} {(branch[1] != branch[2]).sum():>8} "
            f"{t_spin:>6.1f} {t_newton:>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
