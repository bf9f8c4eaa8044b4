r"""Inference on the fixed effects of a fitted mixed model: Wald t tests with Satterthwaite df.

:func:`fixed_effect_tests` gives the standard errors, degrees of freedom, tests and intervals of
every fixed effect; :func:`wald_t` is the one t test and interval, for those and for contrasts.

For a contrast :math:`L`, with :math:`V(\psi) = \mathrm{cov}(\hat\beta)` as a function of the
variance parameters :math:`\psi = (\theta, \phi, \sigma)`,

.. math::

    \nu = \frac{2\,(L^\top V L)^2}{g^\top A\, g},\qquad
    g = \frac{\partial\, L^\top V(\psi) L}{\partial\psi},\qquad
    A = 2 H^{-1},

where :math:`H` is the Hessian of the deviance (-2 log-likelihood; the REML criterion for REML
fits) at fixed :math:`\psi` with :math:`\beta` profiled out -- lmerTest's construction
(Kuznetsova, Brockhoff & Christensen 2017, J Stat Softw 82(13), sec. 3.2; Satterthwaite 1946).

:math:`H` is not differentiated again here: the optimiser's Hessian of the *profiled* deviance
:math:`d(\theta)` is the Schur complement of :math:`H` in :math:`\sigma`, and with
:math:`D(\theta, \sigma) = N'\log\sigma^2 + \ell(\theta) + \mathrm{RSS}(\theta)/\sigma^2` the
missing blocks are :math:`D_{\sigma\sigma} = 4N'/\sigma^2` and
:math:`D_{\theta\sigma} = -2\,\mathrm{RSS}_\theta/\sigma^3` at
:math:`\hat\sigma^2 = \mathrm{RSS}/N'`, so
:math:`D_{\theta\theta} = \nabla^2 d + D_{\theta\sigma}D_{\sigma\theta}/D_{\sigma\sigma}`.
:math:`g` is obtained by central differences of :math:`(X^\top\Sigma^{-1}X)^{-1}`. The df do not
depend on how :math:`\psi` is parametrised at an interior optimum, so the internal (scaled)
parametrisation reproduces lmerTest's numbers (checked to 6 significant digits in
``tests/analysis/test_lmm_reference.py``). Parameters on a boundary are held fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy import special, stats

from gutbrain.analysis.lmm.likelihood import Evaluation, LikelihoodProblem
from gutbrain.analysis.lmm.optimise import Optimum, bounds_of, central_jacobian
from gutbrain.analysis.lmm.scale import Estimates, InternalScale

__all__ = [
    "FTest",
    "FixedEffectTests",
    "f_test",
    "fixed_effect_tests",
    "satterthwaite_df",
    "satterthwaite_parts",
    "wald_t",
]

_Num = TypeVar("_Num", float, np.ndarray)


@dataclass(frozen=True)
class FixedEffectTests:
    """Per fixed effect: SE, Satterthwaite df, Wald t, two-sided p and confidence limits; and
    the Satterthwaite ingredients that contrasts need (see :func:`satterthwaite_parts`)."""

    se: np.ndarray
    df: np.ndarray
    t: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    vcov_jacobian: np.ndarray
    varpar_cov: np.ndarray


def fixed_effect_tests(
    prob: LikelihoodProblem,
    opt: Optimum,
    ev: Evaluation,
    scale: InternalScale,
    est: Estimates,
    conf_level: float,
) -> FixedEffectTests:
    """Wald t tests of every fixed effect of the fit at ``opt`` (``ev`` the evaluation there,
    ``est`` its estimates on the original scale), with Satterthwaite df."""
    # psi = (theta, phi, sigma) on the internal scale, boundary values held fixed.
    jac, varpar_cov = satterthwaite_parts(prob, opt, ev, scale)
    p = prob.p
    se = np.sqrt(np.diag(est.cov_beta))
    df = np.array([satterthwaite_df(np.eye(p)[k], est.cov_beta, jac, varpar_cov) for k in range(p)])
    tval, pval, low, high = wald_t(est.beta, se, df, conf_level)
    return FixedEffectTests(se, df, tval, pval, low, high, jac, varpar_cov)


def wald_t(estimate: _Num, se: _Num, df: _Num, conf_level: float) -> tuple[_Num, _Num, _Num, _Num]:
    """Wald ``t = estimate / se``, its two-sided p value and the ``conf_level`` limits, with
    ``df`` degrees of freedom (inf: the normal distribution)."""
    tval = estimate / se
    # scipy.special's Student-t cdf/quantile: the same functions scipy.stats.t uses, without
    # its per-call overhead.
    pval = 2.0 * special.stdtr(df, -np.abs(tval))
    tcrit = special.stdtrit(df, 0.5 + conf_level / 2.0)
    return tval, pval, estimate - tcrit * se, estimate + tcrit * se


def satterthwaite_parts(
    prob: LikelihoodProblem, opt: Optimum, ev: Evaluation, scale: InternalScale
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(dV/dpsi, A)``: the Jacobian of cov(beta) on the original scale, shape
    (n_psi, p, p), and the asymptotic covariance ``2 H^-1`` of psi (free parameters, sigma),
    at the optimum ``opt`` (``ev`` is the evaluation there).
    """
    sigma2_s = prob.sigma2(ev)
    c_opt, a_x, y_scale = ev.xtvx_inv, scale.a_x, scale.y_scale
    x = opt.x
    free = opt.free
    sigma = float(np.sqrt(sigma2_s))
    theta, phi = prob.split(x)
    n_free = int(free.sum())
    if opt.hessian.shape != (n_free, n_free):
        return np.zeros((0, a_x.shape[0], a_x.shape[0])), np.zeros((0, 0))
    # At sigma^2 = RSS / N' the fixed-sigma gradient equals the profiled one (opt.gradient).
    ga = opt.gradient
    gb = prob.evaluate(theta, phi, sigma2=2.0 * sigma2_s).gradient
    assert gb is not None  # evaluate(gradient=True) returns a gradient
    rss_grad = ((ga - gb) * 2.0 * sigma2_s)[free]
    d_ss = 4.0 * prob.n_eff / sigma2_s
    d_ts = -2.0 * rss_grad / sigma**3
    hess = np.empty((n_free + 1, n_free + 1))
    hess[:n_free, :n_free] = opt.hessian + np.outer(d_ts, d_ts) / d_ss
    hess[:n_free, n_free] = d_ts
    hess[n_free, :n_free] = d_ts
    hess[n_free, n_free] = d_ss
    try:
        varpar_cov = 2.0 * np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        varpar_cov = 2.0 * np.linalg.pinv(hess)
    lower, upper = bounds_of(prob)
    idx = np.flatnonzero(free)
    p = a_x.shape[0]
    const = y_scale**2 * sigma2_s

    def cov_of(sub: np.ndarray) -> np.ndarray:
        full = x.copy()
        full[idx] = sub
        near = prob.evaluate(*prob.split(full), gradient=False)
        return (const * (a_x @ near.xtvx_inv @ a_x.T)).ravel()

    jac = np.empty((n_free + 1, p, p))
    if n_free:
        jac[:n_free] = central_jacobian(cov_of, x[idx], lower[idx], upper[idx]).T.reshape(
            n_free, p, p
        )
    # d/dsigma of sigma^2 c^2 A C A' is 2 sigma c^2 A C A'.
    jac[n_free] = 2.0 * sigma * y_scale**2 * (a_x @ c_opt @ a_x.T)
    return jac, varpar_cov


