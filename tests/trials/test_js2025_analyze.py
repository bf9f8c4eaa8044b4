"""The analysis issue's JS2025 targets, read across replicates.

The issue asks that ``gutbrain analyze`` on the JS2025 bundle report (1) an NA effect with an
onset of about two weeks, (2) a null result for PA and (3) a null result for pre/post. One bundle
is one random draw, so these are tested as what a JS2025 bundle reports across the 200
replicates of the trial tests' batch (seed 1), each analysed exactly as ``gutbrain analyze`` does
(likelihood-ratio test of the arm terms, step onset (posterior mode), pre/post ANCOVA).

Thresholds, set before running (2026-11-24), not tuned:
(1) NA effect test p < 0.05 with the onset on day 7-21 in >= 50 % of bundles;
(2) PA effect test p >= 0.05 in >= 85 % (about 1 - 3 alpha);
(3) every pre/post questionnaire (PANAS-NA, PANAS-PA, STAI-state, PSWQ) p >= 0.05 in >= 50 %;
and all three together in >= 50 %, i.e. the typical bundle reports the whole JS2025 pattern.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _js2025_analysis import PREPOST, analyse_all
from _js2025_replicates import replicate_bundles
from _known_gap import known_gap

REPS = 200
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reported() -> pd.DataFrame:
    # The batch that tests/trials/test_js2025.py also uses (one cached run).
    df = analyse_all(replicate_bundles("examples/trials/js2025.toml", REPS, seed=1))
    df["na_found"] = (df["na_p"] < 0.05) & df["na_onset"].between(7, 21)
    df["pa_null"] = df["pa_p"] >= 0.05
    df["prepost_null"] = (df[[f"pp_{i}" for i in PREPOST]] >= 0.05).all(axis=1)
    df["all_three"] = df["na_found"] & df["pa_null"] & df["prepost_null"]
    onsets = df.loc[df["na_p"] < 0.05, "na_onset"]
    print(f"\ngutbrain analyze on {REPS} JS2025 bundles:")
    print(f"  NA effect p < 0.05                 {(df['na_p'] < 0.05).mean():.2f}")
    print(f"  ... with onset on day 7-21         {df['na_found'].mean():.2f}")
    print(f"  onset when found: median {onsets.median():.0f}, quartiles "
          f"{onsets.quantile(0.25):.0f}-{onsets.quantile(0.75):.0f}")  # fmt: skip
    print(f"  PA null                            {df['pa_null'].mean():.2f}")
    for i in PREPOST:
        print(f"  pre/post {i:10s} significant    {(df[f'pp_{i}'] < 0.05).mean():.2f}")
    print(f"  every pre/post null                {df['prepost_null'].mean():.2f}")
    print(f"  all three                          {df['all_three'].mean():.2f}")
    return df


def test_na_effect_with_onset_about_two_weeks(reported: pd.DataFrame) -> None:
    assert reported["na_found"].mean() >= 0.5


def test_pa_null(reported: pd.DataFrame) -> None:
    assert reported["pa_null"].mean() >= 0.85


def test_prepost_null(reported: pd.DataFrame) -> None:
    assert reported["prepost_null"].mean() >= 0.5


def test_typical_bundle_reports_the_whole_pattern(reported: pd.DataFrame) -> None:
    # Known gap: NA is found in about 80 % of bundles and all four pre/post questionnaires are
    # null in about 72 %, so the whole pattern shows in under half: 0.44 in an exploratory run
    # of 100 separate bundles (seeds 1-100) and 0.50 in the first 100 of this batch (Monte
    # Carlo SE 0.05 each, hence all 200: 0.43). The NA effect is the one that is a little too small
    # for week 3 (test_js2025.py); pre/post misses by chance across four instruments.
    rate = float(reported["all_three"].mean())
    known_gap(rate >= 0.5, f"whole JS2025 pattern in {rate:.2f} of bundles < 0.5")
    assert rate >= 0.5
