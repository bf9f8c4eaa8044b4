r"""Profile-likelihood confidence intervals for the variance components of a fitted mixed model
(lme4's ``confint(fit, method = "profile")``).

The variance parameters on the response's scale, :math:`\psi` = (random-effect SDs, their
correlations, the residual SD :math:`\sigma`, and phi with an AR(1) term), map to the internal
parameters (:math:`\Lambda\Lambda^\top = A_z^{-1} D A_z^{-\top} / \sigma^2`, :math:`\sigma_s =
\sigma / c`; :mod:`~gutbrain.analysis.lmm.scale`), where the deviance at fixed :math:`\sigma` (the
REML criterion for REML fits), with :math:`\beta` profiled out, is
:meth:`~gutbrain.analysis.lmm.likelihood.LikelihoodProblem.evaluate`'s. For one component
:math:`\psi_k` held at :math:`v`, the others are optimised (BFGS on log SDs, atanh of
correlations and of phi, tight tolerances), giving the profile deviance :math:`d_k(v)`; the
interval ends solve :math:`\mathrm{sign}(v - \hat\psi_k)\sqrt{d_k(v) - d_{\min}} = \pm z_{(1+
\mathrm{level})/2}` (Brent's method), the signed-root statistic lme4 interpolates by splines
(Bates et al. 2015, J Stat Softw 67(1), sec. 5.1). An SD whose profile never reaches the critical
value before 0 gets the lower end 0, a correlation or phi the end of its range, as lme4 reports
them. Checked against lme4 1.1-31 in ``tests/analysis/test_lmm_parity.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from gutbrain.analysis.lmm.likelihood import LikelihoodProblem
from gutbrain.analysis.lmm.scale import InternalScale

__all__ = ["Profile", "ProfileSpace", "profile_intervals"]

_EDGE = 1.0 - 1e-9  # correlations and phi stay inside (-1, 1)


@dataclass(frozen=True)
class ProfileSpace:
    """What a profile needs from a fit: the likelihood on the internal scale and the scale."""

    problem: LikelihoodProblem
    scale: InternalScale
    phi_min: float  # 0 for CAR(1), -1 for the discrete AR(1)


def profile_intervals(
    space: ProfileSpace,
    estimates: np.ndarray,
    labels: pd.DataFrame,
    level: float,
) -> pd.DataFrame:
    """Profile intervals for every variance parameter.

    ``estimates`` is psi at the optimum in :func:`_unpack`'s order (SDs, correlations below the
    diagonal by row, sigma, phi), ``labels`` the matching rows of
    :meth:`~gutbrain.analysis.lmm.result.LMMResult.variance_components`; returns ``labels`` with
    ``estimate``, ``lower`` and ``upper``.
    """
    prof = Profile(space, np.asarray(estimates, dtype=float))
    zcrit = float(special.ndtri(0.5 + level / 2.0))
    lows, highs = [], []
    for k in range(prof.est.size):
        lows.append(prof.end(k, -zcrit))
        highs.append(prof.end(k, zcrit))
    return labels.assign(estimate=prof.est, lower=lows, upper=highs)


class Profile:
    """The deviance over psi (``est`` at the optimum, in :func:`profile_intervals`'s order) and
    its profiles."""

    def __init__(self, space: ProfileSpace, est: np.ndarray) -> None:
        self.space = space
        prob = space.problem
        self.q = prob.q
        self.n_corr = self.q * (self.q - 1) // 2
        self.has_ar = prob.has_ar
        self.est = est
        self.a_z_inv = np.linalg.inv(space.scale.a_z)
        self.kind = (
            ["sd"] * self.q + ["corr"] * self.n_corr + ["sd"] + (["phi"] if self.has_ar else [])
        )
        self.d_min = self.deviance(est)

    # ----------------------------------------------------------- psi <-> unconstrained u
    def _to_u(self, psi: np.ndarray) -> np.ndarray:
        u = np.empty_like(psi)
        for i, (kind, v) in enumerate(zip(self.kind, psi, strict=True)):
            if kind == "sd":
                u[i] = np.log(max(v, 1e-300))
            elif kind == "phi" and self.space.phi_min == 0.0:
                u[i] = np.arctanh(2.0 * np.clip(v, 0.0, _EDGE) - 1.0)
            else:
                u[i] = np.arctanh(np.clip(v, -_EDGE, _EDGE))
        return u

    def _to_psi(self, u: np.ndarray) -> np.ndarray:
        psi = np.empty_like(u)
        for i, (kind, v) in enumerate(zip(self.kind, u, strict=True)):
            if kind == "sd":
                psi[i] = np.exp(v)
            elif kind == "phi" and self.space.phi_min == 0.0:
                psi[i] = 0.5 * (np.tanh(v) + 1.0)
            else:
                psi[i] = np.tanh(v)
        return psi

    # ----------------------------------------------------------- the deviance
    def deviance(self, psi: np.ndarray) -> float:
        """Deviance at psi (beta profiled), inf where psi is not a valid covariance."""
        q, prob, scale = self.q, self.space.problem, self.space.scale
        sd = psi[:q]
        corr = np.eye(q)
        corr[np.tril_indices(q, -1)] = psi[q : q + self.n_corr]
        corr = corr + np.tril(corr, -1).T
        sigma = psi[q + self.n_corr]
        phi = float(psi[-1]) if self.has_ar else 0.0
        if sigma <= 0.0 or np.any(sd < 0.0):
            return float("inf")
        rel = self.a_z_inv @ (corr * np.outer(sd, sd)) @ self.a_z_inv.T / sigma**2
        try:
            lam = np.linalg.cholesky(0.5 * (rel + rel.T)) if np.any(sd > 0) else np.zeros((q, q))
            ev = prob.evaluate(
                prob.theta_of(lam), phi, gradient=False, sigma2=(sigma / scale.y_scale) ** 2
            )
        except np.linalg.LinAlgError:
            return float("inf")
        return ev.deviance if np.isfinite(ev.deviance) else float("inf")

    def profile(self, k: int, value: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """The minimum deviance with psi_k = value over the other parameters (from ``start``)."""
        others = np.flatnonzero(np.arange(self.est.size) != k)

        def fun(u_others: np.ndarray) -> float:
            psi = self._to_psi(_insert(u_others, k, 0.0))
            psi[k] = value
            return self.deviance(psi)

        u0 = self._to_u(start)[others]
        if others.size == 0:
            return fun(u0), start
        res = optimize.minimize(fun, u0, method="BFGS", options={"gtol": 1e-9, "xrtol": 1e-12})
        best = self._to_psi(_insert(res.x, k, 0.0))
        best[k] = value
        return float(res.fun), best

    def signed_root(self, k: int, value: float) -> float:
        """``sign(value - estimate) sqrt(d_k(value) - d_min)``: the profile's z statistic."""
        dev, _ = self.profile(k, value, self.est)
        return float(np.sign(value - self.est[k]) * np.sqrt(max(dev - self.d_min, 0.0)))

    def end(self, k: int, z_target: float) -> float:
        """The value of psi_k where the signed root of the profile deviance is ``z_target``."""
        est = self.est[k]
        kind = self.kind[k]
        starts = {"": self.est}

        def signed_root(v: float) -> float:
            dev, best = self.profile(k, v, starts[""])
            starts[""] = best
            return float(np.sign(v - est) * np.sqrt(max(dev - self.d_min, 0.0)) - z_target)

        if kind == "sd":
            limit = 0.0 if z_target < 0 else np.inf
        elif kind == "phi" and z_target < 0:
            limit = max(self.space.phi_min, -_EDGE)
        else:
            limit = float(np.sign(z_target)) * _EDGE
        # Step outwards until the signed root passes the target (or the range ends).
        inner, step = est, 0.25 * max(abs(est), 1e-3) if kind == "sd" else 0.1
        for _ in range(60):
            outer = est + np.sign(z_target) * step
            if kind != "sd" or z_target < 0:
                outer = max(outer, limit) if z_target < 0 else min(outer, limit)
            f_outer = signed_root(outer)
            if np.isfinite(f_outer) and np.sign(f_outer) == np.sign(z_target):
                break
            if outer == limit:
                return float(limit)
            inner, step = outer, 2.0 * step
        else:
            return float("nan")  # pragma: no cover - the deviance grows without bound
        starts[""] = self.est
        return float(optimize.brentq(signed_root, inner, outer, xtol=1e-12, rtol=1e-12))


def _insert(values: np.ndarray, k: int, fill: float) -> np.ndarray:
    """``values`` with ``fill`` inserted at position ``k``."""
    return np.insert(np.asarray(values, dtype=float), k, fill)
