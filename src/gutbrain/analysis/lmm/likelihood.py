r"""Profiled (restricted) log-likelihood of a linear mixed model with CAR(1) residuals.

The model, for participant (group) :math:`i` with :math:`n_i` rows,

.. math::

    y_i = X_i\beta + Z_i b_i + \varepsilon_i,\qquad
    b_i \sim N(0, \sigma^2 \Lambda\Lambda^\top),\qquad
    \varepsilon_i \sim N(0, \sigma^2 R_i(\phi)),\qquad
    R_i[j, k] = \phi^{|t_{ij} - t_{ik}|}

(``R_i = I`` without an AR term; this is nlme's ``corCAR1``). :math:`\Lambda` is lower triangular
and its free entries :math:`\theta` are the *relative* covariance parameters, as in lme4.

**Whitening.** The CAR(1) correlation of a sorted series has a bidiagonal inverse Cholesky factor
:math:`W`: with gaps :math:`d_j = t_j - t_{j-1}` and :math:`\rho_j = \phi^{d_j}`,
:math:`(W a)_1 = a_1` and :math:`(W a)_j = (a_j - \rho_j a_{j-1}) / \sqrt{1-\rho_j^2}`, so
:math:`R^{-1} = W^\top W` and :math:`\log|R| = \sum_j \log(1-\rho_j^2)`. Whitening all rows of
:math:`[Z, X, y]` is one pass over the rows, O(N).

**Woodbury.** With whitened per-group cross-products :math:`P_i = A_i^\top A_i`,
:math:`A_i = W_i[Z_i, X_i, y_i]`, and :math:`M_i = I + \Lambda^\top Z_i^\top R_i^{-1} Z_i \Lambda`
(q x q), the marginal precision is never formed:
:math:`\log|\Sigma_i| = \log|R_i| + \log|M_i|` and
:math:`[X\ y]^\top \Sigma^{-1} [X\ y] = \sum_i P_{i,ww} - U_i^\top M_i^{-1} U_i` with
:math:`U_i = \Lambda^\top Z_i^\top R_i^{-1}[X_i\ y_i]`. Everything per group is a q x q
Cholesky, done in compiled loops over groups (:mod:`gutbrain.analysis.lmm.kernels`). Without
an AR term the cross-products are formed once, so an evaluation costs O(groups), not O(N).

**Profiling.** :math:`\hat\beta(\theta,\phi)` is generalised least squares and
:math:`\hat\sigma^2 = \mathrm{RSS}/N'` with :math:`N' = N` (ML) or :math:`N-p` (REML), giving the
profiled deviance (-2 log-likelihood)

.. math::

    d(\theta,\phi) = N'\,[1 + \log(2\pi\,\mathrm{RSS}/N')] + \sum_i(\log|M_i| + \log|R_i|)
                     + [\text{REML}]\ \log|X^\top\Sigma^{-1}X|,

the criterion that lme4 (Bates et al. 2015, J Stat Softw 67(1), eqs. 34 and 41) and nlme
(Pinheiro & Bates 2000, ch. 2.4) optimise. Its gradient is analytic: with
:math:`G = \partial d/\partial Q` for :math:`Q = [X\ y]^\top\Sigma^{-1}[X\ y]`
(:math:`G = (N'/\mathrm{RSS})\,vv^\top + [\text{REML}]\,\mathrm{diag}(C, 0)`,
:math:`v = (-\hat\beta, 1)`, :math:`C = (X^\top\Sigma^{-1}X)^{-1}`), the derivative of each group's
Schur complement gives :math:`\partial d/\partial \Lambda` and, through the derivative of the
whitening transform, :math:`\partial d/\partial\phi`, each in O(N) work. Tested against the
dense N x N formula and against finite differences (``tests/analysis/test_lmm_likelihood.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gutbrain.analysis.lmm import kernels as kern

__all__ = ["Evaluation", "LikelihoodProblem"]


@dataclass(frozen=True)
class Evaluation:
    """The profiled deviance and what was computed on the way, at one (theta, phi)."""

    deviance: float
    gradient: np.ndarray | None
    beta: np.ndarray
    rss: float
    xtvx_inv: np.ndarray  # C = (X' Sigma^-1 X)^-1, relative to sigma^2
    logdet_parts: float  # sum log|M_i| + log|R_i| (+ REML log|X' Sigma^-1 X|)
    blup_spherical: np.ndarray  # K_i v: (m, q); b_i = Lambda @ (K_i v)


class LikelihoodProblem:
    """Data packed by group, and the profiled deviance with its gradient.

    Parameters
    ----------
    x, z, y
        Fixed-effects design (N, p), random-effects design (N, q), response (N,), with rows sorted
        by group (and by time within a group when ``time`` is given).
    group_sizes
        Rows per group, in the row order, all > 0.
    time
        Observation times (N,) for the CAR(1) residual, strictly increasing within a group; None
        for independent residuals.
    reml
        Restricted (True) or full (False) maximum likelihood.
    discrete
        The AR(1) is nlme's discrete ``corAR1`` (integer times, phi in (-1, 1)) rather than
        ``corCAR1`` (phi in [0, 1)); the correlation ``phi^|t_j - t_k|`` is the same formula.
    """

    def __init__(
        self,
        x: np.ndarray,
        z: np.ndarray,
        y: np.ndarray,
        group_sizes: np.ndarray,
        time: np.ndarray | None,
        *,
        reml: bool,
        discrete: bool = False,
    ) -> None:
        self.n, self.p = x.shape
        self.q = z.shape[1]
        self.m = len(group_sizes)
        self.reml = reml
        self.n_eff = self.n - self.p if reml else self.n
        self.has_ar = time is not None
        self.discrete = discrete and self.has_ar
        self.k = self.q + self.p + 1
        sizes = np.asarray(group_sizes, dtype=np.int64)
        self.group_sizes = sizes
        self.starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # Row-major [Z, X, y]: the kernels loop over rows of a group.
        self.data = np.ascontiguousarray(np.column_stack([z, x, y]), dtype=float)
        rows, cols = np.tril_indices(self.q)
        order = np.lexsort((rows, cols))
        self._tril = (rows[order], cols[order])
        if time is not None:
            t = np.asarray(time, dtype=float)
            self.gaps = np.ascontiguousarray(np.diff(t, prepend=t[0]))
            self.gaps[self.starts[:-1]] = 0.0
            self.cross = np.empty((0, self.k, self.k))
        else:
            self.gaps = np.zeros(0)
            self.cross = kern.cross_products(self.data, self.starts)

    # ------------------------------------------------------------------ parameters
    @property
    def n_theta(self) -> int:
        return self.q * (self.q + 1) // 2

    def lambda_of(self, theta: np.ndarray) -> np.ndarray:
        """Lower-triangular Lambda from theta (column-major lower triangle, as lme4)."""
        lam = np.zeros((self.q, self.q))
        lam[self._tril] = theta
        return lam

    def theta_of(self, lam: np.ndarray) -> np.ndarray:
        return np.asarray(lam[self._tril], dtype=float)

    def theta_is_diag(self) -> np.ndarray:
        return np.asarray(self._tril[0] == self._tril[1])

    def split(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """``(theta, phi)`` from a parameter vector: theta, then phi with AR(1) (else phi = 0)."""
        return x[: self.n_theta], float(x[self.n_theta]) if self.has_ar else 0.0

    def sigma2(self, ev: Evaluation) -> float:
        """The profiled residual variance ``RSS / N'`` at the evaluation ``ev``."""
        return ev.rss / self.n_eff

    # ------------------------------------------------------------------ the deviance
    def evaluate(
        self,
        theta: np.ndarray,
        phi: float = 0.0,
        *,
        gradient: bool = True,
        sigma2: float | None = None,
    ) -> Evaluation:
        """Profiled deviance at (theta, phi), with its gradient in (theta, phi).

        With ``sigma2`` given, the "deviance" is instead the criterion at that fixed residual
        variance, ``N' log(2 pi sigma2) + logdets + RSS / sigma2`` (beta still profiled), and the
        gradient is that function's; this is what the Satterthwaite Hessian needs.

        Raises
        ------
        numpy.linalg.LinAlgError
            If a matrix that must be positive definite is not (numerically).
        """
        lam = self.lambda_of(np.asarray(theta, dtype=float))
        dev, grad, beta, rss, c_inv, blup, logdets, status = kern.evaluate(
            self.data,
            self.gaps,
            self.starts,
            self.cross,
            lam,
            float(phi),
            self.has_ar,
            self.reml,
            float(self.n_eff),
            -1.0 if sigma2 is None else float(sigma2),
            gradient,
        )
        if status:
            raise np.linalg.LinAlgError(
                "M_i = I + L' Z' R^-1 Z L"
                if status == 1
                else "X' Sigma^-1 X is not positive definite"
            )
        return Evaluation(
            deviance=float(dev),
            gradient=grad if gradient else None,
            beta=beta,
            rss=float(rss),
            xtvx_inv=c_inv,
            logdet_parts=float(logdets),
            blup_spherical=blup,
        )
