"""Emulators of the model's predictions: one cheap regression per calibration row.

Each row's prediction, as a function of the calibrated parameters (scaled to the unit cube over
their declared ranges), is emulated by a scikit-learn Gaussian process (constant x anisotropic
RBF + white noise, ``normalize_y``) or by a linear model (``RidgeCV``), whichever has the smaller
:data:`FOLDS`-fold cross-validated error on the design. The GP's kernel is optimised once on all
points and kept in the folds (refitted, not re-optimised): a cost-saving choice that makes the
GP's leave-out error slightly optimistic. :func:`fit_emulators` reports that
leave-out error for both, per row, in units of the row's error scale (:func:`error_scale`), so
an error of 1 is as large as the published uncertainty.

The emulator's variance enters the likelihood beside the row's own error: the GP's predictive
variance, or for a linear emulator its cross-validated mean squared error.

Rows enter the likelihood (:func:`likelihood_rows`) with a Gaussian error whose SD is, in order:
the 95% CI half-width / 1.96, the SE, half a published range / 2, the SD
(:func:`gutbrain.calibrate.abc.target_scale`); for a proportion with a published ``n``, the
binomial SE ``sqrt(p(1 - p) / n)``; otherwise (assumed, a declared choice) the hit rule's
factor 2 read as a 95% interval, ``0.75 |value| / 1.96``. ``direction`` rows carry no magnitude
and stay out of the likelihood; they are judged after the fit with the other rows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold

from gutbrain.calibrate.abc import observed_value, target_scale
from gutbrain.errors import DataError
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import Target

__all__ = [
    "FOLDS",
    "Emulators",
    "error_scale",
    "fit_emulators",
    "likelihood_rows",
    "to_unit",
]

#: Folds of the cross-validation that picks and scores each row's emulator.
FOLDS = 5
_Z95 = 1.959963984540054


def error_scale(row: Target) -> tuple[float, str]:
    """The row's Gaussian error SD and where it comes from (see the module docstring)."""
    try:
        return target_scale(row), "published CI, SE, range or SD"
    except DataError:
        pass
    if row.value is None:
        raise DataError(f"targets.csv: row {row.key!r} has no value; expected one to fit")
    if row.kind == "proportion" and row.n:
        p = row.value
        return math.sqrt(p * (1 - p) / row.n), f"binomial SE from n = {row.n}"
    return 0.75 * abs(row.value) / _Z95, "assumed: the hit rule's factor 2 as a 95% interval"


def likelihood_rows(targets: Sequence[Target], keys: Sequence[str]) -> list[Target]:
    """The rows of ``keys`` that enter the likelihood: calibration split, not ``direction``."""
    by_key = {t.key: t for t in targets}
    held = [k for k in keys if by_key[k].held_out]
    if held:
        raise DataError(f"emulator: held-out rows {held} are never fitted; expected calibration")
    return [by_key[k] for k in keys if by_key[k].kind != "direction"]


