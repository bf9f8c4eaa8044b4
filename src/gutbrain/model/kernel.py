"""The compiled batch kernel: integrates many people in parallel (numba ``prange``).

One person's loop lives inside; people are independent, so the result for a person does not
depend on the batch, the chunking or the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from gutbrain.model._jit_cache import FASTMATH
from gutbrain.model.derived import derived_constants
from gutbrain.model.dynamics import advance_probiotic_response, response_step_factors, rhs_c
from gutbrain.model.exposures import N_EXPOSURES, E
from gutbrain.model.parameters import P
from gutbrain.model.scheme import heun_correct, heun_predict
from gutbrain.model.states import (
    FIRST_GUILD,
    N_AUX,
    N_GUILDS,
    N_RESIDENT_GUILDS,
    N_STATES,
    STATES,
    Projection,
    S,
)

__all__ = ["fill_by_person", "integrate_batch"]

# Channels multiplied by a person's daily adherence (what is actually taken).
ADHERENCE_CHANNELS = np.zeros(N_EXPOSURES, dtype=np.bool_)
for _c in (E.probiotic_intake, E.prebiotic_g, E.ssri_dose):
    ADHERENCE_CHANNELS[_c] = True

_FIRST_DONOR = int(E.donor_butyrate_producers)

# The projection, derived from the state declarations (gutbrain.model.states.STATES) as
# constants that numba freezes into the kernel: the states clipped to [lower, upper], those with
# a floor only (infinite upper), and the bounds themselves.
_CLIPPED = tuple(
    int(S[s.name]) for s in STATES if s.projection is Projection.BOUNDS and math.isfinite(s.upper)
)
_FLOORED = tuple(
    int(S[s.name])
    for s in STATES
    if s.projection is Projection.BOUNDS and not math.isfinite(s.upper)
)
_LOWER = np.array([s.lower for s in STATES])
_UPPER = np.array([s.upper for s in STATES])


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _project(y: np.ndarray) -> None:
    """Keep guilds on the simplex and bounded states in range after a step."""
    tot = 0.0
    for j in range(FIRST_GUILD, FIRST_GUILD + N_GUILDS):
        if y[j] < 0.0:
            y[j] = 0.0
        tot += y[j]
    inv = 1.0 / tot
    for j in range(FIRST_GUILD, FIRST_GUILD + N_GUILDS):
        y[j] *= inv
    for j in _CLIPPED:
        if y[j] < _LOWER[j]:
            y[j] = _LOWER[j]
        elif y[j] > _UPPER[j]:
            y[j] = _UPPER[j]
    for j in _FLOORED:
        if y[j] < _LOWER[j]:
            y[j] = _LOWER[j]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def _fmt(y: np.ndarray, e: np.ndarray) -> None:
    """FMT moves the resident guilds and diversity towards the donor's by the engraftment."""
    f = e[E.fmt_fraction]
    for k in range(N_RESIDENT_GUILDS):
        y[FIRST_GUILD + k] = (1.0 - f) * y[FIRST_GUILD + k] + f * e[_FIRST_DONOR + k] * (
            1.0 - y[S.probiotic]
        )
    y[S.diversity] = (1.0 - f) * y[S.diversity] + f * e[E.donor_diversity]
    y[S.taxa_pool] = (1.0 - f) * y[S.taxa_pool] + f * e[E.donor_diversity]


@njit(cache=True, parallel=True)
def fill_by_person(out: np.ndarray, value: float) -> None:
    """Fill ``out`` with ``value``, its first axis (people) spread over the threads.

    Gives a fresh output array its memory before the kernel writes to it. Measured on the
    2-core development machine for 10,000 people x 365 days (1.3 GB of states and quasi-steady
    quantities), allocating the outputs and running the kernel chunk by chunk as ``simulate``
    does, best of 3: 2.0 s when the kernel's threads touched the fresh pages first, 2.0 s after
    a single-threaded ``np.full``, 1.65 s after this fill; with noise and life events 4.3, 3.5
    and 3.2 s. In ``benchmarks/bench_model.py`` the deterministic figure moved within the
    machine's noise and the noisy one rose from 0.88 to 1.36 million person-days/s.
    """
    for i in prange(out.shape[0]):
        out[i] = value


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def integrate_batch(
    y0: np.ndarray,
    params: np.ndarray,
    schedules: np.ndarray,
    group: np.ndarray,
    extra_stress: np.ndarray,
    adherence: np.ndarray,
    noise: np.ndarray,
    substeps: int,
    out_states: np.ndarray,
    out_aux: np.ndarray,
) -> None:
    """Integrate ``n`` people over ``n_days``; write daily states and quasi-steady quantities.

    Parameters
    ----------
    y0 : (n, N_STATES) initial states.
    params : (n, N_PARAMS) per-person parameters.
    schedules : (g, n_days, N_EXPOSURES) distinct exposure schedules (e.g. trial arms).
    group : (n,) which schedule each person follows.
    extra_stress : (n, n_days) person-specific stressors (life events), added to ``stress``.
    adherence : (n, n_days) fraction of the scheduled dose taken (probiotic, prebiotic, SSRI).
    noise : (n, n_days * substeps, 3) standard normals for NA, PA and hassles; an array with
        zero steps means deterministic.
    substeps : Heun steps per day (dt = 1 / substeps days).
    out_states : (n, n_days, N_STATES) state at the start of each day (after any FMT).
    out_aux : (n, n_days, N_AUX) quasi-steady quantities at the start of each day.
    """
    n = y0.shape[0]
    n_days = schedules.shape[1]
    dt = 1.0 / substeps
    sqdt = math.sqrt(dt)
    noisy = noise.shape[1] > 0
    for i in prange(n):
        y = y0[i].copy()
        p = params[i]
        e = np.empty(N_EXPOSURES)
        k1 = np.empty(N_STATES)
        k2 = np.empty(N_STATES)
        yp = np.empty(N_STATES)
        aux = np.empty(N_AUX)
        aux2 = np.empty(N_AUX)
        c = derived_constants(p)
        factors = response_step_factors(p, dt)
        s_na = p[P.sigma_na] * sqdt
        s_pa = p[P.sigma_pa] * sqdt
        s_h = p[P.sigma_hassles] * sqdt
        step = 0
        for d in range(n_days):
            sched = schedules[group[i], d]
            a = adherence[i, d]
            for ch in range(N_EXPOSURES):
                e[ch] = sched[ch] * a if ADHERENCE_CHANNELS[ch] else sched[ch]
            e[E.stress] += extra_stress[i, d]
            if e[E.fmt_fraction] > 0.0:
                _fmt(y, e)
            t = float(d)
            rhs_c(t, y, e, p, c, k1, aux)
            for j in range(N_STATES):
                out_states[i, d, j] = y[j]
            for j in range(N_AUX):
                out_aux[i, d, j] = aux[j]
            for s in range(substeps):
                if s > 0:
                    rhs_c(t, y, e, p, c, k1, aux)
                heun_predict(y, k1, dt, yp)
                rhs_c(t + dt, yp, e, p, c, k2, aux2)
                advance_probiotic_response(y, k1, k2, c, factors, dt)
                heun_correct(y, k1, k2, dt)
                if noisy:
                    y[S.eta_na] += s_na * noise[i, step, 0]
                    y[S.eta_pa] += s_pa * noise[i, step, 1]
                    y[S.hassles] += s_h * noise[i, step, 2]
                _project(y)
                step += 1
                t += dt
