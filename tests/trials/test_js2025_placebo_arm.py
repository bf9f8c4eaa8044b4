"""What the placebo arm of 20 JS2025 replicates (about 880 healthy young adults) reports.

Diary: reported daily affect is half trait, half state (MR2011: daily PANAS ICC about 0.5),
latent day-to-day swings included.

The diary's state noise SDs (``diary.na_state_sd``, ``diary.pa_state_sd``) are calibrated to
this target; the scan is in ``observe/parameters.csv``. The placebo arm of 20 JS2025 replicates
(about 880 people x 28 days) estimates the ICC to within about 0.02 (SD over seeds), so the
tolerance of 0.05 is about 2.5 SD.

Questionnaires: scores spread and retest as in their reference samples, because each carries a
stable person offset calibrated to them (``person_sd``; see
:mod:`gutbrain.trials.instrument_calibration`).
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
def placebo_arm():
    d = load_design("examples/trials/js2025.toml")
    b = run_trial(dataclasses.replace(d, n=88 * 20, block_size=88), seed=3, chunk_blocks=20)
    arm = b.participants.set_index("participant")["arm"]
    diary = b.diary[arm.loc[b.diary["participant"]].to_numpy() == "placebo"]
    visits = b.visits[arm.loc[b.visits["participant"]].to_numpy() == "placebo"]
    wide = visits.pivot_table(index="participant", columns=["instrument", "visit"], values="score")
    return diary, wide


@pytest.fixture(scope="module")
def placebo_diary(placebo_arm):
    return placebo_arm[0]


@pytest.mark.parametrize("item", ["negative_affect", "positive_affect"])
def test_reported_daily_affect_has_an_icc_of_one_half(placebo_diary, item):
    rows = placebo_diary.dropna(subset=[item])
    icc = _icc(rows[item].to_numpy(float), rows["participant"].to_numpy())
    print(f"{item}: ICC {icc:.3f} over {rows['participant'].nunique()} people")
    assert icc == pytest.approx(0.5, abs=0.05)


# Published retest reliability and score SD of each questionnaire's reference sample
# (instruments.toml; SDs in response_models.csv): PSWQ 0.92 over 8-10 weeks, SD about 13 (Meyer
# 1990; SD assumed from student samples); STAI-state 0.16-0.62 (STAI manual); PANAS-PA SD 7.7
# (Crawford & Henry 2004).
def test_pswq_retests_as_published(placebo_arm):
    """The visits are 4 weeks apart, inside Meyer 1990's 8-10 weeks; SE of r about 0.01."""
    x = placebo_arm[1]["PSWQ"].dropna()
    r = x["pre"].corr(x["post"])
    print(f"PSWQ retest r {r:.3f}, SD {x['pre'].std():.2f}")
    assert r == pytest.approx(0.92, abs=0.04)
    assert x["pre"].std() == pytest.approx(13.0, rel=0.15)


def test_stai_state_retests_inside_the_manuals_range(placebo_arm):
    x = placebo_arm[1]["STAI-state"].dropna()
    r = x["pre"].corr(x["post"])
    print(f"STAI-state retest r {r:.3f}")
    assert 0.16 <= r <= 0.62


def test_panas_pa_spreads_as_the_norms(placebo_arm):
    """SE of the SD about 0.25 points (440 people): 10% is about 3 SE."""
    x = placebo_arm[1]["PANAS-PA"].dropna()
    print(f"PANAS-PA SD {x['pre'].std():.2f}, retest r {x['pre'].corr(x['post']):.3f}")
    assert x["pre"].std() == pytest.approx(7.7, rel=0.10)
