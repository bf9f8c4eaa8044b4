r"""Q-profile confidence intervals for :math:`\tau^2`, :math:`\tau`, :math:`I^2` and :math:`H^2`.

The Q-profile method (Viechtbauer 2007, Stat Med 26:37) inverts the generalised Q statistic,
which under the model follows a :math:`\chi^2_{k-p}` distribution at the true :math:`\tau^2`:

.. math::

    Q(\tau^2_{lb}) = \chi^2_{k-p;\,1-\alpha/2}, \qquad Q(\tau^2_{ub}) = \chi^2_{k-p;\,\alpha/2}.

Because :math:`Q` decreases in :math:`\tau^2`, a bound whose equation has no solution on
:math:`[0, \infty)` is set to 0 (then the interval is "null" if both are 0). The bounds are mapped
to :math:`I^2 = 100\,\tau^2/(\tilde v + \tau^2)` and :math:`H^2 = 1 + \tau^2/\tilde v` with the
model's typical within-study variance :math:`\tilde v`, as metafor's ``confint.rma.uni`` does.

Validated against metafor 3.8-1 ``confint(res, control=list(tol=1e-12))`` on dat.bcg (intercept
only and meta-regressions), dat.normand1999 and dat.molloy2014.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2

from gutbrain.analysis.meta.tau2 import find_q_root, generalized_q

__all__ = ["HeterogeneityCI", "q_profile_ci"]


@dataclass(frozen=True)
class HeterogeneityCI:
    """Estimates and Q-profile confidence bounds of tau^2, tau, I^2 (%) and H^2.

    ``null_interval`` is True when both bounds of tau^2 are 0 (the data are more homogeneous
    than expected even at tau^2 = 0); metafor prints a note in that case.
    """

    level: float
    tau2: tuple[float, float, float]
    tau: tuple[float, float, float]
    I2: tuple[float, float, float]
    H2: tuple[float, float, float]
    null_interval: bool = False

    def summary(self) -> pd.DataFrame:
        """One row per quantity: estimate, ci_lb, ci_ub (metafor's ``confint`` table)."""
        rows = {"tau^2": self.tau2, "tau": self.tau, "I^2(%)": self.I2, "H^2": self.H2}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "ci_lb", "ci_ub"])

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        out: dict[str, object] = {"level": self.level, "method": "Q-profile"}
        for name, vals in (
            ("tau2", self.tau2),
            ("tau", self.tau),
            ("I2", self.I2),
            ("H2", self.H2),
        ):
            out[name] = {"estimate": vals[0], "ci_lb": vals[1], "ci_ub": vals[2]}
        out["null_interval"] = self.null_interval
        return out

    def __repr__(self) -> str:
        frame = self.summary()
        body = frame.to_string(float_format=lambda v: f"{v:.4f}")
        return f"Q-profile {100 * self.level:g}% confidence intervals\n{body}"


def q_profile_ci(
    yi: NDArray[np.float64],
    vi: NDArray[np.float64],
    X: NDArray[np.float64],
    tau2: float,
    vt: float,
    level: float = 0.95,
) -> HeterogeneityCI:
    """Q-profile interval for tau^2 of the model ``yi ~ X`` with sampling variances ``vi``.

    ``tau2`` is the model's estimate and ``vt`` its typical within-study variance (both only
    enter the reported estimates and the I^2 and H^2 mapping, not the bounds of tau^2).
    """
    k, p = X.shape
    alpha = 1.0 - level
    crit_u = float(chi2.ppf(1.0 - alpha / 2.0, k - p))  # defines the lower bound
    crit_l = float(chi2.ppf(alpha / 2.0, k - p))  # defines the upper bound
    q0 = generalized_q(0.0, yi, vi, X)
    upper = max(100.0, 10.0 * tau2)
    null_interval = False
    if q0 < crit_l:
        lb = ub = 0.0
        null_interval = True
    else:
        ub = find_q_root(crit_l, yi, vi, X, upper)
        lb = 0.0 if q0 < crit_u else find_q_root(crit_u, yi, vi, X, upper)

    def i2(t: float) -> float:
        return 100.0 * t / (vt + t)

    def h2(t: float) -> float:
        return t / vt + 1.0

    return HeterogeneityCI(
        level=level,
        tau2=(tau2, lb, ub),
        tau=(float(np.sqrt(tau2)), float(np.sqrt(lb)), float(np.sqrt(ub))),
        I2=(i2(tau2), i2(lb), i2(ub)),
        H2=(h2(tau2), h2(lb), h2(ub)),
        null_interval=null_interval,
    )
