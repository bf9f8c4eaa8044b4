"""The deterministic steady state by Newton's method, batched over people.

A person living one day's exposures for ever settles where the right-hand side
(:func:`gutbrain.model.dynamics.rhs_c`) vanishes. Newton's method finds that zero in a few
iterations, each with a forward-difference Jacobian (one right-hand side per state), instead of
the thousands of right-hand sides of a 730-day integration.

The guilds live on the simplex: their replicator slopes sum to zero there, so their Jacobian is
singular across it. The first guild's equation is replaced by the constraint ``sum(guilds) = 1``,
which every Newton step then keeps (it is linear).

The caller (:func:`gutbrain.model.simulate.steady_state`) starts Newton from an integration
(day 180, then day 365) and keeps a solution only where it is certified: inside the states'
bounds, linearly stable (:func:`growth_rate`) and already close to the integrated state, so it is
where the spin-up goes, on its branch of a bistable system; it spins up the rest the old way.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange
from scipy.linalg import helmert

from gutbrain.model._jit_cache import FASTMATH, read_only
from gutbrain.model.derived import derived_constants
from gutbrain.model.dynamics import rhs, rhs_c
from gutbrain.model.states import FIRST_GUILD, N_AUX, N_GUILDS, N_STATES

__all__ = ["GAP_FLOOR", "RESIDUAL_TOL", "growth_rate", "max_rates", "newton_steady_state"]

#: The largest ``|dy/dt|`` (per day, in each state's unit) a steady state may keep.
RESIDUAL_TOL = 1e-12
_MAX_ITERATIONS = 40
_MAX_HALVINGS = 30
_FD_STEP = 1e-8  # forward-difference step, relative to max(|y_j|, 1)
#: Gaps between states are relative to ``max(|y|, GAP_FLOOR)``: absolute for states near zero.
GAP_FLOOR = 1e-3


@njit(cache=True, fastmath=FASTMATH)
def _residual(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    f: np.ndarray,
    aux: np.ndarray,
    constrained: bool,
) -> float:
    """``f`` = the right-hand side, with the first guild's row replaced by ``sum(guilds) - 1``
    when ``constrained``; returns the sum of squares of ``f``."""
    rhs_c(0.0, y, e, p, c, f, aux)
    if constrained:
        total = 0.0
        for j in range(FIRST_GUILD, FIRST_GUILD + N_GUILDS):
            total += y[j]
        f[FIRST_GUILD] = total - 1.0
    ss = 0.0
    for j in range(N_STATES):
        ss += f[j] * f[j]
    return ss


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _jacobian(
    y: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    c: np.ndarray,
    f: np.ndarray,
    f2: np.ndarray,
    aux: np.ndarray,
    jac: np.ndarray,
    constrained: bool,
) -> None:
    """``jac`` = the forward-difference Jacobian of :func:`_residual` at ``y``, where it is
    ``f``; ``f2`` and ``aux`` are work arrays."""
    for k in range(N_STATES):
        h = _FD_STEP * max(abs(y[k]), 1.0)
        yk = y[k]
        y[k] = yk + h
        _residual(y, e, p, c, f2, aux, constrained)
        y[k] = yk
        for j in range(N_STATES):
            jac[j, k] = (f2[j] - f[j]) / h


@njit(cache=True, inline="always")
def _solve(a: np.ndarray, b: np.ndarray) -> bool:
    """Solve ``a x = b`` in place (``b`` receives ``x``) by Gaussian elimination with partial
    pivoting; False if ``a`` is singular to working precision."""
    n = b.shape[0]
    for k in range(n):
        piv = k
        big = abs(a[k, k])
        for r in range(k + 1, n):
            if abs(a[r, k]) > big:
                big = abs(a[r, k])
                piv = r
        if not big > 1e-300:
            return False
        if piv != k:
            for col in range(n):
                a[k, col], a[piv, col] = a[piv, col], a[k, col]
            b[k], b[piv] = b[piv], b[k]
        inv = 1.0 / a[k, k]
        for r in range(k + 1, n):
            m = a[r, k] * inv
            if m != 0.0:
                for col in range(k + 1, n):
                    a[r, col] -= m * a[k, col]
                b[r] -= m * b[k]
    for k in range(n - 1, -1, -1):
        s = b[k]
        for col in range(k + 1, n):
            s -= a[k, col] * b[col]
        b[k] = s / a[k, k]
    return True


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def _newton_batch(
    y_start: np.ndarray,
    params: np.ndarray,
    e: np.ndarray,
    out: np.ndarray,
    ok: np.ndarray,
    residual: np.ndarray,
    max_step: float,
) -> None:
    """Newton's method for each person from ``y_start``: ``out`` the solution, ``ok`` whether
    it converged (without a full step larger than ``max_step``, relative to
    ``max(|y|, GAP_FLOOR)``), ``residual`` the largest ``|dy/dt|`` there (and
    ``|sum(guilds) - 1|``)."""
    n = y_start.shape[0]
    for i in prange(n):
        p = params[i]
        c = derived_constants(p)
        y = y_start[i].copy()
        f = np.empty(N_STATES)
        f2 = np.empty(N_STATES)
        aux = np.empty(N_AUX)
        jac = np.empty((N_STATES, N_STATES))
        step = np.empty(N_STATES)
        trial = np.empty(N_STATES)
        ss = _residual(y, e, p, c, f, aux, True)
        converged = False
        for _ in range(_MAX_ITERATIONS):
            worst = 0.0
            for j in range(N_STATES):
                worst = max(worst, abs(f[j]))
            if worst <= RESIDUAL_TOL:
                converged = True
                break
            if not np.isfinite(ss):
                break
            _jacobian(y, e, p, c, f, f2, aux, jac, True)
            for j in range(N_STATES):
                step[j] = -f[j]
            if not _solve(jac, step):
                break
            big = 0.0
            for j in range(N_STATES):
                big = max(big, abs(step[j]) / max(abs(y[j]), GAP_FLOOR))
            if big > max_step:
                break
            # backtracking on the sum of squares keeps a step from overshooting into another
            # basin or out of the states' domain
            lam = 1.0
            accepted = False
            for _h in range(_MAX_HALVINGS):
                for j in range(N_STATES):
                    trial[j] = y[j] + lam * step[j]
                ss_new = _residual(trial, e, p, c, f2, aux, True)
                if ss_new < ss:
                    accepted = True
                    break
                lam *= 0.5
            if not accepted:
                break
            for j in range(N_STATES):
                y[j] = trial[j]
                f[j] = f2[j]
            ss = ss_new
        rhs(0.0, y, e, p, f, aux)
        total = 0.0
        worst = 0.0
        for j in range(N_STATES):
            worst = max(worst, abs(f[j]))
        for j in range(FIRST_GUILD, FIRST_GUILD + N_GUILDS):
            total += y[j]
        worst = max(worst, abs(total - 1.0))
        out[i] = y
        residual[i] = worst
        ok[i] = converged and worst <= RESIDUAL_TOL


def newton_steady_state(
    params: np.ndarray, exposures: np.ndarray, y_start: np.ndarray, max_step: float = math.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each person's steady state under constant ``exposures`` by Newton's method.

    Parameters
    ----------
    params : (n, N_PARAMS) per-person parameters.
    exposures : (N_EXPOSURES,) the exposures lived throughout.
    y_start : (n, N_STATES) where Newton starts (e.g. after a short integration).
    max_step : give up (not converged) when a full Newton step would move a state by more than
        this, relative to ``max(|y|, GAP_FLOOR)``: saves the iterations of a person who must
        be within that of the solution to be accepted.

    Returns
    -------
    (states, converged, residual): the solutions, whether each converged (every ``|dy/dt|`` and
    ``|sum(guilds) - 1|`` within :data:`RESIDUAL_TOL`) and the largest of those at each.
    """
    n = y_start.shape[0]
    out = np.empty((n, N_STATES))
    ok = np.zeros(n, dtype=np.bool_)
    residual = np.empty(n)
    _newton_batch(
        np.ascontiguousarray(y_start, dtype=np.float64),
        read_only(params),
        np.ascontiguousarray(exposures, dtype=np.float64),
        out,
        ok,
        residual,
        float(max_step),
    )
    return out, ok, residual


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def _flow_jacobians(y: np.ndarray, params: np.ndarray, e: np.ndarray, out: np.ndarray) -> None:
    """``out[i]`` = the forward-difference Jacobian of the right-hand side at ``y[i]``."""
    for i in prange(y.shape[0]):
        yi, f, aux = y[i].copy(), np.empty(N_STATES), np.empty(N_AUX)
        c = derived_constants(params[i])
        _residual(yi, e, params[i], c, f, aux, False)
        _jacobian(yi, e, params[i], c, f, np.empty(N_STATES), aux, out[i], False)


