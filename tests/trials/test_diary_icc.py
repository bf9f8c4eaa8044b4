"""Reported daily affect in the healthy cohort is half trait, half state (MR2011: daily PANAS
ICC about 0.5), latent day-to-day swings included.

The diary's state noise SDs (``diary.na_state_sd``, ``diary.pa_state_sd``) are calibrated to
this target; the scan is in ``observe/parameters.csv``. The placebo arm of 20 JS2025 replicates
(about 880 people x 28 days) estimates the ICC to within about 0.02 (SD over seeds), so the
tolerance of 0.05 is about 2.5 SD.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gutbrain.trials.design import load_design
from gutbrain.trials.run import run_trial


def _icc(values: np.ndarray, person: np.ndarray) -> float:
    """One-way random-effects ICC(1) with the mean number of reports per person."""
    _, codes, k_i = np.unique(person, return_inverse=True, return_counts=True)
    means = np.bincount(codes, weights=values) / k_i
    squares = np.bincount(codes, weights=(values - means[codes]) ** 2).sum()
    within = squares / (len(values) - len(k_i))
    between = means.var(ddof=1) - within / k_i.mean()
    return float(between / (between + within))


@pytest.fixture(scope="module")
def placebo_diary():
    d = load_design("examples/trials/js2025.toml")
    b = run_trial(dataclasses.replace(d, n=88 * 20, block_size=88), seed=3, chunk_blocks=20)
    arm = b.participants.set_index("participant")["arm"]
    return b.diary[arm.loc[b.diary["participant"]].to_numpy() == "placebo"]


@pytest.mark.parametrize("item", ["negative_affect", "positive_affect"])
def test_reported_daily_affect_has_an_icc_of_one_half(placebo_diary, item):
    rows = placebo_diary.dropna(subset=[item])
    icc = _icc(rows[item].to_numpy(float), rows["participant"].to_numpy())
    print(f"{item}: ICC {icc:.3f} over {rows['participant'].nunique()} people")
    assert icc == pytest.approx(0.5, abs=0.05)
