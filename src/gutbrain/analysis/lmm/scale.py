r"""The internal scale of :func:`gutbrain.analysis.lmm.lmm`, and the way back.

Design columns are centred and scaled, and the response scaled, before optimising
(:class:`InternalScale`): ``X_s = X A_x``, ``Z_s = Z A_z``, ``y_s = y / c``. This is why
covariates in the 1e4-1e5 range, which make lme4 warn, fit cleanly. :func:`back_transform` returns
the estimates exactly to the original scale: ``beta = c A_x beta_s``,
``D = c^2 sigma_s^2 A_z Lambda Lambda' A_z'``, ``sigma = c sigma_s``, and the deviance, whose
REML term changes with ``A_x``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gutbrain.analysis.lmm.likelihood import Evaluation, LikelihoodProblem
from gutbrain.analysis.lmm.optimise import Optimum
from gutbrain.analysis.lmm.prepare import Prepared
from gutbrain.errors import DataError, DesignError

__all__ = ["Estimates", "InternalScale", "back_transform"]


@dataclass(frozen=True)
class InternalScale:
    """The standardised designs and response, and the transforms that made them."""

    a_x: np.ndarray  # X_s = X A_x
    a_z: np.ndarray  # Z_s = Z A_z
    y_scale: float  # y_s = y / y_scale
    x: np.ndarray
    z: np.ndarray
    y: np.ndarray

    @classmethod
    def of(cls, prep: Prepared, formula: str) -> InternalScale:
        """Standardise ``prep``'s designs and response.

        Raises
        ------
        DataError
            The response is constant (it has no scale).
        DesignError
            The fixed-effects design is rank deficient.
        """
        xd, zd, y = prep.x, prep.z, prep.y
        y_scale = float(np.std(y))
        if not y_scale > 0:
            raise DataError(
                f"lmm: response in {formula!r} is constant ({y[0]!r}) over all used rows"
            )
        a_x = _standardise(xd.matrix, xd.columns)
        a_z = _standardise(zd.matrix, zd.columns)
        xs = xd.matrix @ a_x
        _check_rank(xs, xd.columns, formula)
        return cls(a_x, a_z, y_scale, xs, zd.matrix @ a_z, y / y_scale)


@dataclass(frozen=True)
class Estimates:
    """The fitted model on the original scale."""

    beta: np.ndarray
    cov_beta: np.ndarray
    re_cov: np.ndarray
    sigma: float
    phi: float | None
    blups: np.ndarray  # (groups, q)
    loglik: float
    aic: float
    bic: float
    n_params: int


def back_transform(
    prob: LikelihoodProblem, opt: Optimum, ev: Evaluation, scale: InternalScale
) -> Estimates:
    """The estimates at the optimum ``opt`` (``ev`` is the evaluation there) on the original
    scale, with the log-likelihood, AIC and BIC."""
    a_x, a_z, c = scale.a_x, scale.a_z, scale.y_scale
    theta, phi = prob.split(opt.x)
    sigma2_s = prob.sigma2(ev)
    lam = prob.lambda_of(theta)
    # The deviance on the original scale: y scaling adds N' log c^2; for REML the X scaling
    # changes log|X' V^-1 X| by 2 log|det A_x|.
    deviance = ev.deviance + prob.n_eff * np.log(c**2)
    if prob.reml:
        deviance -= 2.0 * float(np.sum(np.log(np.abs(np.diag(a_x)))))  # A_x is triangular
    n_params = prob.p + prob.n_theta + (1 if prob.has_ar else 0) + 1
    return Estimates(
        beta=c * (a_x @ ev.beta),
        cov_beta=c**2 * sigma2_s * (a_x @ ev.xtvx_inv @ a_x.T),
        re_cov=c**2 * sigma2_s * (a_z @ lam @ lam.T @ a_z.T),
        sigma=c * float(np.sqrt(sigma2_s)),
        phi=phi if prob.has_ar else None,
        # BLUPs b_i = D Z_i' V_i^-1 r_i = Lambda M_i^-1 Lambda' Z_i' R_i^-1 r_i (spherical K_i v).
        blups=c * (ev.blup_spherical @ lam.T @ a_z.T),
        loglik=float(-0.5 * deviance),
        aic=float(deviance + 2.0 * n_params),
        bic=float(deviance + n_params * np.log(prob.n)),
        n_params=n_params,
    )


def _standardise(mat: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Matrix A with (mat @ A) centred (if an intercept column exists) and unit-SD columns."""
    p = mat.shape[1]
    a = np.eye(p)
    has_int = "Intercept" in names
    i0 = names.index("Intercept") if has_int else -1
    for j in range(p):
        if j == i0:
            continue
        col = mat[:, j]
        centre = float(col.mean()) if has_int else 0.0
        spread = float(np.sqrt(np.mean((col - centre) ** 2)))
        if not spread > 0.0 or not np.isfinite(spread):
            spread = 1.0
        a[j, j] = 1.0 / spread
        if has_int:
            a[i0, j] = -centre / spread
    return a


def _check_rank(xs: np.ndarray, names: tuple[str, ...], formula: str) -> None:
    """Raise if the (standardised) design is rank deficient, naming the offending column.

    Columns of ``xs`` are centred and scaled, so the Gram matrix is a correlation-like matrix
    and a relative eigenvalue threshold is meaningful.
    """

    def deficient(cols: np.ndarray) -> bool:
        gram = cols.T @ cols
        eig = np.linalg.eigvalsh(gram)
        return bool(eig[0] <= 1e-10 * max(float(eig[-1]), 1e-300))

    if not deficient(xs):
        return
    for j in range(1, xs.shape[1] + 1):
        if deficient(xs[:, :j]):
            raise DesignError(
                f"lmm: fixed-effects design of {formula!r} is rank deficient: column "
                f"{names[j - 1]!r} is a linear combination of earlier columns (drop a term "
                "or check for an empty category)"
            )
