"""The model's prediction of each row of the targets table, for one parameter set.

:func:`predict` is the interface the calibration uses: ``predict(overrides, keys)`` returns, for
each target key, the model's value in the row's unit and sign convention, for the parameter set
``overrides`` (parameter-table values by name, applied to the table defaults). Each row's value
comes from a small documented in-silico experiment (:func:`experiments`); rows that the model
cannot predict yet return NaN, and :func:`unpredicted` says why. No number is ever made up for
such a row.

Example
-------
>>> from gutbrain.calibrate.predict import predict, predictable_keys
>>> out = predict({}, ["DOW2010_IL6", "KEENAN_CORTISOL_HALF_LIFE"])  # doctest: +SKIP
>>> out["KEENAN_CORTISOL_HALF_LIFE"]  # doctest: +SKIP
nan
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from gutbrain.calibrate.hits import hit
from gutbrain.calibrate.model_rows import MODEL_ROWS
from gutbrain.calibrate.runs import Runs
from gutbrain.calibrate.trial_rows import TRIAL_ROWS
from gutbrain.errors import DataError
from gutbrain.model.targets import load_targets

__all__ = ["UNPREDICTED", "experiments", "predict", "predictable_keys", "report", "unpredicted"]

_ROWS: dict[str, tuple[Callable[[Runs], float], str]] = {**MODEL_ROWS, **TRIAL_ROWS}

_DAILY_STEP = (
    "the model steps in days and holds ACTH and cortisol at their quasi-steady state within a day, "
    "so it has no plasma clearance in minutes"
)
_ACUTE = "an acute test over hours, below the model's daily time step"
_NO_SCFA = "the model has one butyrate/SCFA output and no acetate or propionate"
_MOMENTARY = "momentary (within-day) ratings; the model gives one value per day"

#: Row key -> why the model cannot predict it yet.
UNPREDICTED: dict[str, str] = {
    "SO2018_OTHER_SCFA": _NO_SCFA,
    "MULLER2021_BUTYRATE_SHARE": _NO_SCFA + " (no shares of total SCFA)",
    "MULLER2021_ACETATE_SHARE": _NO_SCFA + " (no shares of total SCFA)",
    "SKON2018_FAECAL_ACETATE": _NO_SCFA,
    "VANUYTSEL2014_SPEECH_PERMEABILITY": _ACUTE + " (a 2-h permeability test after a speech)",
    "VANUYTSEL2014_CRH_PERMEABILITY": _ACUTE + " (a 2-h permeability test after CRH)",
    "HAAPAKOSKI2015_IL1B": "the model has no IL-1beta measurement model",
    "STETLER2011_CRH": "CRH has no measurement model (no between-person SD to form a d)",
    "KARIN2020_ACTH_CRH_TEST": _ACUTE + " (ACTH over hours after a CRH injection)",
    "KEENAN_CORTISOL_HALF_LIFE": _DAILY_STEP,
    "KEENAN_ACTH_HALF_LIFE": _DAILY_STEP,
    "HOLLANDFREI_CORTISOL_HALF_LIFE": _DAILY_STEP,
    "HAYNES_ACTH_HALF_LIFE": _DAILY_STEP,
    "ADINOFF1998_ABSTINENCE": "the model has no alcohol exposure",
    "NG2018_MIXED": "pools healthy and depressed samples of unknown mix; no single design",
    "FIRTH2019_DIET": "pools mostly non-clinical samples with varied diets; no single design",
    "KUP2010_NA_INERTIA": _MOMENTARY,
    "KUP2010_PA_INERTIA": _MOMENTARY,
    "KUP2010_INERTIA_DEPRESSION": _MOMENTARY,
    "SCHUCH2016_EXERCISE": "not written yet: the pooled trials' exercise dose is not in the row",
    "ZHANG2025_FMT": "not written yet: FMT route, donor and timing vary across the pooled trials",
    "JS2025_PREPOST_NULL": "not written yet: a JS2025 trial with PANAS, STAI and PSWQ visits",
    "MR2011_ICC": "not written yet: a simulated 5-day daily diary of healthy people",
}


def predictable_keys() -> list[str]:
    """Target keys that :func:`predict` answers with a number, in the table's order."""
    return [t.key for t in load_targets() if t.key in _ROWS]


def _check_keys(keys: Iterable[str]) -> list[str]:
    known = {t.key for t in load_targets()}
    keys = list(keys)
    bad = [k for k in keys if k not in known]
    if bad:
        raise DataError(f"predict: unknown target key(s) {bad}; expected keys of targets.csv")
    return keys


def predict(overrides: Mapping[str, float], keys: list[str]) -> dict[str, float]:
    """The model's value of each target row in ``keys`` for the parameter set ``overrides``.

    ``overrides`` maps parameter names to values (the rest keep their table values). Rows the
    model cannot predict yet (:func:`unpredicted`) are NaN. Raises ``DataError`` for an unknown
    key and ``ParameterError`` for an unknown parameter or a value outside its range.
    """
    runs = Runs(overrides)
    out: dict[str, float] = {}
    for key in _check_keys(keys):
        out[key] = float(_ROWS[key][0](runs)) if key in _ROWS else math.nan
    return out


def experiments() -> pd.DataFrame:
    """One row per predicted target: its key and the experiment that predicts it."""
    return pd.DataFrame(
        [{"key": k, "experiment": _ROWS[k][1]} for k in predictable_keys()],
        columns=["key", "experiment"],
    )


def unpredicted() -> pd.DataFrame:
    """One row per target the model cannot predict yet, with the reason."""
    rows = [
        {"key": t.key, "reason": UNPREDICTED[t.key]} for t in load_targets() if t.key not in _ROWS
    ]
    return pd.DataFrame(rows, columns=["key", "reason"])


def report(overrides: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Every target row with its published value, the prediction and the hit verdict.

    A first look at where a parameter set stands (default: the table values). Columns: key,
    category, split, kind, unit, published, low, high, predicted, hit, why (the reason for a
    miss, or why the row is not predicted).
    """
    rows = load_targets()
    got = predict(overrides or {}, [t.key for t in rows])
    reasons = dict(zip(*unpredicted().to_dict("list").values(), strict=True))
    out = []
    for t in rows:
        verdict = hit(t, got[t.key])
        out.append(
            {
                "key": t.key,
                "category": t.category,
                "split": t.split,
                "kind": t.kind,
                "unit": t.unit,
                "published": t.value,
                "low": t.low,
                "high": t.high,
                "predicted": got[t.key],
                "hit": verdict.hit,
                "why": reasons.get(t.key, verdict.reason),
            }
        )
    return pd.DataFrame(out)