def to_unit(values: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Parameter values scaled to [0, 1] over their declared ranges."""
    low = np.array([PARAMETER_TABLE[n].low for n in names])
    high = np.array([PARAMETER_TABLE[n].high for n in names])
    return (values[list(names)].to_numpy(float) - low) / (high - low)


def _gp(d: int, seed: int) -> GaussianProcessRegressor:
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(d), (1e-2, 1e2)) + WhiteKernel(
        1e-2, (1e-8, 1.0)
    )
    return GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)


def _linear() -> RidgeCV:
    return RidgeCV(alphas=np.logspace(-4, 2, 13))


def _fit(kind: str, x: np.ndarray, y: np.ndarray, seed: int) -> GaussianProcessRegressor | RidgeCV:
    model = _gp(x.shape[1], seed) if kind == "gp" else _linear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def _refit(model: GaussianProcessRegressor | RidgeCV, x: np.ndarray, y: np.ndarray) -> Any:
    """The same emulator on other points; a GP keeps its fitted kernel (no new optimisation)."""
    if isinstance(model, GaussianProcessRegressor):
        fixed = GaussianProcessRegressor(model.kernel_, normalize_y=True, optimizer=None)
        return fixed.fit(x, y)
    return _linear().fit(x, y)


def _cv_rmse(
    model: GaussianProcessRegressor | RidgeCV, x: np.ndarray, y: np.ndarray, seed: int
) -> float:
    folds = KFold(min(FOLDS, len(y)), shuffle=True, random_state=seed)
    errors = np.empty_like(y)
    for train, test in folds.split(x):
        errors[test] = _refit(model, x[train], y[train]).predict(x[test]) - y[test]
    return float(np.sqrt(np.mean(errors**2)))


@dataclass
class Emulators:
    """One fitted emulator per likelihood row, with its cross-validated error."""

    names: list[str]
    rows: list[Target]
    models: list[GaussianProcessRegressor | RidgeCV]
    kinds: list[str]
    cv_mse: np.ndarray  # per row, of the chosen emulator (the prediction's unit, squared)
    table: pd.DataFrame  # the leave-out report

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means and emulator variances, each ``(points, rows)``, at unit-cube ``unit``."""
        unit = np.atleast_2d(unit)
        mean = np.empty((len(unit), len(self.rows)))
        var = np.empty_like(mean)
        for j, (model, kind) in enumerate(zip(self.models, self.kinds, strict=True)):
            if kind == "gp":
                mu, sd = model.predict(unit, return_std=True)
                mean[:, j], var[:, j] = mu, sd**2
            else:
                mean[:, j], var[:, j] = model.predict(unit), self.cv_mse[j]
        return mean, var


def fit_emulators(
    design: pd.DataFrame,
    names: Sequence[str],
    rows: Sequence[Target],
    seed: int = 0,
    like: Emulators | None = None,
) -> Emulators:
    """Fit and cross-validate an emulator for each row on the design's finished points.

    Points where a row's prediction is not finite are left out of that row's emulator. With
    ``like`` (an earlier fit on the same rows), each row keeps that fit's emulator kind and
    cross-validated error and is only refitted: the quick refit of a leave-out check.
    """
    x_all = to_unit(design, names)
    models: list[GaussianProcessRegressor | RidgeCV] = []
    kinds: list[str] = []
    mses: list[float] = []
    report: list[dict[str, object]] = []
    for row in rows:
        y = design[row.key].to_numpy(float)
        ok = np.isfinite(y)
        if ok.sum() < 2 * FOLDS:
            raise DataError(
                f"emulator: row {row.key} has {int(ok.sum())} finite design predictions; "
                f"expected at least {2 * FOLDS}"
            )
        x, y = x_all[ok], y[ok]
        scale, basis = error_scale(row)
        if like is None:
            fits = {kind: _fit(kind, x, y, seed) for kind in ("gp", "linear")}
            rmse = {kind: _cv_rmse(m, x, y, seed) for kind, m in fits.items()}
            kind = min(rmse, key=rmse.__getitem__)
            model = fits[kind]
        else:
            j = len(models)
            kind = like.kinds[j]
            rmse = {k: float(like.table[f"cv_rmse_{k}"].iloc[j]) * scale for k in ("gp", "linear")}
            model = _refit(like.models[j], x, y)
        models.append(model)
        kinds.append(kind)
        mses.append(rmse[kind] ** 2)
        report.append(
            {
                "key": row.key,
                "points": int(ok.sum()),
                "emulator": kind,
                "cv_rmse_gp": rmse["gp"] / scale,
                "cv_rmse_linear": rmse["linear"] / scale,
                "design_sd": float(np.std(y)) / scale,
                "observed": observed_value(row),
                "error_scale": scale,
                "error_basis": basis,
            }
        )
    return Emulators(list(names), list(rows), models, kinds, np.array(mses), pd.DataFrame(report))
