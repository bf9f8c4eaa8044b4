"""Morris screening of the assumed parameters on the predicted calibration rows (issue 18, item 3).

Runs :func:`gutbrain.calibrate.morris.screen` over every screened parameter
(:func:`~gutbrain.calibrate.morris.factors`) with the calibration rows that
:func:`gutbrain.calibrate.predict.predictable_keys` predicts as outputs, and writes

- ``benchmarks/morris_screen.csv``: one row per parameter and target (mu, mu*, sigma, mu* CI),
  in units of each row's published CI (:func:`~gutbrain.calibrate.morris.scale`);
- ``benchmarks/morris_screen.json``: the run's settings, time, and the ranking per parameter;
- ``benchmarks/morris_screen.png``: largest normalised mu* against its sigma per parameter;
- ``src/gutbrain/calibrate/data/shortlist.csv``: the parameters the shortlist rule keeps.

Usage: ``python benchmarks/morris_screen.py [--trajectories R] [--seed S] [--workers W]
[--rows all|model]``. The design evaluates ``R * (k + 1)`` parameter sets (k screened
parameters); ``--rows model`` screens only the rows answered without a trial.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib.pyplot as plt

from gutbrain.calibrate.model_rows import MODEL_ROWS
from gutbrain.calibrate.morris import (
    LEVELS,
    MAX_SHORTLIST,
    THRESHOLD,
    factors,
    rank,
    screen,
    shortlist,
)
from gutbrain.calibrate.predict import predictable_keys
from gutbrain.model.targets import load_targets

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks"
SHORTLIST = ROOT / "src" / "gutbrain" / "calibrate" / "data" / "shortlist.csv"


def calibration_keys(rows: str) -> list[str]:
    """The predicted rows whose split is ``calibration``: all of them (``rows == "all"``), or
    only those the model answers without a trial (``"model"``, about 5x faster)."""
    split = {t.key: t.split for t in load_targets()}
    keys = [k for k in predictable_keys() if split[k] == "calibration"]
    return keys if rows == "all" else [k for k in keys if k in MODEL_ROWS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=2)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", choices=("all", "model"), default="all")
    args = parser.parse_args()
    keys = calibration_keys(args.rows)
    names = factors()
    total = args.trajectories * (len(names) + 1)
    start = time.perf_counter()

    def progress(done: int, n: int) -> None:
        if done % 20 == 0 or done == n:
            print(f"{done}/{n} parameter sets, {time.perf_counter() - start:.0f} s", flush=True)

    results = screen(keys, args.trajectories, args.seed, progress=progress, workers=args.workers)
    seconds = time.perf_counter() - start
    ranked = rank(results)
    short = shortlist(ranked)
    results.to_csv(OUT / "morris_screen.csv", index=False, float_format="%.6g")
    SHORTLIST.parent.mkdir(parents=True, exist_ok=True)
    short.to_csv(SHORTLIST, index=False, float_format="%.6g")
    summary = {
        "rows": args.rows,
        "trajectories": args.trajectories,
        "levels": LEVELS,
        "seed": args.seed,
        "workers": args.workers,
        "parameters": len(names),
        "parameter_sets": total,
        "outputs": sorted(set(results["key"])),
        "outputs_left_out_for_nan": sorted(set(keys) - set(results["key"])),
        "seconds": round(seconds, 1),
        "seconds_per_set": round(seconds * args.workers / total, 2),
        "rule": f"max normalised mu* >= {THRESHOLD}, at most {MAX_SHORTLIST}, largest first",
        "shortlist": short["parameter"].tolist(),
        "ranking": ranked.round(4).to_dict(orient="records"),
    }
    (OUT / "morris_screen.json").write_text(json.dumps(summary, indent=1) + "\n")
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(ranked["max_mu_star"], ranked["sigma_at_top"], s=12, color="0.5")
    top = ranked.head(12)
    ax.scatter(top["max_mu_star"], top["sigma_at_top"], s=16, color="C3")
    for _, row in top.iterrows():
        ax.annotate(row["parameter"], (row["max_mu_star"], row["sigma_at_top"]), fontsize=7)
    ax.axvline(THRESHOLD, color="C0", lw=0.8, ls="--", label=f"shortlist threshold {THRESHOLD}")
    ax.set_xscale("symlog", linthresh=1e-2)
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("largest mu* over calibration rows (units of the row's CI)")
    ax.set_ylabel("sigma for that row")
    ax.set_title(
        f"Morris: {len(names)} assumed parameters, r = {args.trajectories}, rows: {args.rows}"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "morris_screen.png", dpi=120)
    print(f"{total} parameter sets in {seconds:.0f} s; shortlist ({len(short)}):")
    print(short.to_string(index=False))


if __name__ == "__main__":
    main()
