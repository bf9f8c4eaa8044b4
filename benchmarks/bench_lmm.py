"""Benchmark gutbrain.analysis.lmm against lme4, lmerTest, nlme and statsmodels, side by side.

    python benchmarks/bench_lmm.py [--quick] [--no-r] [--no-statsmodels] [--statsmodels-large]

Simulated daily-diary data (two arms, random intercept and slope on day, CAR(1) residuals with
phi = 0.5, 20% of days missing at random; fixed seed):

* ``88 x 28``   (the JS2025 trial size): random intercept + slope, REML, no AR term;
* ``10000 x 90``: random intercept + slope, REML, no AR term;
* ``100 x 70``: random intercept + CAR(1) residuals, REML (and intercept + slope + CAR(1)).

gutbrain is timed as the best of several repetitions after a warm-up call (which also loads the
compiled numba kernels); its time includes the full output, Satterthwaite df included. R is timed
in the same run by ``benchmarks/bench_lmm.R`` (``system.time`` of the fit only). statsmodels
MixedLM is timed where it applies (no AR residuals; on 10000 x 90 only with
``--statsmodels-large``, as one fit takes minutes). The script prints seconds, rows per second and
the ratio R time / gutbrain time. Targets: >= 10x lme4 on the first two, >= 20x nlme on the third.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.analysis.lmm import lmm

HERE = Path(__file__).resolve().parent
FORMULA = "na ~ arm * week"


def simulate(n_people: int, n_days: int, seed: int) -> pd.DataFrame:
    """Diary data: na = 40 - 1 probiotic + 0.4 week - 1.2 probiotic:week + u0 + u1 day + e."""
    rng = np.random.default_rng(seed)
    phi, sigma = 0.5, 5.0
    pid = np.repeat(np.arange(n_people), n_days)
    day = np.tile(np.arange(n_days), n_people)
    treat = (pid % 2).astype(float)
    e = np.empty((n_people, n_days))
    e[:, 0] = rng.normal(0, sigma, n_people)
    for k in range(1, n_days):
        e[:, k] = phi * e[:, k - 1] + rng.normal(0, sigma * np.sqrt(1 - phi**2), n_people)
    u0 = rng.normal(0, 6.0, n_people)
    u1 = rng.normal(0, 0.25, n_people)
    week = day / 7.0
    na = 40 - 1.0 * treat + 0.4 * week - 1.2 * treat * week + u0[pid] + u1[pid] * day
    d = pd.DataFrame(
        {
            "participant": np.char.add("P", pid.astype(str)),
            "arm": np.where(treat == 1, "probiotic", "placebo"),
            "day": day,
            "week": week,
            "na": na + e.ravel(),
        }
    )
    return d[rng.random(len(d)) >= 0.2].reset_index(drop=True)


def best_time(func: Callable[[], object], reps: int, warmup: bool = True) -> float:
    if warmup:
        func()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def r_time(csv: Path, kind: str, reps: int) -> float | None:
    out = subprocess.run(
        ["Rscript", str(HERE / "bench_lmm.R"), str(csv), kind, str(reps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(f"    R {kind} failed: {out.stderr.strip()[-300:]}")
        return None
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    return float(json.loads(line)["best_s"])


def statsmodels_time(d: pd.DataFrame, reps: int) -> float | None:
    try:
        import statsmodels.formula.api as smf
    except ImportError:
        return None

    def fit() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = smf.mixedlm(FORMULA, d, groups=d["participant"], re_formula="~ day")
            return model.fit(reml=True)

    return best_time(fit, reps, warmup=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10000 x 90 data set")
    parser.add_argument("--no-r", action="store_true", help="do not run R")
    parser.add_argument("--no-statsmodels", action="store_true")
    parser.add_argument(
        "--statsmodels-large", action="store_true", help="also time statsmodels on 10000 x 90"
    )
    args = parser.parse_args()
    have_r = shutil.which("Rscript") is not None and not args.no_r
    if not have_r:
        print("Rscript not found (or --no-r): printing gutbrain timings only.")
    cases = [
        # name, people, days, re, ar1, gutbrain reps, R kinds (kind, reps), statsmodels reps
        (
            "88 x 28, RI + RS",
            88,
            28,
            "~ 1 + day",
            None,
            50,
            [("lmer_rs", 20), ("lmertest_rs", 5)],
            3,
        ),
        ("100 x 70, RI + CAR(1)", 100, 70, "~ 1", "day", 10, [("lme_car1_ri", 3)], 0),
        ("100 x 70, RI + RS + CAR(1)", 100, 70, "~ 1 + day", "day", 10, [("lme_car1_rs", 3)], 0),
    ]
    if not args.quick:
        # statsmodels takes minutes at this size (351 s in one run): only with --statsmodels-large.
        sm_large = 1 if args.statsmodels_large else 0
        cases.append(
            ("10000 x 90, RI + RS", 10000, 90, "~ 1 + day", None, 3, [("lmer_rs", 1)], sm_large)
        )
    print(f"{'data set':30s} {'engine':22s} {'seconds':>10s} {'rows/s':>12s} {'ratio':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, people, days, re_, ar1, reps, r_kinds, sm_reps in cases:
            d = simulate(people, days, seed=people * 1000 + days)
            n = len(d)

            def ours(d: pd.DataFrame = d, re_: str = re_, ar1: str | None = ar1) -> object:
                return lmm(FORMULA, d, groups="participant", re=re_, ar1_time=ar1)

            t_ours = best_time(ours, reps)
            fit = ours()
            assert fit.convergence.converged  # type: ignore[attr-defined]
            print(f"{name:30s} {'gutbrain':22s} {t_ours:10.4f} {n / t_ours:12.0f} {1.0:8.1f}")
            if have_r:
                csv = Path(tmp) / f"{people}x{days}.csv"
                d.to_csv(csv, index=False)
                for kind, r_reps in r_kinds:
                    t_r = r_time(csv, kind, r_reps)
                    if t_r is not None:
                        print(
                            f"{'':30s} {kind:22s} {t_r:10.4f} {n / t_r:12.0f} {t_r / t_ours:8.1f}"
                        )
            if sm_reps and not args.no_statsmodels:
                t_sm = statsmodels_time(d, sm_reps)
                if t_sm is not None:
                    print(
                        f"{'':30s} {'statsmodels MixedLM':22s} {t_sm:10.4f} {n / t_sm:12.0f} "
                        f"{t_sm / t_ours:8.1f}"
                    )
            sys.stdout.flush()
    print("ratio = engine seconds / gutbrain seconds (higher means gutbrain is faster).")


if __name__ == "__main__":
    main()
