"""Adjunct and stand-alone SMDs of the NIK2021 factorial design (shared by test and docs)."""

from __future__ import annotations

import dataclasses

from gutbrain.trials.course import arm_scores, hedges_g
from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial


def nik2021_smds(
    n: int, seed: int = 1, instrument: str = "HAMD-17"
) -> dict[str, tuple[float, float]]:
    d = dataclasses.replace(load_design("examples/trials/nik2021_adjunct.toml"), n=n)
    s = arm_scores(run_trial(d, seed=seed), instrument, "baseline", "week8")
    by = {a: g["change"].to_numpy(float) for a, g in s.groupby("arm")}
    return {
        "adjunct": hedges_g(by["ssri_probiotic"], by["ssri_placebo"]),
        "standalone": hedges_g(by["probiotic"], by["placebo"]),
    }


if __name__ == "__main__":
    import sys
    import time

    t0 = time.time()
    for k, (g, se) in nik2021_smds(int(sys.argv[1])).items():
        print(f"{k:10s} g = {g:+.3f} (95% CI {g - 1.96 * se:+.3f} to {g + 1.96 * se:+.3f})")
    print(f"{time.time() - t0:.1f} s")
