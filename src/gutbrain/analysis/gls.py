r"""REML generalised least squares with an unstructured covariance over visits (the MMRM engine).

Each participant :math:`i` contributes the scores :math:`y_i` at the visits :math:`o_i` they
attended, with

.. math::

    y_i = X_i\beta + \varepsilon_i,\qquad \varepsilon_i \sim N(0, \Sigma_{o_i o_i}),

:math:`\Sigma` an unstructured :math:`T\times T` covariance over the :math:`T` visits and
:math:`\Sigma_{o_i o_i}` its rows and columns for the visits observed (missing visits are missing
at random under this likelihood). The restricted (REML) criterion, with :math:`\beta` profiled out,

.. math::

    -2\ell_R(\Sigma) = \sum_i \log|\Sigma_{o_i o_i}| + \log|X^\top W X|
    + (y - X\hat\beta)^\top W (y - X\hat\beta) + (N - p)\log 2\pi,
    \qquad W = \operatorname{diag}_i \Sigma_{o_i o_i}^{-1},

is minimised over the Cholesky factor of :math:`\Sigma` (log diagonal, so it stays positive
definite) by BFGS. This is the model of R's ``nlme::gls(..., correlation = corSymm(form = ~ k |
id), weights = varIdent(form = ~ 1 | visit), method = "REML")`` -- another parametrisation of the
same :math:`\Sigma` -- and of the ``mmrm`` package's ``us()`` covariance; the match with nlme is
checked in ``tests/analysis/test_mmrm_reference.py``.

Why a hand-written fit: statsmodels' ``MixedLM`` has no residual covariance structure, its
``GLS`` needs :math:`\Sigma` known, and ``GEE`` is not a likelihood fit; no other maintained
Python library fits an unstructured-covariance REML GLS. The fit needs only a few dozen lines
over scipy.

Inference: :math:`\mathrm{cov}(\hat\beta) = (X^\top W X)^{-1}` at the optimum (model-based), and
Wald t tests whose degrees of freedom come from Satterthwaite's approximation exactly as for the
mixed models (:func:`gutbrain.analysis.lmm.inference.satterthwaite_df`): the gradient of
:math:`L^\top \mathrm{cov}(\hat\beta) L` in the covariance parameters (central differences)
and :math:`2H^{-1}`, :math:`H` the Hessian of :math:`-2\ell_R` (central differences of the
criterion). This is the ``mmrm`` package's default; the df do not depend on the parametrisation
at an interior optimum.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from gutbrain.analysis.lmm.inference import satterthwaite_df, wald_t
from gutbrain.analysis.lmm.optimise import central_jacobian
from gutbrain.analysis.lmm.result import ContrastResult
from gutbrain.errors import DataError

__all__ = ["GLSFit", "fit_unstructured_gls"]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class GLSFit:
    """An unstructured-covariance REML GLS fit (:func:`fit_unstructured_gls`).

    Attributes
    ----------
    beta, cov_beta
        Fixed effects and their model-based covariance :math:`(X^\\top W X)^{-1}`.
    sigma
        The fitted covariance over visits (T x T), in the response's units squared.
    loglik
        The maximised restricted log-likelihood (as ``logLik`` of an nlme REML fit).
    n_obs, n_subjects, n_params
        Scores used, participants, and the number of parameters (fixed + covariance).
    converged
        Whether the optimum was reached (central-difference gradient below 1e-4).
    vcov_jacobian, varpar_cov
        The Satterthwaite ingredients: the derivative of ``cov_beta`` in the covariance
        parameters, and their asymptotic covariance ``2 H^-1``.
    """

    beta: np.ndarray
    cov_beta: np.ndarray
    sigma: np.ndarray
    loglik: float
    n_obs: int
    n_subjects: int
    n_params: int
    converged: bool
    vcov_jacobian: np.ndarray
    varpar_cov: np.ndarray

    def contrast(self, weights: np.ndarray, conf_level: float = 0.95) -> ContrastResult:
        """The Wald t test and interval of ``weights' beta``, Satterthwaite df."""
        w = np.asarray(weights, dtype=float)
        est = float(w @ self.beta)
        se = float(np.sqrt(w @ self.cov_beta @ w))
        df = satterthwaite_df(w, self.cov_beta, self.vcov_jacobian, self.varpar_cov)
        t, p, lo, hi = wald_t(est, se, df, conf_level)
        return ContrastResult(est, se, df, t, p, lo, hi, conf_level)


