"""Issue 18's hit rule (gutbrain.calibrate.hits) on rows of the targets table."""

from __future__ import annotations

import math

import pytest

from gutbrain.calibrate.hits import hit
from gutbrain.model.targets import Target, load_targets


def _row(key: str) -> Target:
    return next(t for t in load_targets() if t.key == key)


@pytest.mark.parametrize(
    ("key", "prediction", "expected"),
    [
        ("DOW2010_IL6", 1.78, True),  # the published value
        ("DOW2010_IL6", 0.9, True),  # within a factor of 2
        ("DOW2010_IL6", 0.8, False),  # below half
        ("DOW2010_IL6", 3.6, False),  # above twice
        ("DOW2010_IL6", -1.78, False),  # wrong sign
        ("JAKOBSEN2017_SSRI_HDRS", -3.0, True),  # negative published value
        ("JAKOBSEN2017_SSRI_HDRS", 1.0, False),
        ("NIK2021_STANDALONE", 0.25, True),  # near zero: inside the CI [-0.34, 0.30]
        ("NIK2021_STANDALONE", 0.35, False),
        ("FURUKAWA2016_RESPONSE", 0.2, True),  # range [0.35, 0.40]: 0.35 / 2 <= x
        ("FURUKAWA2016_RESPONSE", 0.17, False),
        ("FURUKAWA2016_RESPONSE", 0.79, True),  # x <= 0.40 * 2
        ("SO2018_ALPHA_DIVERSITY", 0.0, True),  # a null direction row
        ("SO2018_ALPHA_DIVERSITY", 1.0, False),
        ("PALLEJA2018_BUTYRATE_PRODUCERS", -1.0, True),
        ("PALLEJA2018_BUTYRATE_PRODUCERS", 0.0, False),
    ],
)
def test_point_predictions(key: str, prediction: float, expected: bool) -> None:
    verdict = hit(_row(key), prediction)
    assert verdict.hit is expected
    assert (verdict.reason == "") is expected


def test_band_wider_than_four_cis_is_a_miss() -> None:
    row = _row("DOW2010_IL6")  # 95% CI 1.23-2.33, width 1.10
    assert hit(row, 1.8, (1.0, 1.0 + 4 * 1.10 - 0.01)).hit
    verdict = hit(row, 1.8, (1.0, 1.0 + 4 * 1.10 + 0.01))
    assert not verdict.hit and "band" in verdict.reason


def test_nan_is_never_a_hit() -> None:
    assert not hit(_row("DOW2010_IL6"), math.nan).hit
