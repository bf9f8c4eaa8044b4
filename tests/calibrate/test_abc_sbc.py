"""A reduced simulation-based check on the real model (benchmarks/calibration_sbc.py in full).

Two known truths drawn from the prior, the deterministic timing experiment with Gaussian noise
of each target's SD, and a small calibration each: 6 (truth, parameter) cases. If the 90%
intervals cover at the nominal rate, P(at most 3 of 6 inside) = 1.3% (binomial, p = 0.9); a
method whose posterior misses the truth fails the test.
"""

from __future__ import annotations

from calibration_sbc import LEVEL, coverage, study
from scipy.stats import binom

from gutbrain.calibrate.abc_timing import FITTED


def test_truths_fall_inside_the_90_percent_intervals_at_about_the_nominal_rate():
    rows = study(truths=2, population=12, generations=2, seed=5, workers=1)
    assert (rows["temperature"] == 1.0).all()
    pooled = coverage(rows).set_index("parameter").loc["pooled"]
    cases = int(pooled["cases"])
    assert cases == 2 * len(FITTED)
    inside = round(pooled["coverage"] * cases)
    assert binom.cdf(inside, cases, LEVEL) > 0.01, f"{inside} of {cases} inside"
    assert 0 < pooled["width_share_of_prior"] < 1
