"""Adjunct and stand-alone SMDs of the NIK2021 factorial design (shared by test and docs)."""

from __future__ import annotations

import dataclasses

import numpy as np

from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial


def hedges_g(treat: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """Hedges' g of improvement (control change - treatment change) and its standard error.

    g = J (m_c - m_t) / s_pooled, J = 1 - 3 / (4 (n_t + n_c) - 9);
    var(g) = (n_t + n_c) / (n_t n_c) + g^2 / (2 (n_t + n_c)) (Borenstein et al. 2009, ch. 4).
    """
    nt, nc = len(treat), len(control)
    sp = np.sqrt(((nt - 1) * treat.var(ddof=1) + (nc - 1) * control.var(ddof=1)) / (nt + nc - 2))
    j = 1 - 3 / (4 * (nt + nc) - 9)
    g = j * (control.mean() - treat.mean()) / sp
    se = np.sqrt((nt + nc) / (nt * nc) + g**2 / (2 * (nt + nc)))
    return float(g), float(se)


def nik2021_smds(
    n: int, seed: int = 1, instrument: str = "HAMD-17"
) -> dict[str, tuple[float, float]]:
    d = dataclasses.replace(load_design("examples/trials/nik2021_adjunct.toml"), n=n)
    b = run_trial(d, seed=seed)
    v = b.visits[b.visits["instrument"] == instrument]
    w = v.pivot_table(index="participant", columns="visit", values="score").dropna()
    change = (w["week8"] - w["baseline"]).rename("change").reset_index()
    change = change.merge(b.participants[["participant", "arm"]])
    by = {a: g["change"].to_numpy(float) for a, g in change.groupby("arm")}
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
