"""JS2025 (Johnson & Steenbergen 2025, npj Mental Health Research 4:10) reproduced in silico.

Targets from the paper: the probiotic-placebo difference in daily negative mood appears from
about day 14 (so: detectable by week 3, not in week 1); positive mood shows no effect; pre/post
PANAS, STAI and PSWQ show no group differences (so: most replicates non-significant).

Thresholds (set before running, not tuned): week-3 NA detection >= 0.5 ("clearly detectable");
week-1 NA detection <= 0.15 (about alpha); PA detection <= 0.15 in every week; each pre/post
instrument significant in <= 0.5 of replicates ("most non-significant").
"""

from __future__ import annotations

import pytest
from _js2025_replicates import detection_rates
from _known_gap import known_gap

REPS = 200
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rates() -> dict[str, float]:
    r = detection_rates("examples/trials/js2025.toml", REPS, seed=1)
    print("\nJS2025 detection rates over", REPS, "replicates:")
    for k, v in r.items():
        print(f"  {k:22s} {v:.3f}")
    return r


def test_na_not_detected_in_week1(rates: dict[str, float]) -> None:
    assert rates["NA_week1"] <= 0.15


def test_na_clearly_detected_by_week3(rates: dict[str, float]) -> None:
    # Known gap: the model's NA effect in healthy adults (about 2.7 points on 0-100 in week 3,
    # against a between-person SD of weekly means of about 5.8) is a little too small for 88
    # people to detect it reliably by week 3 (48.5 % of 200 replicates, Monte Carlo SE 3.5 %;
    # 80 % in week 4).
    known_gap(rates["NA_week3"] >= 0.5, f"week-3 NA detection rate {rates['NA_week3']:.3f} < 0.5")
    assert rates["NA_week3"] >= 0.5, rates


def test_pa_shows_no_effect(rates: dict[str, float]) -> None:
    for week in (1, 2, 3, 4):
        assert rates[f"PA_week{week}"] <= 0.15, rates


def test_prepost_questionnaires_mostly_null(rates: dict[str, float]) -> None:
    """Both by change scores (Welch) and by ANCOVA on the baseline score (the analysis's)."""
    for inst in ("PANAS-NA", "STAI-state", "PSWQ"):
        assert rates[f"prepost_{inst}"] <= 0.5, rates
        assert rates[f"ancova_{inst}"] <= 0.5, rates