class _Patterns:
    """The data grouped by which visits a participant attended, for fast criterion evaluation."""

    def __init__(self, y: np.ndarray, x: np.ndarray, subject: np.ndarray, visit: np.ndarray):
        self.groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        order = np.lexsort((visit, subject))
        y, x, subject, visit = y[order], x[order], subject[order], visit[order]
        starts = np.flatnonzero(np.r_[True, subject[1:] != subject[:-1]])
        bounds = np.r_[starts, len(y)]
        by_pattern: dict[tuple[int, ...], list[int]] = {}
        for s, e in itertools.pairwise(bounds):
            by_pattern.setdefault(tuple(int(v) for v in visit[s:e]), []).append(int(s))
        for pattern, firsts in by_pattern.items():
            k = len(pattern)
            rows = (np.asarray(firsts)[:, None] + np.arange(k)[None, :]).ravel()
            self.groups.append(
                (
                    np.asarray(pattern),
                    y[rows].reshape(len(firsts), k).T.copy(),  # (k, n)
                    x[rows].reshape(len(firsts), k, -1).transpose(1, 0, 2).copy(),  # (k, n, p)
                )
            )
        self.n, self.p = x.shape

    def parts(self, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        """``X'WX``, ``X'Wy``, ``y'Wy`` and ``sum log|Sigma_i|`` at covariance ``sigma``."""
        p = self.p
        xtwx = np.zeros((p, p))
        xtwy = np.zeros(p)
        ytwy = 0.0
        logdet = 0.0
        for pattern, yp, xp in self.groups:
            k, n = yp.shape
            c = np.linalg.cholesky(sigma[np.ix_(pattern, pattern)])
            # Whiten with the explicit k x k inverse factor: tiny, and far faster than a
            # triangular solve with n right-hand sides.
            c_inv = np.linalg.inv(c)
            yw = c_inv @ yp
            xw = (c_inv @ xp.reshape(k, n * p)).reshape(k, n, p)
            xtwx += np.einsum("kip,kiq->pq", xw, xw)
            xtwy += np.einsum("kip,ki->p", xw, yw)
            ytwy += float(np.sum(yw * yw))
            logdet += n * 2.0 * float(np.sum(np.log(np.diag(c))))
        return xtwx, xtwy, ytwy, logdet


def _sigma_of(theta: np.ndarray, t: int) -> np.ndarray:
    """Covariance from its Cholesky factor: log diagonal, then the lower triangle by rows."""
    lower = np.zeros((t, t))
    lower[np.diag_indices(t)] = np.exp(theta[:t])
    lower[np.tril_indices(t, -1)] = theta[t:]
    return lower @ lower.T


def _theta_of(sigma: np.ndarray) -> np.ndarray:
    lower = np.linalg.cholesky(sigma)
    t = sigma.shape[0]
    return np.r_[np.log(np.diag(lower)), lower[np.tril_indices(t, -1)]]


def fit_unstructured_gls(
    y: np.ndarray,
    x: np.ndarray,
    subject: np.ndarray,
    visit: np.ndarray,
    n_visits: int,
    *,
    what: str = "MMRM",
) -> GLSFit:
    """REML fit of ``y = X beta + e`` with ``e`` correlated within subject by an unstructured
    covariance over ``n_visits`` visits (see the module docstring).

    Parameters
    ----------
    y, x
        Response (N) and full-rank design (N x p).
    subject, visit
        Per row: the subject (any labels) and the visit index ``0 .. n_visits - 1``; at most one
        row per subject and visit.
    what
        How errors name the analysis.

    Raises
    ------
    DataError
        A rank-deficient design, a visit without two scores, or too few scores for the
        covariance parameters.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    _, subj = np.unique(np.asarray(subject), return_inverse=True)
    visit = np.asarray(visit, dtype=int)
    n, p = x.shape
    t = n_visits
    counts = np.bincount(visit, minlength=t)
    if counts.min() < 2:
        raise DataError(
            f"{what}: visit {int(np.argmin(counts))} has {int(counts.min())} scores; need at "
            "least 2 per visit for an unstructured covariance"
        )
    n_cov = t * (t + 1) // 2
    if np.linalg.matrix_rank(x) < p:
        raise DataError(f"{what}: the design has {p} columns but rank {np.linalg.matrix_rank(x)}")
    if n - p <= n_cov:
        raise DataError(f"{what}: {n} scores for {p} fixed effects and {n_cov} covariances")
    # Work on a unit scale so the Cholesky entries are O(1); the way back is exact.
    scale = float(np.std(y)) or 1.0
    data = _Patterns(y / scale, x, subj, visit)

    def deviance(theta: np.ndarray) -> float:
        try:
            xtwx, xtwy, ytwy, logdet = data.parts(_sigma_of(theta, t))
            cx = linalg.cho_factor(xtwx, lower=True)
        except (np.linalg.LinAlgError, linalg.LinAlgError, ValueError):
            return float("inf")
        beta = linalg.cho_solve(cx, xtwy)
        rss = ytwy - float(xtwy @ beta)
        logdet_x = 2.0 * float(np.sum(np.log(np.diag(cx[0]))))
        return logdet + logdet_x + rss + (n - p) * _LOG_2PI

    # Start from the OLS residual variance per visit, uncorrelated.
    resid = y / scale - x @ np.linalg.lstsq(x, y / scale, rcond=None)[0]
    var0 = np.array([np.var(resid[visit == k]) for k in range(t)])
    start = np.diag(np.maximum(var0, 1e-3))
    theta0 = _theta_of(start)
    res = optimize.minimize(
        deviance, theta0, method="BFGS", options={"gtol": 1e-7, "maxiter": 2000}
    )
    theta = res.x
    # Polish by Newton steps on central differences: BFGS on a numerical gradient stops short
    # in flat directions, and the Hessian is needed for the df anyway.
    grad, hess = _derivatives(deviance, theta)
    for _ in range(10):
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        if not deviance(theta - step) < deviance(theta):
            break
        theta = theta - step
        grad, hess = _derivatives(deviance, theta)
    sigma_s = _sigma_of(theta, t)
    xtwx, xtwy, _, _ = data.parts(sigma_s)
    cov_s = np.linalg.inv(xtwx)
    dev = deviance(theta) + (n - p) * np.log(scale**2)

    def cov_beta_of(th: np.ndarray) -> np.ndarray:
        return (np.linalg.inv(data.parts(_sigma_of(th, t))[0]) * scale**2).ravel()

    inf = np.full_like(theta, np.inf)
    jac = central_jacobian(cov_beta_of, theta, -inf, inf).T.reshape(len(theta), p, p)
    try:
        varpar_cov = 2.0 * np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        varpar_cov = 2.0 * np.linalg.pinv(hess)
    return GLSFit(
        beta=np.linalg.solve(xtwx, xtwy) * scale,
        cov_beta=cov_s * scale**2,
        sigma=sigma_s * scale**2,
        loglik=-0.5 * float(dev),
        n_obs=n,
        n_subjects=int(subj.max()) + 1,
        n_params=p + n_cov,
        converged=bool(np.isfinite(dev) and np.max(np.abs(grad)) < 1e-4),
        vcov_jacobian=jac,
        varpar_cov=varpar_cov,
    )


def _derivatives(
    func: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4
) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient and Hessian of a scalar function."""
    m = x.size
    grad = np.empty(m)
    hess = np.empty((m, m))
    f0 = func(x)
    eye = np.eye(m) * h
    for i in range(m):
        fp, fm = func(x + eye[i]), func(x - eye[i])
        grad[i] = (fp - fm) / (2.0 * h)
        hess[i, i] = (fp - 2.0 * f0 + fm) / h**2
        for j in range(i):
            hess[i, j] = hess[j, i] = (
                func(x + eye[i] + eye[j]) - func(x + eye[i] - eye[j])
                - func(x - eye[i] + eye[j]) + func(x - eye[i] - eye[j])
            ) / (4.0 * h * h)  # fmt: skip
    return grad, hess
