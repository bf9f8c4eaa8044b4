"""Detection rates of the JS2025 design across simulated replicates (shared by test and docs).

All replicates run as one batch: a trial of ``88 * reps`` people in blocks of 88, each block
one replicate (allocation in permuted blocks of 4 keeps every replicate at 44/44).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.io import StudyBundle
from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial

ALPHA = 0.05


@functools.lru_cache(maxsize=2)
def replicate_batch(design_file: str, reps: int, seed: int) -> tuple[StudyBundle, int]:
    """One trial of ``reps`` replicates (cached: the #3 and #4 tests share one run) and the
    replicate size."""
    d = load_design(design_file)
    big = dataclasses.replace(d, n=d.n * reps, block_size=d.n)
    return run_trial(big, seed=seed, chunk_blocks=25), d.n


def replicate_bundles(design_file: str, reps: int, seed: int = 1) -> list[StudyBundle]:
    """The batch split into one bundle per replicate (88 people each for JS2025)."""
    b, n0 = replicate_batch(design_file, reps, seed)
    rep = pd.Series(np.arange(len(b.participants)) // n0, index=b.participants["participant"])

    def split(t: pd.DataFrame) -> dict[int, pd.DataFrame]:
        keys = rep.loc[t["participant"]].to_numpy()
        return {int(r): g.reset_index(drop=True) for r, g in t.groupby(keys, sort=True)}

    parts, diary, visits = split(b.participants), split(b.diary), split(b.visits)
    return [
        dataclasses.replace(
            b,
            participants=parts[r],
            diary=diary[r],
            visits=visits[r],
            biomarkers=None,
            truth_latent=None,
        )
        for r in range(reps)
    ]


def detection_rates(design_file: str, reps: int, seed: int = 1) -> dict[str, float]:
    b, n0 = replicate_batch(design_file, reps, seed)
    arm = b.participants.set_index("participant")["arm"]
    rep = pd.Series(np.arange(len(arm)) // n0, index=arm.index)
    diary = b.diary.assign(
        week=b.diary["day"] // 7 + 1, rep=lambda x: rep.loc[x["participant"]].to_numpy()
    )
    out: dict[str, float] = {}
    for item, key in (("negative_affect", "NA"), ("positive_affect", "PA")):
        means = diary.groupby(["rep", "week", "participant"])[item].mean().reset_index()
        means["arm"] = arm.loc[means["participant"]].to_numpy()
        for week in (1, 2, 3, 4):
            sig = []
            for _, g in means[means["week"] == week].groupby("rep"):
                a = g.loc[g["arm"] == "probiotic", item].dropna()
                p = g.loc[g["arm"] == "placebo", item].dropna()
                t = stats.ttest_ind(a, p, equal_var=False)
                sig.append(t.pvalue < ALPHA)
            out[f"{key}_week{week}"] = float(np.mean(sig))
    v = b.visits.pivot_table(index=["participant", "instrument"], columns="visit", values="score")
    v = v.dropna().reset_index()
    v["change"] = v["post"] - v["pre"]
    v["arm"] = arm.loc[v["participant"]].to_numpy()
    v["rep"] = rep.loc[v["participant"]].to_numpy()
    for inst, g0 in v.groupby("instrument"):
        sig = []
        for _, g in g0.groupby("rep"):
            t = stats.ttest_ind(
                g.loc[g["arm"] == "probiotic", "change"],
                g.loc[g["arm"] == "placebo", "change"],
                equal_var=False,
            )
            sig.append(t.pvalue < ALPHA)
        out[f"prepost_{inst}"] = float(np.mean(sig))
        out[f"ancova_{inst}"] = float(np.mean([_ancova_p(g) < ALPHA for _, g in g0.groupby("rep")]))
    return out


def _ancova_p(g: pd.DataFrame) -> float:
    """p of the arm term in ``post ~ pre + arm`` (OLS), as the analysis's pre/post ANCOVA."""
    x = np.column_stack(
        [np.ones(len(g)), g["pre"].to_numpy(float), (g["arm"] == "probiotic").to_numpy(float)]
    )
    y = g["post"].to_numpy(float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    df = len(y) - x.shape[1]
    cov = np.linalg.inv(x.T @ x) * (resid @ resid) / df
    t = beta[2] / np.sqrt(cov[2, 2])
    return float(2 * stats.t.sf(abs(t), df))


if __name__ == "__main__":
    import sys
    import time

    t0 = time.time()
    r = detection_rates(
        "examples/trials/js2025.toml", int(sys.argv[1]) if len(sys.argv) > 1 else 200
    )
    for k, x in r.items():
        print(f"{k:24s} {x:.3f}")
    print(f"{time.time() - t0:.1f} s")
