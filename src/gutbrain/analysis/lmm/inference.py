r"""Satterthwaite degrees of freedom for fixed-effect contrasts of a fitted mixed model.

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

import numpy as np

from gutbrain.analysis.lmm.likelihood import LikelihoodProblem
from gutbrain.analysis.lmm.optimise import Optimum, bounds_of, central_jacobian

__all__ = ["satterthwaite_df", "satterthwaite_parts"]


def satterthwaite_parts(
    prob: LikelihoodProblem,
    opt: Optimum,
    sigma2_s: float,
    c_opt: np.ndarray,
    a_x: np.ndarray,
    y_scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(dV/dpsi, A)``: the Jacobian of cov(beta) on the original scale, shape
    (n_psi, p, p), and the asymptotic covariance ``2 H^-1`` of psi (free parameters, sigma).
    """
    nt = prob.n_theta
    x = opt.x
    free = opt.free
    sigma = float(np.sqrt(sigma2_s))
    phi = float(x[nt]) if prob.has_ar else 0.0
    n_free = int(free.sum())
    if opt.hessian.shape != (n_free, n_free):
        return np.zeros((0, a_x.shape[0], a_x.shape[0])), np.zeros((0, 0))
    # At sigma^2 = RSS / N' the fixed-sigma gradient equals the profiled one (opt.gradient).
    ga = opt.gradient
    gb = prob.evaluate(x[:nt], phi, sigma2=2.0 * sigma2_s).gradient
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
        ev = prob.evaluate(full[:nt], float(full[nt]) if prob.has_ar else 0.0, gradient=False)
        return (const * (a_x @ ev.xtvx_inv @ a_x.T)).ravel()

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
