"""A change-point likelihood profile with and without warm starts, side by side in one run.

The profile fits the change-point model ``y ~ trt + s(day) + trt:after(tau)`` by ML for every
candidate day ``tau`` (26 fits per affect column on a 28-day diary; ``diary_trial`` dated the
onset this way before it moved to the posterior of :mod:`gutbrain.analysis.onset`, which needs
no refit per day). Adjacent change points give nearly the same covariance parameters, so each
fit can start from its neighbour's optimum (``lmm(..., start=previous)``). This benchmark
fits the negative-affect profile of simulated JS2025 bundles both ways, checks that the two agree
(largest log-likelihood difference, same best change point), and prints fits per second and the
ratio cold / warm; then the whole ``diary_trial`` per bundle.

Usage: ``python benchmarks/bench_onset_profile.py [--bundles 10]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from gutbrain.analysis.diary_trial import diary_trial
from gutbrain.analysis.lmm import LMMResult, lmm
from gutbrain.analysis.onset import spline_basis
from gutbrain.io import StudyBundle
from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial

KW = {"groups": "participant", "re": "~ 1", "ar1_time": "day", "method": "ML"}


def _profile_data(bundle: StudyBundle) -> tuple[pd.DataFrame, str]:
    arms = bundle.participants.set_index("participant")["arm"]
    d = bundle.diary.dropna(subset=["negative_affect"]).copy()
    d = d[d["day"] >= 0]
    d["trt"] = (arms.loc[d["participant"]].to_numpy() == "probiotic").astype(float)
    # diary_trial's piecewise-linear time trend (knots every 7 days)
    basis = spline_basis(d["day"].to_numpy(), int(d["day"].max()))
    for name, col in basis.items():
        d[name] = col
    return d, " + ".join(basis)


def _profile(data: tuple[pd.DataFrame, str], warm: bool) -> tuple[np.ndarray, int]:
    d, trend = data
    taus = np.arange(1, int(d["day"].max()) - 1)
    ll = np.empty(taus.size)
    prev: LMMResult | None = None
    evals = 0
    for i, tau in enumerate(taus):
        d["after"] = (d["day"] >= tau) * d["trt"]
        fit = lmm(f"negative_affect ~ trt + {trend} + after", d, start=prev, **KW)
        ll[i] = fit.loglik
        evals += fit.convergence.evaluations
        prev = fit if warm else None
    return ll, evals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundles", type=int, default=10)
    args = ap.parse_args()
    design = load_design("examples/trials/js2025.toml")
    bundles = [run_trial(design, seed=s) for s in range(1, args.bundles + 1)]
    data = [_profile_data(b) for b in bundles]
    _profile(data[0], True)  # warm-up: numba kernels
    diffs, same, out = [], 0, {}
    for mode in ("cold", "warm"):
        t0 = time.perf_counter()
        res = [_profile(d, mode == "warm") for d in data]
        secs = time.perf_counter() - t0
        fits = sum(len(r[0]) for r in res)
        out[mode] = (secs, fits, sum(r[1] for r in res), [r[0] for r in res])
    for c, w in zip(out["cold"][3], out["warm"][3], strict=True):
        diffs.append(float(np.abs(c - w).max()))
        same += int(np.argmax(c) == np.argmax(w))
    print(f"onset profile, negative affect, {args.bundles} JS2025 bundles (88 x 28):")
    for mode in ("cold", "warm"):
        secs, fits, evals, _ = out[mode]
        print(
            f"  {mode}: {secs:.2f} s, {fits / secs:.1f} fits/s, "
            f"{evals / fits:.1f} deviance evaluations per fit"
        )
    print(f"  ratio cold / warm: {out['cold'][0] / out['warm'][0]:.2f}x")
    print(
        f"  largest |loglik difference| {max(diffs):.2e}; same best change point {same}/{len(data)}"
    )
    t0 = time.perf_counter()
    for b in bundles:
        diary_trial(b)
    per = (time.perf_counter() - t0) / len(bundles)
    print(f"diary_trial (NA and PA, weekly, smooth, onset, pre/post): {per:.2f} s per bundle")


if __name__ == "__main__":
    main()
