"""What ``gutbrain analyze`` reports on many JS2025 bundles (the analysis issue's targets read
across replicates rather than on one seed's bundle).

Each replicate bundle (88 people) goes through :func:`gutbrain.analysis.diary_trial.diary_trial`
with its defaults, exactly as ``gutbrain analyze`` runs it, in a pool of worker processes.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from gutbrain.analysis.diary_trial import diary_trial
from gutbrain.io import StudyBundle

PREPOST = ("PANAS-NA", "PANAS-PA", "STAI-state", "PSWQ")


def analyse_one(bundle: StudyBundle) -> dict[str, float | None]:
    res = diary_trial(bundle)
    na = res.outcomes["negative_affect"].onset
    pa = res.outcomes["positive_affect"].onset
    assert res.prepost is not None
    row: dict[str, float | None] = {
        "na_p": na.effect_test["p"],
        "na_onset": na.day,
        "pa_p": pa.effect_test["p"],
    }
    for inst in PREPOST:
        row[f"pp_{inst}"] = res.prepost.results[inst].p
    return row


def analyse_all(bundles: list[StudyBundle]) -> pd.DataFrame:
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        return pd.DataFrame(list(pool.map(analyse_one, bundles, chunksize=4)))
