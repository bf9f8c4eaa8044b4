"""Where the uncalibrated model stands: each target row predicted at the parameter-table values.

Writes ``benchmarks/predict_targets.csv`` (:func:`gutbrain.calibrate.predict.report`: the
published value and interval, the prediction, hit or miss under issue 18's rule, and the reason
for a miss or for a row not predicted) and prints the hit counts per split and the time one
prediction of the calibration rows takes. Nothing is tuned.

Usage: ``python benchmarks/predict_targets.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

from gutbrain.calibrate.predict import predict, predictable_keys, report
from gutbrain.model.targets import load_targets

OUT = Path(__file__).resolve().parent / "predict_targets.csv"


def main() -> None:
    table = report()
    table.to_csv(OUT, index=False, float_format="%.4g")
    split = {t.key: t.split for t in load_targets()}
    keys = [k for k in predictable_keys() if split[k] == "calibration"]
    start = time.perf_counter()
    predict({}, keys)
    seconds = time.perf_counter() - start
    for name, rows in table.groupby("split"):
        done = rows["predicted"].notna()
        print(
            f"{name}: {len(rows)} rows, {int(done.sum())} predicted, "
            f"{int(rows['hit'].sum())} hit ({rows.loc[done, 'hit'].mean():.0%} of those predicted)"
        )
    print(f"one parameter set, {len(keys)} predicted calibration rows: {seconds:.1f} s")


if __name__ == "__main__":
    main()