_GUILD = np.zeros(N_STATES, dtype=np.bool_)
_GUILD[FIRST_GUILD : FIRST_GUILD + N_GUILDS] = True


def _free_directions(held: np.ndarray) -> np.ndarray:
    """An orthonormal basis (states x directions) of the moves that leave the ``held`` states
    alone and keep ``sum(guilds)`` fixed: every other non-guild state's axis, and for the other
    guilds the columns of Helmert's matrix (orthonormal, each summing to zero)."""
    axes = np.eye(N_STATES)[:, ~held & ~_GUILD]
    guilds = np.flatnonzero(~held & _GUILD)
    within = np.zeros((N_STATES, max(guilds.size - 1, 0)))
    if guilds.size > 1:
        within[guilds] = helmert(guilds.size).T
    return np.hstack([axes, within])


def growth_rate(
    y: np.ndarray, params: np.ndarray, exposures: np.ndarray, held: np.ndarray | None = None
) -> np.ndarray:
    """Per person, the largest real part of the eigenvalues of the right-hand side's Jacobian at
    ``y`` (people x states) under one day's ``exposures``, for the moves the integration can
    make: along the guilds' simplex (the direction off it is projected away) and leaving alone
    the states ``held`` (people x states, e.g. a guild at exactly zero, which stays there, or a
    state the projection keeps at a bound). Negative where ``y`` is a linearly stable fixed
    point, so a trajectory close enough to it converges to it (per day)."""
    n = y.shape[0]
    held = np.zeros((n, N_STATES), dtype=np.bool_) if held is None else held
    jac = np.empty((n, N_STATES, N_STATES))
    out = np.empty(n)
    if not n:
        return out
    _flow_jacobians(
        np.ascontiguousarray(y, dtype=np.float64),
        read_only(params),
        np.ascontiguousarray(exposures, dtype=np.float64),
        jac,
    )
    patterns, which = np.unique(held, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        who = np.flatnonzero(which.ravel() == k)
        q = _free_directions(pattern)
        out[who] = np.linalg.eigvals(q.T @ jac[who] @ q).real.max(axis=1, initial=-np.inf)
    return out


def max_rates(y: np.ndarray, params: np.ndarray, exposures: np.ndarray) -> np.ndarray:
    """Per person, the largest ``|dy/dt|`` of the full right-hand side at ``y`` (people x states)
    under one day's ``exposures``: an independent check of a steady state, for tests and the
    committed 10,000-person check (a plain loop over people; not for hot paths)."""
    f, aux = np.empty(N_STATES), np.empty(N_AUX)
    out = np.empty(len(y))
    for i in range(len(y)):
        rhs(0.0, y[i], exposures, params[i], f, aux)
        out[i] = np.abs(f).max()
    return out
