"""Benchmark gutbrain.analysis.lmm.lmm_crossed against lme4 on a crossed-effects diary.

    python benchmarks/bench_lmm_crossed.py [--people 10000] [--days 90] [--items 20]
                                           [--r-people 500] [--no-r]

Simulated diary (fixed seed): every participant rates ``items`` questionnaire items on each of
``days`` days, a fifth of the days missing at random (the whole day); ``y = 3 + 0.01 day + u_p +
v_i + e`` with participant and item intercepts (SD 0.8 and 0.5) and residual SD 1. The model is
``y ~ day + (1 | participant) + (1 | item)`` by REML.

gutbrain fits the full data (10,000 x 90 x 20, about 14.4 million rows) and, for a direct
comparison, the first ``r-people`` participants. lme4 (``lmer``, timed by ``system.time`` of the
fit in an ``Rscript`` subprocess in the same run) fits that subset only, and its time on the full
data is extrapolated linearly in the number of rows (lme4's cost per evaluation is linear in the
rows of its sparse Z and in the levels; the count of evaluations does not grow with n). The
script prints the times, the log-likelihoods on the subset (they must agree) and the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.analysis.lmm import lmm_crossed

FORMULA = "y ~ day + (1 | participant) + (1 | item)"
R_CODE = """
suppressPackageStartupMessages(library(lme4))
d <- read.csv(commandArgs(TRUE)[1])
d$participant <- factor(d$participant); d$item <- factor(d$item)
tm <- system.time(fit <- lmer(y ~ day + (1 | participant) + (1 | item), data = d, REML = TRUE))
cat(sprintf("%.6f %.10f\\n", tm[["elapsed"]], as.numeric(logLik(fit))))
"""


def simulate(n_people: int, n_days: int, n_items: int, seed: int = 23) -> pd.DataFrame:
    """Rows of participant x day x item, a fifth of the days missing."""
    rng = np.random.default_rng(seed)
    keep = rng.random((n_people, n_days)) > 0.2
    p_idx, day = np.nonzero(keep)
    p = np.repeat(p_idx, n_items)
    d = np.repeat(day, n_items).astype(float)
    item = np.tile(np.arange(n_items), p_idx.size)
    u, v = rng.normal(0, 0.8, n_people), rng.normal(0, 0.5, n_items)
    y = 3.0 + 0.01 * d + u[p] + v[item] + rng.normal(0, 1.0, p.size)
    return pd.DataFrame({"participant": p, "item": item, "day": d, "y": y})


def time_gutbrain(data: pd.DataFrame) -> tuple[float, float]:
    """Seconds for one fit (after a warm-up on a small part) and its log-likelihood."""
    t0 = time.perf_counter()
    fit = lmm_crossed(FORMULA, data)
    return time.perf_counter() - t0, fit.loglik


def time_lme4(data: pd.DataFrame) -> tuple[float, float] | None:
    """lme4's seconds for the fit and its log-likelihood, or None without Rscript."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "d.csv", Path(tmp) / "fit.R"
        data.to_csv(csv, index=False)
        script.write_text(R_CODE)
        out = subprocess.run(
            [rscript, str(script), str(csv)], capture_output=True, text=True, check=True
        )
    secs, loglik = out.stdout.split()
    return float(secs), float(loglik)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--r-people", type=int, default=500)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    full = simulate(args.people, args.days, args.items)
    sub = full[full["participant"] < args.r_people]
    lmm_crossed(FORMULA, sub.iloc[: 20 * args.items * 10])  # warm-up (imports)
    t_full, ll_full = time_gutbrain(full)
    t_sub, ll_sub = time_gutbrain(sub)
    print(f"model {FORMULA!r}, REML; {args.people} x {args.days} days x {args.items} items")
    print(f"gutbrain  full  {len(full):>10,} rows  {t_full:8.2f} s  logLik {ll_full:.4f}")
    print(f"gutbrain  subset {len(sub):>9,} rows  {t_sub:8.2f} s  logLik {ll_sub:.6f}")
    r = None if args.no_r else time_lme4(sub)
    if r is None:
        print("lme4: skipped (no Rscript or --no-r)")
        return
    t_r, ll_r = r
    t_r_full = t_r * len(full) / len(sub)
    print(f"lme4      subset {len(sub):>9,} rows  {t_r:8.2f} s  logLik {ll_r:.6f}")
    print(f"lme4      full (extrapolated by rows)   {t_r_full:8.2f} s")
    print(f"ratio lme4 / gutbrain: subset {t_r / t_sub:.1f}x, full {t_r_full / t_full:.1f}x")
    print(f"logLik difference on the subset (gutbrain - lme4): {ll_sub - ll_r:.2e}")


if __name__ == "__main__":
    main()
