r"""Estimators of the between-study variance :math:`\tau^2`.

All estimators work on the (mixed-effects) model

.. math:: y_i = x_i^\top\beta + u_i + e_i, \qquad u_i \sim N(0, \tau^2),\; e_i \sim N(0, v_i),

with the weight matrix :math:`W = \mathrm{diag}(1/(v_i + \tau^2))` and the residual-maker

.. math:: P = W - W X (X^\top W X)^{-1} X^\top W,

so that :math:`y^\top P y = \sum_i w_i (y_i - x_i^\top\hat\beta)^2` is the generalised Q statistic.
The code follows metafor's ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)) step by step, but
converges to machine precision instead of metafor's default stopping rules.

Estimators: ``FE`` (tau^2 = 0), ``DL`` (DerSimonian-Laird), ``HE`` (Hedges), ``SJ``
(Sidik-Jonkman), ``PM`` (Paule-Mandel), ``EB`` (empirical Bayes, Morris 1983), ``ML`` and
``REML``.

Validated against metafor 3.8-1 (``control=list(threshold=1e-12, tol=1e-12)``) on dat.bcg,
dat.normand1999 and dat.molloy2014; see ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from gutbrain.errors import DataError, ParameterError

__all__ = [
    "METHODS",
    "Tau2Estimate",
    "estimate_tau2",
    "generalized_q",
    "residual_maker",
    "tau2_dl",
    "tau2_eb",
    "tau2_he",
    "tau2_ml",
    "tau2_pm",
    "tau2_reml",
    "tau2_sj",
]

FloatArray = NDArray[np.float64]

METHODS = ("FE", "DL", "HE", "SJ", "PM", "EB", "ML", "REML")

# Fisher scoring stops when tau^2 changes by less than this (metafor's default is 1e-5, which
# leaves errors of that order in its printed tau^2; we iterate to near machine precision).
_THRESHOLD = 1e-12
_MAXITER = 1000
# Root-finding tolerance on tau^2 for PM and the Q-profile (metafor's default is eps^0.25).
_XTOL = 1e-14


@dataclass(frozen=True)
class Tau2Estimate:
    """A tau^2 estimate with its standard error (None for the FE model)."""

    tau2: float
    se: float | None


def residual_maker(vi: FloatArray, X: FloatArray, tau2: float) -> FloatArray:
    r"""The residual-maker :math:`P = W - WX(X^\top WX)^{-1}X^\top W`.

    Here :math:`W=\mathrm{diag}(1/(v_i+\tau^2))`.
    """
    wi = 1.0 / (vi + tau2)
    WX = X * wi[:, None]
    return np.diag(wi) - WX @ np.linalg.solve(X.T @ WX, WX.T)


def generalized_q(tau2: float, yi: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    r"""Generalised Q: :math:`Q(\tau^2) = \sum_i w_i (y_i - x_i^\top\hat\beta_{\tau^2})^2`.

    Strictly decreasing in :math:`\tau^2`; :math:`Q(0)` is Cochran's Q (or QE with moderators).
    """
    wi = 1.0 / (vi + tau2)
    WX = X * wi[:, None]
    beta = np.linalg.solve(X.T @ WX, WX.T @ yi)
    resid = yi - X @ beta
    return float(np.sum(wi * resid**2))


def tau2_dl(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""DerSimonian-Laird method-of-moments estimator (DerSimonian & Laird 1986).

    .. math:: \hat\tau^2 = \max\left(0, \frac{Q - (k-p)}{\operatorname{tr} P_0}\right)

    with :math:`P_0` the residual-maker at :math:`\tau^2 = 0`. The standard error is metafor's:
    :math:`\sqrt{2(k-p) + 4\hat\tau^2 \operatorname{tr}P_0 + 2\hat\tau^4 \sum P_0^2}
    /\operatorname{tr}P_0`.
    """
    k, p = X.shape
    P = residual_maker(vi, X, 0.0)
    trP = float(np.trace(P))
    q = float(yi @ P @ yi)
    tau2 = max(0.0, (q - (k - p)) / trP)
    se = np.sqrt(2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * np.sum(P * P)) / trP
    return Tau2Estimate(tau2=tau2, se=float(se))


def _loglik(
    tau2: float, yi: FloatArray, vi: FloatArray, X: FloatArray, *, restricted: bool
) -> float:
    # Log-likelihood (restricted: without metafor's constant 1/2 log|X'X|, which cancels in
    # comparisons), as in metafor's check of the likelihood at tau^2 = 0.
    k, p = X.shape
    wi = 1.0 / (vi + tau2)
    WX = X * wi[:, None]
    XtWX = X.T @ WX
    beta = np.linalg.solve(XtWX, WX.T @ yi)
    rss = float(np.sum(wi * (yi - X @ beta) ** 2))
    if not restricted:
        return float(-0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss)
    logdet = float(np.linalg.slogdet(XtWX)[1])
    return (
        -0.5 * (k - p) * np.log(2 * np.pi)
        - 0.5 * np.sum(np.log(vi + tau2))
        - 0.5 * logdet
        - 0.5 * rss
    )