def satterthwaite_df(
    contrast: np.ndarray, cov_beta: np.ndarray, jac: np.ndarray, varpar_cov: np.ndarray
) -> float:
    """Satterthwaite df of ``contrast' beta`` (inf if there is nothing to estimate)."""
    if jac.shape[0] == 0:
        return float("inf")
    var = float(contrast @ cov_beta @ contrast)
    grad = np.einsum("i,kij,j->k", contrast, jac, contrast)
    denom = float(grad @ varpar_cov @ grad)
    return float(2.0 * var * var / denom) if denom > 0.0 else float("inf")


@dataclass(frozen=True)
class FTest:
    """A multi-df Wald F test of ``L beta = 0``: numerator df (the rank of ``L V L'``),
    Satterthwaite denominator df, F statistic and p value."""

    num_df: int
    den_df: float
    f: float
    p: float


def f_test(
    lmat: np.ndarray,
    beta: np.ndarray,
    cov_beta: np.ndarray,
    jac: np.ndarray,
    varpar_cov: np.ndarray,
) -> FTest:
    r"""Wald F test of ``L beta = 0`` with Satterthwaite denominator df, as lmerTest's
    ``contestMD`` (Kuznetsova et al. 2017, sec. 3.3; Fai & Cornelius 1996).

    ``L V L' = P D P'``; the q eigenvectors with eigenvalue above
    ``sqrt(machine eps) * max(D)`` give q one-df contrasts ``P_m' L``, independent under H0:
    ``F = sum_m (P_m' L beta)^2 / d_m / q``, each with its own Satterthwaite df ``nu_m``, and
    ``E = sum_m nu_m / (nu_m - 2)``, denominator df ``2 E / (E - q)`` (2 if any ``nu_m <= 2``;
    the mean when all ``nu_m`` agree to 1e-8; ``nu_1`` when q = 1).
    """
    vl = lmat @ cov_beta @ lmat.T
    d, vecs = np.linalg.eigh(0.5 * (vl + vl.T))
    d, vecs = d[::-1], vecs[:, ::-1]
    keep = d > max(np.sqrt(np.finfo(float).eps) * d[0], 0.0)
    q = int(keep.sum())
    ptl = vecs[:, keep].T @ lmat
    fval = float(np.sum((ptl @ beta) ** 2 / d[keep]) / q)
    nu = np.array([satterthwaite_df(row, cov_beta, jac, varpar_cov) for row in ptl])
    if q == 1 or np.all(np.abs(np.diff(nu)) < 1e-8):
        den = float(nu.mean())
    elif np.any(nu <= 2.0):
        den = 2.0
    else:
        e = float(np.sum(nu / (nu - 2.0)))
        den = 2.0 * e / (e - q)
    return FTest(num_df=q, den_df=den, f=fval, p=float(stats.f.sf(fval, q, den)))
