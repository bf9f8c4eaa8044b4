"""Predictions of the targets table (gutbrain.calibrate.predict): interface, coverage, the
reasons for rows not predicted, determinism, and that the experiments respond to parameters."""

from __future__ import annotations

import math

import pytest

from gutbrain.calibrate.predict import (
    UNPREDICTED,
    experiments,
    predict,
    predictable_keys,
    unpredicted,
)
from gutbrain.errors import DataError, DesignError, ParameterError
from gutbrain.model.targets import load_targets

# Rows answered by the model alone (no trial): fast enough for make test.
MODEL_KEYS = ["DOW2010_IL6", "HAAPAKOSKI2015_CRP", "JS2025_NA_ONSET", "DAVID2014_PLANT_FERMENTERS"]


def test_every_row_is_predicted_or_has_a_stated_reason() -> None:
    keys = set(predictable_keys())
    assert keys.isdisjoint(UNPREDICTED)
    assert {t.key for t in load_targets()} == keys | set(UNPREDICTED)
    table = unpredicted()
    assert set(table["key"]) == set(UNPREDICTED)
    assert table["reason"].str.len().min() > 20
    assert list(experiments()["key"]) == predictable_keys()


def test_unpredicted_rows_are_nan_and_keys_come_back_in_order() -> None:
    keys = ["KEENAN_CORTISOL_HALF_LIFE", "DOW2010_IL6"]
    out = predict({}, keys)
    assert list(out) == keys
    assert math.isnan(out["KEENAN_CORTISOL_HALF_LIFE"])
    assert math.isfinite(out["DOW2010_IL6"])


def test_bad_input_is_refused_in_one_line() -> None:
    with pytest.raises(DataError, match="NOT_A_ROW"):
        predict({}, ["NOT_A_ROW"])
    with pytest.raises(ParameterError, match="vulnerability"):
        predict({"vulnerability": 0.5}, MODEL_KEYS)
    with pytest.raises(ParameterError, match="e_lps_inflammation"):
        predict({"e_lps_inflammation": 99.0}, MODEL_KEYS)


def test_same_overrides_same_prediction_and_a_parameter_moves_its_row() -> None:
    base = predict({}, MODEL_KEYS)
    assert predict({}, MODEL_KEYS) == base
    # cortisol suppresses inflammation (e_cortisol_inflammation): depressed people have more
    # cortisol, so a stronger suppression shrinks the depressed-minus-healthy IL-6 difference
    strong = predict({"e_cortisol_inflammation": 0.8}, MODEL_KEYS)
    assert strong["DOW2010_IL6"] < base["DOW2010_IL6"]
    # an SSRI parameter cannot touch an experiment without an SSRI
    assert predict({"e_ssri_serotonergic": 1.0}, MODEL_KEYS) == base


def test_a_trial_that_cannot_recruit_gives_nan_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parameter set whose cohort fails the inclusion criteria cannot run the trial: its rows
    are NaN (never a number from an empty arm), and the model rows are unaffected."""
    from gutbrain.calibrate import trial_rows

    def no_recruits(*args: object, **kwargs: object) -> None:
        raise DesignError("inclusion criteria passed 2 of 1600 screened candidates")

    monkeypatch.setattr(trial_rows, "plan_trial", no_recruits)
    keys = ["PLAC2003_RESPONSE_PP", "JAKOBSEN2017_SSRI_HDRS", "NIK2021_ADJUNCT", "DOW2010_IL6"]
    out = predict({}, keys)
    assert all(math.isnan(out[k]) for k in keys[:3])
    assert math.isfinite(out["DOW2010_IL6"])
