"""Posterior members by real simulation: the emulators' accuracy there, and the hits per row.

Takes the first ``--members`` members of an emulator-calibrated ensemble (default: the committed
partial run, ``benchmarks/emulator_calibration/``), predicts every predictable target row for
each by real simulation (:func:`gutbrain.calibrate.predict.predict`), and writes
``benchmarks/emulator_posterior_check.csv``: per row, the split, the published value and CI,
the posterior median and 90% band over the members, the hit verdict of issue 18's rule
(:func:`gutbrain.calibrate.hits.hit`, with the band) and the band width next to 4 x the
published CI; for calibration rows also the emulator's mean error at the members, in units of the
row's error scale. Prints hits per split.

Usage: ``python benchmarks/emulator_posterior_check.py [--members 8] [--ensemble DIR]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gutbrain.calibrate.emulator import error_scale, fit_emulators, likelihood_rows, to_unit
from gutbrain.calibrate.emulator_design import BATCH, load_design
from gutbrain.calibrate.hits import hit
from gutbrain.calibrate.predict import predict, predictable_keys
from gutbrain.model.ensemble import load_ensemble
from gutbrain.model.targets import load_targets

HERE = Path(__file__).resolve().parent
OUT = HERE / "emulator_posterior_check.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--ensemble", default=str(HERE / "emulator_calibration"))
    args = parser.parse_args()
    start = time.perf_counter()
    folder = Path(args.ensemble)
    ens = load_ensemble(folder / "ensemble.csv").head(args.members)
    keys = predictable_keys()
    real = pd.DataFrame([predict(ens.overrides(i), keys) for i in range(len(ens))])
    sim_seconds = time.perf_counter() - start
    design = load_design(folder / "design")
    design = design.iloc[: len(design) // BATCH * BATCH]
    fitted_keys = list(ens.info["target_keys"])
    rows = likelihood_rows(load_targets(), fitted_keys)
    emu = fit_emulators(design, list(ens.names), rows, int(ens.info["seed"]))
    members = pd.DataFrame(ens.values, columns=list(ens.names))
    mean, _ = emu.predict(to_unit(members, list(ens.names)))
    emulator_error = {
        r.key: float(np.mean(np.abs(mean[:, j] - real[r.key])) / error_scale(r)[0])
        for j, r in enumerate(rows)
    }
    out = []
    for t in load_targets():
        if t.key not in keys:
            continue
        values = real[t.key].to_numpy(float)
        band = (float(np.nanquantile(values, 0.05)), float(np.nanquantile(values, 0.95)))
        median = float(np.nanmedian(values))
        verdict = hit(t, median, band if t.kind != "direction" else None)
        out.append(
            {
                "key": t.key,
                "split": t.split,
                "published": t.value,
                "low": t.low,
                "high": t.high,
                "median": median,
                "band_low": band[0],
                "band_high": band[1],
                "band_width": band[1] - band[0],
                "four_ci": 4 * t.ci95_width if t.ci95_width else np.nan,
                "hit": verdict.hit,
                "why": verdict.reason,
                "emulator_error_in_scales": emulator_error.get(t.key, np.nan),
            }
        )
    table = pd.DataFrame(out)
    table.to_csv(OUT, index=False, float_format="%.4g")
    for split, part in table.groupby("split"):
        print(f"{split}: {int(part['hit'].sum())} of {len(part)} predicted rows hit")
    err = table["emulator_error_in_scales"].dropna()
    print(
        f"emulator at {len(ens)} posterior members: mean |error| / row scale median "
        f"{err.median():.2f}, max {err.max():.2f} ({table.loc[err.idxmax(), 'key']})"
    )
    print(f"{len(ens)} members x {len(keys)} rows simulated in {sim_seconds:.0f} s")


if __name__ == "__main__":
    main()
