"""The table's calibrated values are the fit of the calibration routine to its named targets."""

import pytest

from gutbrain.model.calibration import FITTED, TARGETS, calibrate
from gutbrain.model.parameters import PARAMETER_TABLE


@pytest.fixture(scope="module")
def result():
    return calibrate()


def test_calibrated_roles_are_exactly_the_fitted_parameters():
    calibrated = {k for k, s in PARAMETER_TABLE.items() if s.role == "calibrated"}
    assert calibrated == set(FITTED)


def test_table_holds_the_fit(result):
    for k, v in result.fitted.items():
        assert v == pytest.approx(PARAMETER_TABLE[k].value, rel=0.02), k


def test_js2025_onset_and_b5_offset_are_met(result):
    # JS2025: negative mood falls from about day 14; MODEL B5: effect lost over ~2 weeks
    assert result.achieved["probiotic_half_effect_day"] == pytest.approx(14.0, abs=0.1)
    assert result.achieved["probiotic_left_after_14_days"] == pytest.approx(0.5, abs=0.01)


def test_ssri_onset_target_is_reported_honestly(result):
    """The SSRI target (half-effect on day 21, HARMER2017) is not reachable within the
    declared range of gamma_ssri: the fit stops at the range's lower bound and the onset
    comes out earlier, but still inside the 2-4 week window that check B6b tests."""
    assert result.fitted["gamma_ssri"] == pytest.approx(PARAMETER_TABLE["gamma_ssri"].low)
    assert 14.0 <= result.achieved["ssri_half_effect_day"] < TARGETS["ssri_half_effect_day"][0]
