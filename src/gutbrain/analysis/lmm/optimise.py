"""Maximise the profiled likelihood over the relative covariance parameters (theta, phi).

Projected (modified) Newton steps with a Hessian from central differences of the analytic
gradient: with a handful of parameters (3 for a random intercept and slope, 4 with CAR(1)) each
Hessian costs 2n gradient evaluations and convergence is quadratic, so the optimum is reached to
~1e-10 relative accuracy in 5-10 steps. The Hessian at the optimum is kept for the Satterthwaite
degrees of freedom. If Newton does not converge, bounded quasi-Newton (scipy L-BFGS-B with the
analytic gradient) takes over and Newton polishes its answer.

Bounds, as in lme4: diagonal entries of Lambda are >= 0 (a zero is a singular fit), the
off-diagonal ones are free; phi is in [0, 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from gutbrain.analysis.lmm import kernels as kern
from gutbrain.analysis.lmm.likelihood import LikelihoodProblem
from gutbrain.errors import DesignError

__all__ = ["Convergence", "Optimum", "central_jacobian", "newton", "optimise"]

PHI_MAX = 1.0 - 1e-7
_AT_BOUND = 1e-10
# Starting values of phi: CAR(1) (phi >= 0), and the discrete AR(1), which may be negative.
_PHI_STARTS = {False: (0.2, 0.5, 0.8), True: (-0.4, 0.2, 0.5, 0.8)}
# Relative rounding level of the deviance: differences below it carry no information.
_F_NOISE = 1e-13


@dataclass(frozen=True)
class Convergence:
    """How the optimiser ended.

    Attributes
    ----------
    converged
        True when the projected gradient of the profiled deviance is below tolerance and the
        Hessian over the free parameters is positive definite.
    message
        How the Newton phase ended (and the L-BFGS-B fallback's message if it ran).
    iterations, evaluations
        Newton (plus any L-BFGS-B) iterations, and deviance evaluations including the
        finite-difference Hessians.
    max_abs_gradient
        Largest absolute projected gradient of the profiled deviance at the optimum.
    min_hessian_eigenvalue
        Smallest eigenvalue of the Hessian of the profiled deviance over free parameters.
    boundary
        Covariance parameters that ended on a bound: ``theta[i]`` (a zero diagonal entry of
        the internal relative Cholesky factor, i.e. a rank-deficient random-effect covariance:
        a *singular* fit, as lme4 calls it), ``phi`` (phi = 0) or ``phi=1``.
    """

    converged: bool
    message: str
    iterations: int
    evaluations: int
    max_abs_gradient: float
    min_hessian_eigenvalue: float
    boundary: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "converged": self.converged,
            "message": self.message,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "max_abs_gradient": self.max_abs_gradient,
            "min_hessian_eigenvalue": self.min_hessian_eigenvalue,
            "boundary": list(self.boundary),
        }


@dataclass(frozen=True)
class Optimum:
    """The optimiser's answer: parameters, gradient, Hessian over free parameters, report."""

    x: np.ndarray
    gradient: np.ndarray
    free: np.ndarray
    hessian: np.ndarray
    convergence: Convergence


def bounds_of(prob: LikelihoodProblem) -> tuple[np.ndarray, np.ndarray]:
    diag = prob.theta_is_diag()
    lower = np.where(diag, 0.0, -np.inf)
    upper = np.full(diag.size, np.inf)
    if prob.has_ar:
        lower = np.append(lower, -PHI_MAX if prob.discrete else 0.0)
        upper = np.append(upper, PHI_MAX)
    return lower, upper


def central_jacobian(
    func: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    rel_step: float = 3e-5,
) -> np.ndarray:
    """Jacobian by central differences (one-sided next to a bound), columns per parameter.

    For an analytic gradient the truncation error is O(h^2) ~ 1e-9 relative.
    """
    f0: np.ndarray | None = None
    cols = []
    for j in range(x.size):
        h = rel_step * max(1.0, abs(x[j]))
        if x[j] - h >= lower[j] and x[j] + h <= upper[j]:
            xp, xm = x.copy(), x.copy()
            xp[j] += h
            xm[j] -= h
            cols.append((np.asarray(func(xp)) - np.asarray(func(xm))) / (2 * h))
        else:
            if f0 is None:
                f0 = np.asarray(func(x))
            sign = 1.0 if x[j] + h <= upper[j] else -1.0
            xp = x.copy()
            xp[j] += sign * h
            xpp = x.copy()
            xpp[j] += 2 * sign * h
            # Second-order one-sided difference.
            cols.append(
                (-3.0 * f0 + 4.0 * np.asarray(func(xp)) - np.asarray(func(xpp))) / (2 * sign * h)
            )
    return np.column_stack([np.atleast_1d(c) for c in cols])


def moment_start(prob: LikelihoodProblem) -> np.ndarray | None:
    """Method-of-moments theta: per-group OLS of pooled-OLS residuals on Z.

    ``D = cov(b_i) - sigma_w^2 mean((Z_i'Z_i)^-1)`` (projected to positive definite) and
    ``sigma_w^2`` the pooled within-group residual variance; theta = chol(D / sigma_w^2). Ignores
    the AR term. Returns None when too few groups have more rows than random effects.
    """
    q, p = prob.q, prob.p
    cross = prob.cross if prob.cross.shape[0] else kern.cross_products(prob.data, prob.starts)
    tot = cross.sum(axis=0)
    xs, ys = slice(q, q + p), q + p
    try:
        beta = np.linalg.solve(tot[xs, xs], tot[xs, ys])
    except np.linalg.LinAlgError:
        return None
    pzz = cross[:, :q, :q]
    zr = cross[:, :q, ys] - cross[:, :q, xs] @ beta
    rr = (
        cross[:, ys, ys]
        - 2.0 * cross[:, xs, ys] @ beta
        + np.einsum("a,mab,b->m", beta, cross[:, xs, xs], beta)
    )
    ok = prob.group_sizes > q + 1
    if ok.sum() < max(3, q + 1):
        return None
    pzz, zr, rr, dfw = pzz[ok], zr[ok], rr[ok], prob.group_sizes[ok] - q
    eig_min = np.linalg.eigvalsh(pzz)[:, 0]
    good = eig_min > 1e-8 * np.abs(pzz).max()
    if good.sum() < max(3, q + 1):
        return None
    inv = np.linalg.inv(pzz[good])
    b = np.einsum("mij,mj->mi", inv, zr[good])
    ss = rr[good] - np.einsum("mi,mi->m", b, zr[good])
    sigma2 = float(np.sum(ss) / np.sum(dfw[good]))
    if not sigma2 > 0.0:
        return None
    d = np.atleast_2d(np.cov(b, rowvar=False)) - sigma2 * inv.mean(axis=0)
    d = 0.5 * (d + d.T) / sigma2
    w, v = np.linalg.eigh(d)
    w = np.maximum(w, 1e-2 * max(float(w.max()), 1e-2))  # an interior start, never singular
    lam = np.linalg.cholesky((v * w) @ v.T)
    return prob.theta_of(lam)


def _start(
    prob: LikelihoodProblem, fun: Callable[[np.ndarray], tuple[float, np.ndarray]]
) -> np.ndarray:
    """The moment estimate and a small grid over Lambda = c I (and phi); best deviance wins."""
    diag = prob.theta_is_diag()
    candidates = [np.where(diag, 1.0, 0.0)]
    moment = moment_start(prob)
    if moment is not None:
        candidates.insert(0, moment)
    best_dev, best_x = np.inf, None
    for theta in candidates:
        for phi in _PHI_STARTS[prob.discrete] if prob.has_ar else (0.0,):
            x = np.append(theta, phi) if prob.has_ar else theta
            dev = fun(x)[0]
            if np.isfinite(dev) and dev < best_dev:
                best_dev, best_x = dev, x
    if best_x is None:
        raise DesignError("lmm: the likelihood could not be evaluated at any starting value")
    return best_x


def _free(x: np.ndarray, g: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Parameters not held at a bound by a gradient pointing out of the feasible box."""
    at_lo = (x <= lower + _AT_BOUND) & (g > 0)
    at_hi = (x >= upper - _AT_BOUND) & (g < 0)
    return np.asarray(~(at_lo | at_hi))


@dataclass
class _NewtonState:
    x: np.ndarray
    f: float
    g: np.ndarray
    hess: np.ndarray
    free: np.ndarray
    converged: bool
    steps: int
    note: str


def newton(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    max_iter: int,
) -> _NewtonState:
    """Projected Newton with a finite-difference Hessian of the analytic gradient.

    The Hessian is computed by central differences at the start and BFGS-updated between
    steps; it is recomputed whenever the update is unreliable and always at the optimum, where
    convergence is declared only if the Hessian over the free parameters is positive definite
    and the exact Newton step is below 1e-10 relative. Negative curvature is flipped and tiny
    curvature floored (so every step is a descent direction); at a saddle the step also moves
    along the negative-curvature direction. Steps are capped at 1 in the internal
    parametrisation and projected onto the bounds, with backtracking until the deviance
    decreases.
    """

    def grad(v: np.ndarray) -> np.ndarray:
        return fun(v)[1]

    def fd_hessian(v: np.ndarray) -> np.ndarray:
        full = central_jacobian(grad, v, lower, upper)
        return np.asarray(0.5 * (full + full.T))

    fx, gx = fun(x)
    hess = np.zeros((0, 0))
    free = _free(x, gx, lower, upper)
    steps = 0
    approx: np.ndarray | None = None
    exact = False
    for _ in range(max_iter):
        free = _free(x, gx, lower, upper)
        if not free.any():
            return _NewtonState(x, fx, gx, np.zeros((0, 0)), free, True, steps, "all at bounds")
        if approx is None:
            approx = fd_hessian(x)
            exact = True
        hess = approx[np.ix_(free, free)]
        if not np.isfinite(hess).all():
            return _NewtonState(x, fx, gx, hess, free, False, steps, "non-finite Hessian")
        eigval, eigvec = np.linalg.eigh(hess)
        posdef = bool(eigval.min() > 0)
        floor = 1e-8 * max(1.0, float(np.abs(eigval).max()))
        step_f = -eigvec @ ((eigvec.T @ gx[free]) / np.maximum(np.abs(eigval), floor))
        if not posdef and exact:
            # At a saddle (e.g. a zero random-effect SD, where the deviance is even in it) the
            # gradient vanishes along the negative-curvature direction: move along it too,
            # into the feasible box and downhill.
            d = eigvec[:, 0].copy()
            if ((x[free] <= lower[free] + _AT_BOUND) & (d < 0)).any() or float(gx[free] @ d) > 0:
                d = -d
            step_f = step_f + 0.5 * d
        size = float(np.max(np.abs(step_f)))
        if size > 1.0:
            step_f /= size
        step = np.zeros_like(x)
        step[free] = step_f
        scale_x = 1.0 + float(np.max(np.abs(x)))
        if size < 1e-5 * scale_x:
            if not exact:
                approx = None  # finish with the exact Hessian
                continue
            if posdef:
                # In the quadratic basin: one exact Newton step leaves an error ~ size^2, below
                # what the deviance can resolve; take it and re-evaluate the Hessian there.
                xn = np.clip(x + step, lower, upper)
                fn, gn = fun(xn)
                if fn <= fx + _F_NOISE * (1.0 + abs(fx)):
                    x, fx, gx = xn, fn, gn
                    steps += 1
                free_n = _free(x, gx, lower, upper)
                # The Hessian is reused if the step was too small to change it beyond ~1e-8.
                if size > 1e-8 * scale_x or (free_n != free).any():
                    free = free_n
                    hess = fd_hessian(x)[np.ix_(free, free)] if free.any() else np.zeros((0, 0))
                return _NewtonState(x, fx, gx, hess, free, True, steps, "converged")
        t = 1.0
        accepted = False
        for _ls in range(40):
            xn = np.clip(x + t * step, lower, upper)
            fn, gn = fun(xn)
            if fn < fx:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            if not exact:
                approx = None
                continue
            # No decrease at all along a descent direction: the deviance is flat to rounding.
            ok = posdef and size < 1e-6 * (1.0 + float(np.max(np.abs(x))))
            return _NewtonState(x, fx, gx, hess, free, ok, steps, "no further decrease")
        sv, yv = xn - x, gn - gx
        sy = float(sv @ yv)
        bs = approx @ sv
        sbs = float(sv @ bs)
        # Near an exact fit the gradient grows without bound and the norms overflow to inf;
        # the curvature test then fails and the exact Hessian is recomputed, as it should be.
        with np.errstate(over="ignore"):
            scale_sy = float(np.linalg.norm(sv) * np.linalg.norm(yv))
        if sy > 1e-10 * scale_sy and sbs > 0:
            approx = approx - np.outer(bs, bs) / sbs + np.outer(yv, yv) / sy
            exact = False
        else:
            approx = None
        x, fx, gx = xn, fn, gn
        steps += 1
    return _NewtonState(x, fx, gx, hess, free, False, steps, "iteration limit")


def optimise(prob: LikelihoodProblem, start: np.ndarray | None = None) -> Optimum:
    """Minimise the profiled deviance of ``prob``; see the module docstring.

    ``start``, if given and the deviance is finite there, is the starting point (theta, then phi
    with AR(1)) instead of the default ones, for example the optimum of a closely related fit.
    """
    nt = prob.n_theta
    lower, upper = bounds_of(prob)
    evals = 0

    seen: dict[bytes, tuple[float, np.ndarray]] = {}

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal evals
        key = x.tobytes()
        if key in seen:  # the start point and re-tried points are not evaluated twice
            return seen[key]
        evals += 1
        try:
            ev = prob.evaluate(*prob.split(x))
        except np.linalg.LinAlgError:
            return float("inf"), np.full_like(x, np.nan)
        assert ev.gradient is not None  # evaluate(gradient=True) always returns one
        if len(seen) > 64:
            seen.clear()
        seen[key] = (ev.deviance, ev.gradient)
        return seen[key]

    x0 = None if start is None else np.clip(np.asarray(start, dtype=float), lower, upper)
    if x0 is None or not np.isfinite(fun(x0)[0]):
        x0 = _start(prob, fun)
    scale = max(1.0, float(prob.n_eff))
    state = newton(fun, x0, lower, upper, max_iter=40)
    notes = [f"Newton: {state.note} after {state.steps} step(s)"]
    iterations = state.steps
    if not state.converged:
        # Fall back on bounded quasi-Newton from the start, then polish.
        res = optimize.minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[
                (None if np.isinf(lo) else float(lo), None if np.isinf(hi) else float(hi))
                for lo, hi in zip(lower, upper, strict=True)
            ],
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9 * scale, "maxcor": 20},
        )
        notes.append(f"L-BFGS-B: {res.message}")
        x1 = np.clip(np.asarray(res.x, dtype=float), lower, upper)
        state = newton(fun, x1, lower, upper, max_iter=8)
        notes.append(f"Newton polish: {state.note} after {state.steps} step(s)")
        iterations += int(res.nit) + state.steps
    x, fx, gx, hess, free = state.x, state.f, state.g, state.hess, state.free
    max_grad = float(np.max(np.abs(gx[free]))) if free.any() else 0.0
    min_eig = float(np.linalg.eigvalsh(hess).min()) if hess.size else float("nan")
    boundary = []
    diag = prob.theta_is_diag()
    for i in range(nt):
        if diag[i] and x[i] <= _AT_BOUND:
            boundary.append(f"theta[{i}]")
    if prob.has_ar and not prob.discrete and x[nt] <= _AT_BOUND:
        boundary.append("phi")
    if prob.has_ar and prob.discrete and x[nt] <= -PHI_MAX + _AT_BOUND:
        boundary.append("phi=-1")
    if prob.has_ar and x[nt] >= PHI_MAX - _AT_BOUND:
        boundary.append("phi=1")
    converged = bool(
        np.isfinite(fx)
        and max_grad < 1e-6 * scale
        and (not free.any() or (np.isfinite(min_eig) and min_eig > 0))
    )
    conv = Convergence(
        converged=converged,
        message="; ".join(notes),
        iterations=iterations,
        evaluations=evals,
        max_abs_gradient=max_grad,
        min_hessian_eigenvalue=min_eig,
        boundary=tuple(boundary),
    )
    return Optimum(x=x, gradient=gx, free=free, hessian=hess, convergence=conv)
