"""Coverage of the diary-trial onset interval on simulated diaries with a known onset.

Three generators, each a JS2025-sized parallel diary (88 participants, half per arm; 7 run-in
days and 28 intervention days, days -7 to 27; 20% of days skipped at random). Daily negative
affect = 30 + person intercept (SD 8) + stationary AR(1) residual (phi 0.4, SD 7) + the arm
effect on treated participants, the noise levels of ``tests/analysis/_synthetic_bundles.py``:

* ``step``: the difference is -4 points from day 14 on (the onset: day 14);
* ``ramp``: it falls linearly from 0 on day 10 to -6 on day 24, then stays (the onset: day 10);
* ``null``: no difference;

the step and ramp are the examples docs/analysis.md used for the profile-likelihood interval
before. Two smaller effects show the dependence on effect size: ``step-3`` (-3 points) and
``ramp-4`` (0 to -4).

Each bundle is analysed by :func:`gutbrain.analysis.onset.estimate_onset` with the shape that
generated it (the null with the default step). Reported per generator: the share of bundles in
which an onset is placed, the share whose 95% interval contains the true onset (a bundle with
no onset placed counts as not covering), the same among placed bundles, with Monte Carlo SEs,
and the median interval width. Done when (issue 22): coverage 90-98% for step and ramp, and
"cannot place" in >= 90% of null bundles.

Usage: ``python benchmarks/onset_coverage.py [--reps 200] [--out benchmarks/onset_coverage.txt]``
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutbrain.analysis.onset import estimate_onset

N_PEOPLE = 88
RUN_IN = 7
DAYS = 28
SKIP = 0.2


@dataclass(frozen=True)
class Generator:
    """A known effect shape: ``effect`` reached ``ramp_days`` after ``onset`` (0: a step)."""

    name: str
    effect: float
    onset: int
    ramp_days: int
    shape: str


GENERATORS = {
    "step": Generator("step", -4.0, 14, 0, "step"),
    "ramp": Generator("ramp", -6.0, 10, 14, "ramp"),
    "null": Generator("null", 0.0, 14, 0, "step"),
}
# Smaller effects, to show how placement and coverage depend on the effect size.
SENSITIVITY = {
    "step-3": Generator("step-3", -3.0, 14, 0, "step"),
    "ramp-4": Generator("ramp-4", -4.0, 10, 14, "ramp"),
}


def simulate(gen: Generator, seed: int) -> pd.DataFrame:
    """One simulated diary: participant, day, trt, y (see the module docstring)."""
    rng = np.random.default_rng(seed)
    days = np.arange(-RUN_IN, DAYS)
    trt = (np.arange(N_PEOPLE) % 2).astype(float)
    phi, sd = 0.4, 7.0
    e = np.empty((N_PEOPLE, days.size))
    e[:, 0] = rng.normal(0, sd, N_PEOPLE)
    for t in range(1, days.size):
        e[:, t] = phi * e[:, t - 1] + rng.normal(0, sd * np.sqrt(1 - phi**2), N_PEOPLE)
    if gen.ramp_days:
        shape = np.clip((days - gen.onset) / gen.ramp_days, 0.0, 1.0)
    else:
        shape = (days >= gen.onset).astype(float)
    y = 30 + rng.normal(0, 8, N_PEOPLE)[:, None] + e + gen.effect * trt[:, None] * shape
    pid, col = np.nonzero(rng.random(y.shape) >= SKIP)
    d = pd.DataFrame({"participant": pid, "day": days[col], "trt": trt[pid], "y": y[pid, col]})
    return d[d["day"] >= 0].reset_index(drop=True)


def study(gen: Generator, reps: int, seed0: int) -> dict[str, float]:
    """Run ``reps`` bundles of one generator; placement and coverage shares with MC SEs."""
    placed = covered = 0
    widths = []
    for r in range(reps):
        on = estimate_onset(simulate(gen, seed0 + r), shape=gen.shape)
        if on.ci_low is not None and on.ci_high is not None:
            placed += 1
            widths.append(on.ci_high - on.ci_low + 1)
            covered += int(on.ci_low <= gen.onset <= on.ci_high)
    share = {"placed": placed / reps, "coverage": covered / reps, "not_placed": 1 - placed / reps}
    return {
        **share,
        **{f"{k}_se": float(np.sqrt(v * (1 - v) / reps)) for k, v in share.items()},
        "coverage_if_placed": covered / placed if placed else float("nan"),
        "median_width": float(np.median(widths)) if widths else float("nan"),
        "reps": reps,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--out", default=None, help="also write the table to this file")
    args = ap.parse_args()
    lines = [f"onset coverage, {args.reps} bundles per generator (88 people x 28 days, 95%):"]
    t0 = time.perf_counter()
    gens = [*GENERATORS.values(), *SENSITIVITY.values()]
    for i, gen in enumerate(gens):
        s = study(gen, args.reps, seed0=10_000 * (i + 1))
        lines.append(
            f"  {gen.name:6s} (truth day {gen.onset}, {gen.shape} model): placed "
            f"{s['placed']:.3f} (SE {s['placed_se']:.3f}); covers the truth {s['coverage']:.3f} "
            f"(SE {s['coverage_se']:.3f}; {s['coverage_if_placed']:.3f} of placed); "
            f"median width {s['median_width']:.0f} days"
        )
    per = (time.perf_counter() - t0) / (len(gens) * args.reps)
    lines.append(f"  {1000 * per:.0f} ms per estimate_onset call (rough: shared machine)")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