def _ols_residual_maker(X: FloatArray) -> FloatArray:
    return np.eye(X.shape[0]) - X @ np.linalg.solve(X.T @ X, X.T)


def tau2_he(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Hedges' (HE, variance-component) estimator (Hedges 1983), as metafor's ``method="HE"``.

    .. math:: \hat\tau^2 = \max\left(0, \frac{y^\top P_I y - \operatorname{tr}(P_I V)}{k-p}\right)

    with :math:`P_I = I - X(X^\top X)^{-1}X^\top` and :math:`V = \mathrm{diag}(v_i)`. The
    standard error is metafor's
    :math:`\sqrt{2\sum (P_IV)\circ(P_IV)^\top + 4\hat\tau^2\operatorname{tr}(P_IV)
    + 2\hat\tau^4(k-p)}\,/(k-p)`.
    """
    k, p = X.shape
    H = _ols_residual_maker(X)
    PV = H * vi[None, :]
    trPV = float(np.trace(PV))
    tau2 = max(0.0, (float(yi @ H @ yi) - trPV) / (k - p))
    se = np.sqrt(2.0 * np.sum(PV * PV.T) + 4.0 * tau2 * trPV + 2.0 * tau2**2 * (k - p)) / (k - p)
    return Tau2Estimate(tau2=tau2, se=float(se))


def tau2_sj(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Sidik-Jonkman estimator (Sidik & Jonkman 2005), as metafor's ``method="SJ"``.

    From the start value :math:`\tau_0^2 = \frac1k\sum_i (y_i - \bar y)^2` (metafor's default,
    the raw effects' variance also with moderators), one step
    :math:`\hat\tau^2 = \tau_0^2\, y^\top P_{\tau_0^2} y / (k-p)`. The standard error is
    metafor's :math:`\tau_0^2\sqrt{2\sum (PV)\circ(PV)^\top + 4\hat\tau^2\sum (PV)\circ P
    + 2\hat\tau^4\sum P\circ P}\,/(k-p)`, with :math:`P = P_{\tau_0^2}`.
    """
    k, p = X.shape
    tau2_0 = float(np.mean((yi - np.mean(yi)) ** 2))
    P = residual_maker(vi, X, tau2_0)
    tau2 = max(0.0, tau2_0 * float(yi @ P @ yi) / (k - p))
    PV = P * vi[None, :]
    se = (
        tau2_0
        / (k - p)
        * np.sqrt(
            2.0 * np.sum(PV * PV.T) + 4.0 * tau2 * np.sum(PV * P) + 2.0 * tau2**2 * np.sum(P * P)
        )
    )
    return Tau2Estimate(tau2=tau2, se=float(se))


def _fisher_scoring(yi: FloatArray, vi: FloatArray, X: FloatArray, *, restricted: bool) -> float:
    # metafor's Fisher scoring for ML / REML from the HE start value, steps halved while they
    # would make tau^2 negative; then its check that the likelihood at tau^2 = 0 is not higher.
    name = "REML" if restricted else "ML"
    tau2 = tau2_he(yi, vi, X).tau2
    adj = np.inf
    for _ in range(_MAXITER):
        P = residual_maker(vi, X, tau2)
        Py = P @ yi
        if restricted:
            adj = (float(Py @ Py) - float(np.trace(P))) / float(np.sum(P * P))
        else:
            wi = 1.0 / (vi + tau2)
            adj = (float(Py @ Py) - float(np.sum(wi))) / float(np.sum(wi**2))
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 += adj
        if abs(adj) < _THRESHOLD:
            break
    if abs(adj) >= _THRESHOLD:
        raise DataError(
            f"{name} estimation of tau^2 did not converge in {_MAXITER} Fisher-scoring steps; "
            "try method='DL' or 'PM', or check the effect sizes for outliers"
        )
    if (
        tau2 > _THRESHOLD
        and _loglik(0.0, yi, vi, X, restricted=restricted)
        - _loglik(tau2, yi, vi, X, restricted=restricted)
        > 1e-12
    ):
        tau2 = 0.0
    return max(0.0, tau2)


def tau2_reml(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Restricted maximum-likelihood estimator, by Fisher scoring (Viechtbauer 2005).

    Starting from the Hedges (:func:`tau2_he`) estimate, each step is

    .. math::

        \tau^2 \leftarrow \tau^2 + \frac{y^\top P P y - \operatorname{tr} P}{\operatorname{tr}(PP)},

    halved while it would make :math:`\tau^2` negative. As in metafor, if the restricted
    likelihood at :math:`\tau^2 = 0` is higher than at the solution, the estimate is set to 0.
    The standard error is :math:`\sqrt{2/\sum_{ij} P_{ij}^2}`.

    Raises
    ------
    DataError
        Fisher scoring did not converge in 1000 iterations.
    """
    tau2 = _fisher_scoring(yi, vi, X, restricted=True)
    P = residual_maker(vi, X, tau2)
    return Tau2Estimate(tau2=tau2, se=float(np.sqrt(2.0 / np.sum(P * P))))


def tau2_ml(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Maximum-likelihood estimator, by Fisher scoring (Viechtbauer 2005), as ``method="ML"``.

    As :func:`tau2_reml` with the step
    :math:`(y^\top PPy - \sum_i w_i)/\sum_i w_i^2` and the (full) likelihood in the check at
    :math:`\tau^2 = 0`. The standard error is :math:`\sqrt{2/\sum_i w_i^2}`.

    Raises
    ------
    DataError
        Fisher scoring did not converge in 1000 iterations.
    """
    tau2 = _fisher_scoring(yi, vi, X, restricted=False)
    wi = 1.0 / (vi + tau2)
    return Tau2Estimate(tau2=tau2, se=float(np.sqrt(2.0 / np.sum(wi**2))))


def _mad(x: FloatArray) -> float:
    # R's mad(): scaled median absolute deviation, constant 1.4826.
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def find_q_root(
    target: float, yi: FloatArray, vi: FloatArray, X: FloatArray, upper: float
) -> float:
    """The :math:`\\tau^2 \\ge 0` at which :func:`generalized_q` equals ``target``.

    The caller has checked that ``Q(0) >= target``; ``upper`` is doubled until
    ``Q(upper) <= target``.
    """

    def f(t: float) -> float:
        return generalized_q(t, yi, vi, X) - target

    for _ in range(200):
        if f(upper) <= 0.0:
            break
        upper *= 2.0
    else:  # pragma: no cover - Q tends to 0 as tau^2 grows, so this needs absurd inputs
        raise DataError("could not bracket tau^2: the effect sizes are too heterogeneous to solve")
    return float(brentq(f, 0.0, upper, xtol=_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def tau2_pm(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Paule-Mandel estimator (Paule & Mandel 1982): solve :math:`Q(\tau^2) = k - p`.

    If :math:`Q(0) < k - p` the estimate is 0. The root is found by Brent's method to 1e-14.
    The standard error is metafor's :math:`\sqrt{2k^2/(k-p)} / \sum_i w_i`.
    """
    k, p = X.shape
    if generalized_q(0.0, yi, vi, X) < k - p:
        tau2 = 0.0
    else:
        upper = max(100.0, 10.0 * _mad(yi) ** 2)
        tau2 = find_q_root(float(k - p), yi, vi, X, upper)
    wi = 1.0 / (vi + tau2)
    se = np.sqrt(2.0 * k**2 / (k - p)) / np.sum(wi)
    return Tau2Estimate(tau2=tau2, se=float(se))


def tau2_eb(yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    r"""Empirical Bayes estimator (Morris 1983; Berkey et al. 1995), as metafor's ``method="EB"``.

    metafor iterates :math:`\tau^2 \leftarrow \tau^2 + (Q(\tau^2)\,k/(k-p) - k)/\sum_i w_i`,
    whose fixed point is the root of :math:`Q(\tau^2) = k - p`: the Paule-Mandel estimate
    (:func:`tau2_pm`), found here by root-finding to 1e-14 rather than by metafor's iteration.
    The standard error is the same as for PM.
    """
    return tau2_pm(yi, vi, X)


_ESTIMATORS = {
    "DL": tau2_dl,
    "HE": tau2_he,
    "SJ": tau2_sj,
    "PM": tau2_pm,
    "EB": tau2_eb,
    "ML": tau2_ml,
    "REML": tau2_reml,
}


def estimate_tau2(method: str, yi: FloatArray, vi: FloatArray, X: FloatArray) -> Tau2Estimate:
    """Dispatch to the estimator named by ``method`` (``"FE"`` gives tau^2 = 0, no SE)."""
    if method == "FE":
        return Tau2Estimate(tau2=0.0, se=None)
    if method not in _ESTIMATORS:
        raise ParameterError(f"method = {method!r}: expected one of {', '.join(METHODS)}")
    return _ESTIMATORS[method](yi, vi, X)
