"""The observation models' parameter tables: numbers live in data files, not in code.

Three CSV files ship inside the package:

``parameters.csv``
    scalar parameters of the diary, sequencing, biomarker and diurnal-rhythm models (name,
    value, unit, low, high, role, source, note);
``response_models.csv``
    one row per questionnaire or rating scale of the instrument registry
    (:mod:`gutbrain.instruments`, which holds the score range and the test-retest reliability):
    recall window, the latent construct, two anchor points that fix the linear map to the score,
    the reference score SD that sets the measurement error with the registry's reliability, the
    self-view blend and the SD of the stable person offset with the cohort it is calibrated in;
``biomarkers.csv``
    one row per biomarker of the instrument registry's ``[marker.NAME]`` tables (which hold its
    unit and sampling time): latent driver, healthy reference level and the time it was
    published at, exponent or calibration target, the published population spread of one
    sample, and the noise coefficients of variation.

Every row names its source, or says "assumed". :func:`parameter_table` returns the scalar table
so that a report or a sensitivity analysis can show it.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import pandas as pd

from gutbrain.errors import ParameterError

__all__ = [
    "biomarker_table",
    "parameter",
    "parameter_table",
    "response_model_table",
]

_PACKAGE = "gutbrain.observe"

_PARAMETER_COLUMNS = ("name", "value", "unit", "low", "high", "role", "source", "note")


def _read(filename: str) -> pd.DataFrame:
    with files(_PACKAGE).joinpath(filename).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


@cache
def _parameter_frame() -> pd.DataFrame:
    frame = _read("parameters.csv")
    missing = [c for c in _PARAMETER_COLUMNS if c not in frame.columns]
    if missing:
        raise ParameterError(f"parameters.csv: missing column(s) {missing}")
    for row, rec in enumerate(frame.itertuples(index=False), start=2):
        value, low, high = (float(str(v)) for v in (rec.value, rec.low, rec.high))
        if not low <= value <= high:
            raise ParameterError(
                f"parameters.csv row {row}: {rec.name} = {value} lies outside its declared "
                f"range [{low}, {high}]"
            )
    if frame["name"].duplicated().any():
        dup = frame.loc[frame["name"].duplicated(), "name"].tolist()
        raise ParameterError(f"parameters.csv: duplicate parameter name(s) {dup}")
    return frame.set_index("name", drop=False)


def parameter_table() -> pd.DataFrame:
    """Return the scalar observation parameters with units, ranges and sources.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, value, unit, low, high, role, source, note``; one row per parameter.
    """
    return _parameter_frame().reset_index(drop=True).copy()


def parameter(name: str) -> float:
    """Return the default value of one scalar observation parameter.

    Raises
    ------
    ParameterError
        If ``name`` is not in ``parameters.csv``.
    """
    frame = _parameter_frame()
    if name not in frame.index:
        raise ParameterError(
            f"unknown observation parameter {name!r}; known: {', '.join(frame.index)}"
        )
    return float(str(frame.at[name, "value"]))


_RESPONSE_MODEL_COLUMNS = (
    "instrument", "recall_days", "w_depression", "w_anxiety", "w_stress", "w_na", "w_pa",
    "offset", "anchor1_latent", "anchor1_score", "anchor2_latent", "anchor2_score",
    "anchor_source", "ref_mean", "ref_sd", "reference_source", "experience_weight",
    "experience_source", "person_sd", "person_sd_cohort", "person_sd_source",
)  # fmt: skip


@cache
def _response_model_frame() -> pd.DataFrame:
    frame = _read("response_models.csv")
    missing = [c for c in _RESPONSE_MODEL_COLUMNS if c not in frame.columns]
    if missing:
        raise ParameterError(f"response_models.csv: missing column(s) {missing}")
    return frame.set_index("instrument", drop=False)


def response_model_table() -> pd.DataFrame:
    """Return the questionnaires' response models (one row per instrument; see
    ``response_models.csv``)."""
    return _response_model_frame().reset_index(drop=True).copy()


@cache
def _biomarker_frame() -> pd.DataFrame:
    return _read("biomarkers.csv").set_index("marker", drop=False)


def biomarker_table() -> pd.DataFrame:
    """Return the raw biomarker table (one row per marker; see ``biomarkers.csv``)."""
    return _biomarker_frame().reset_index(drop=True).copy()
