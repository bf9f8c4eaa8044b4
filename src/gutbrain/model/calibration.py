"""Calibration: fit the parameters whose role is "calibrated" to their named targets.

Each target is a timing from the evidence, measured on the reference (healthy) person in a
deterministic run and interpolated to fractional days so the objective is smooth:

* ``gamma_probiotic_response_up``: the multispecies probiotic's NA effect (JS2025 dose, 28
  days) reaches half its day-28 size on day 14 (JS2025: negative mood falls from about day 14).
* ``gamma_probiotic_response_down``: 14 days after the last dose, half of the day-28 effect is
  left (MODEL B5: the effect is lost over about two weeks).
* ``gamma_ssri``: an SSRI's NA effect in a healthy person reaches half its week-8 size on day 21,
  the middle of the 2-4 week onset (HARMER2017).

:func:`calibrate` fits all three jointly by bounded least squares (``scipy.optimize``) within
the declared ranges and returns a :class:`CalibrationResult` with the fit and the residuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from gutbrain.model.parameters import PARAMETER_TABLE, Parameters
from gutbrain.model.schedule import Schedule
from gutbrain.model.simulate import simulate

__all__ = ["TARGETS", "CalibrationResult", "calibrate", "simulated_targets"]

FITTED = ("gamma_probiotic_response_up", "gamma_probiotic_response_down", "gamma_ssri")
TARGETS: dict[str, tuple[float, str]] = {
    "probiotic_half_effect_day": (14.0, "JS2025"),
    "probiotic_left_after_14_days": (0.5, "MODEL B5"),
    "ssri_half_effect_day": (21.0, "HARMER2017"),
}


def _crossing(effect: np.ndarray, level: float) -> float:
    """Fractional day on which ``effect`` first reaches ``level`` (linear interpolation)."""
    idx = int(np.argmax(effect >= level))
    if idx == 0:
        return 0.0
    e0, e1 = effect[idx - 1], effect[idx]
    return float(idx - 1 + (level - e0) / (e1 - e0))


def simulated_targets(params: Parameters) -> dict[str, float]:
    """The three target quantities for a one-person parameter set."""
    base = Schedule.constant(57)
    na = lambda s: simulate(params, s)["negative_affect"][0]  # noqa: E731
    ctl = na(base)
    pro = ctl - na(base.with_probiotic("ecologic_barrier", 5e9, 0, 28))
    ssri = ctl - na(base.set("ssri_dose", 1.0))
    return {
        "probiotic_half_effect_day": _crossing(pro[:29], 0.5 * pro[28]),
        "probiotic_left_after_14_days": float(pro[42] / pro[28]),
        "ssri_half_effect_day": _crossing(ssri, 0.5 * ssri[56]),
    }


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted values, the table values, and each target's achieved value."""

    fitted: dict[str, float]
    table: dict[str, float]
    achieved: dict[str, float]
    success: bool
    message: str = field(default="")

    def summary(self) -> pd.DataFrame:
        rows = [
            {"parameter": k, "table": self.table[k], "fitted": v} for k, v in self.fitted.items()
        ]
        return pd.DataFrame(rows)

    def targets(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"target": k, "expected": t, "source": src, "achieved": self.achieved[k]}
                for k, (t, src) in TARGETS.items()
            ]
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "fitted": self.fitted,
            "table": self.table,
            "achieved": self.achieved,
            "targets": {k: v[0] for k, v in TARGETS.items()},
            "success": self.success,
        }

    def __repr__(self) -> str:
        return f"CalibrationResult(success={self.success}, fitted={self.fitted})"


def calibrate(start: Parameters | None = None) -> CalibrationResult:
    """Fit the calibrated parameters to :data:`TARGETS` within their declared ranges."""
    base = start if start is not None else Parameters.default(1)
    lo = [PARAMETER_TABLE[k].low for k in FITTED]
    hi = [PARAMETER_TABLE[k].high for k in FITTED]
    scale = np.array([t for t, _ in TARGETS.values()])

    def residual(x: np.ndarray) -> np.ndarray:
        got = simulated_targets(base.replace(**dict(zip(FITTED, x, strict=True))))
        return (np.array(list(got.values())) - scale) / scale

    x0 = np.array([base[k][0] for k in FITTED])
    fit = least_squares(residual, x0, bounds=(lo, hi), diff_step=1e-3, xtol=1e-6)
    fitted = dict(zip(FITTED, map(float, fit.x), strict=True))
    achieved = simulated_targets(base.replace(**fitted))
    return CalibrationResult(
        fitted, {k: float(base[k][0]) for k in FITTED}, achieved, bool(fit.success), fit.message
    )
