"""Generate the simulated data sets used as LMM references (run once; outputs are committed).

    python tests/reference/make_lmm_datasets.py

* ``lmm_diary_sim.csv``: 88 participants x 28 diary days (day 0-27), about 20% of days missing
  completely at random, two arms, a baseline covariate, a random intercept and a random slope on
  day (correlated) and continuous-time AR(1) residuals (phi = 0.5 per day) generated on the full
  day grid before days are dropped.
* ``lmm_scale_sim.csv``: 40 participants x 20 days with a covariate ``steps`` in the 1e4-1e5
  range next to one of unit scale, and a random slope on ``steps``: lme4 warns on it.
* ``lmm_singular_sim.csv``: data without a random slope, fitted with one: a singular fit.

Seeds are fixed; the data-generating values are written in the comments below.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def diary(seed: int = 20250101) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_people, n_days = 88, 28
    # Truth: na = 40 - 1.0*probiotic + 0.4*week - 1.2*probiotic*week + 0.8*baseline + b0 + b1*day.
    beta0, b_arm, b_week, b_armweek, b_base = 40.0, -1.0, 0.4, -1.2, 0.8
    sd_int, sd_slope, corr = 6.0, 0.25, -0.3
    sigma, phi = 5.0, 0.5
    cov = np.array([[sd_int**2, corr * sd_int * sd_slope], [corr * sd_int * sd_slope, sd_slope**2]])
    rows = []
    for i in range(n_people):
        arm = "probiotic" if i % 2 else "placebo"
        baseline = rng.normal(0.0, 1.0)
        b = rng.multivariate_normal(np.zeros(2), cov)
        e = np.empty(n_days)
        e[0] = rng.normal(0.0, sigma)
        for t in range(1, n_days):
            e[t] = phi * e[t - 1] + rng.normal(0.0, sigma * np.sqrt(1 - phi**2))
        keep = rng.random(n_days) >= 0.2
        for t in range(n_days):
            if not keep[t]:
                continue
            week = t / 7.0
            treat = 1.0 if arm == "probiotic" else 0.0
            mu = (
                beta0
                + b_arm * treat
                + b_week * week
                + b_armweek * treat * week
                + b_base * baseline
                + b[0]
                + b[1] * t
            )
            rows.append(
                {
                    "participant": f"P{i + 1:03d}",
                    "arm": arm,
                    "day": t,
                    "week": round(week, 10),
                    "baseline": round(baseline, 6),
                    "na": round(mu + e[t], 6),
                }
            )
    return pd.DataFrame(rows)


def scale(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(40):
        u0 = rng.normal(0.0, 3.0)
        u1 = rng.normal(0.0, 5e-5)  # per step
        base_steps = rng.uniform(1e4, 9e4)
        for t in range(20):
            steps = base_steps + rng.normal(0.0, 1e4)
            x = rng.normal(0.0, 1.0)
            y = 20 + u0 + (-1e-4 + u1) * steps + 0.5 * x + rng.normal(0.0, 2.0)
            rows.append(
                {
                    "participant": f"S{i + 1:02d}",
                    "day": t,
                    "steps": round(steps, 2),
                    "x": round(x, 6),
                    "y": round(y, 6),
                }
            )
    return pd.DataFrame(rows)


def singular(seed: int = 1) -> pd.DataFrame:
    """30 groups x 10 rows with no random slope: y = 1 + 0.5 x + u0 + e, u0 and e ~ N(0, 1).

    Fitted with a random slope on x, lme4 ends on the boundary (a rank-1 covariance: slope SD
    > 0 with correlation 1, theta[2] = 0) for this seed: a singular-fit reference.
    """
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(30), 10)
    x = rng.normal(size=300)
    y = 1 + 0.5 * x + rng.normal(0, 1, 30)[g] + rng.normal(0, 1, 300)
    return pd.DataFrame({"g": [f"G{i:02d}" for i in g], "x": np.round(x, 6), "y": np.round(y, 6)})


if __name__ == "__main__":
    diary().to_csv(HERE / "lmm_diary_sim.csv", index=False)
    scale().to_csv(HERE / "lmm_scale_sim.csv", index=False)
    singular().to_csv(HERE / "lmm_singular_sim.csv", index=False)
