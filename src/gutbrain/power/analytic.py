r"""Closed-form power, for checking the simulation (``tests/power/test_analytic.py``).

All three are two-sided tests of one coefficient whose estimate, given the design, is
:math:`N(\beta, v)` with :math:`v` known up to the residual variance; the t statistic then has a
noncentral t distribution with noncentrality :math:`\beta/\sqrt v` and the test's df, and

.. math::

    \text{power} = P(|T_{\nu,\delta}| > t_{\nu, 1-\alpha/2})

(e.g. Cohen 1988, ch. 2; scipy's ``nct``). For the two-sample t test and ANCOVA this is exact;
for the linear mixed model it uses the exact GLS variance of the effect with the variance
components known, :math:`v = [(\sum_i X_i^\top V_i^{-1} X_i)^{-1}]_{kk}` with
:math:`V_i = \sigma_u^2 J + \sigma^2 R(\rho)`, and the analysis' containment df.
When the design has a random covariate (ANCOVA's baseline ``W``), the power given the covariate
is averaged over its distribution (:func:`expected_power`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg, stats

__all__ = [
    "ancova_power",
    "expected_power",
    "lmm_ar1_group_power",
    "t_power",
    "ttest_power",
]


def t_power(effect: float, se: float, df: float, alpha: float) -> float:
    """Power of the two-sided t test of ``effect`` with standard error ``se`` and ``df``."""
    crit = stats.t.ppf(1.0 - alpha / 2.0, df)
    ncp = effect / se
    return float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))


def ttest_power(n0: int, n1: int, effect: float, sd: float, alpha: float) -> float:
    """Power of the two-sample t test (equal variances) with ``n0`` and ``n1`` per arm."""
    return t_power(effect, sd * np.sqrt(1.0 / n0 + 1.0 / n1), n0 + n1 - 2, alpha)


def expected_power(conditional: Callable[[np.ndarray], float], draws: np.ndarray) -> float:
    """The mean of ``conditional(draw)`` over the covariate ``draws`` (rows)."""
    return float(np.mean([conditional(d) for d in draws]))


def ancova_power(
    n0: int,
    n1: int,
    effect: float,
    sd_resid: float,
    alpha: float,
    covariate: np.ndarray,
) -> float:
    """Power of ANCOVA's arm test (``y ~ Z + W``, residual SD ``sd_resid``) given the
    covariate values ``covariate`` (first ``n0`` in arm 0)."""
    n = n0 + n1
    x = np.column_stack([np.ones(n), (np.arange(n) >= n0).astype(float), covariate])
    v = linalg.inv(x.T @ x)[1, 1]
    return t_power(effect, sd_resid * np.sqrt(v), n - 3, alpha)


def lmm_ar1_group_power(
    n0: int,
    n1: int,
    days: int,
    effect: float,
    sd_intercept: float,
    sd_within: float,
    rho: float,
    alpha: float,
) -> float:
    """Power of the arm test in a random-intercept model with AR(1) residuals (marginal SD
    ``sd_within``) on complete daily data, from the exact GLS variance; df ``n0 + n1 - 2``
    (nlme's containment df for a between-participant term)."""
    lag = np.abs(np.subtract.outer(np.arange(days), np.arange(days)))
    v = sd_intercept**2 + sd_within**2 * rho**lag
    info = float(np.ones(days) @ linalg.solve(v, np.ones(days), assume_a="pos"))
    # Per participant the GLS information about the mean is 1' V^-1 1; two arms' means differ.
    se = np.sqrt((1.0 / n0 + 1.0 / n1) / info)
    return t_power(effect, se, n0 + n1 - 2, alpha)
