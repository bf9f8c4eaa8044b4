"""The integration scheme: Heun's method (explicit trapezoid) with additive Euler-Maruyama noise.

These stage functions are shared by the model kernel and by the convergence-order test, so the
test exercises exactly the arithmetic the model uses. For additive noise, Heun's drift with
Euler-Maruyama increments (``sigma * sqrt(dt) * xi``) has strong order 1 and, without noise,
order 2 (Kloeden & Platen 1992, section 11.1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gutbrain.model._jit_cache import FASTMATH

__all__ = ["heun_correct", "heun_predict"]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def heun_predict(y: np.ndarray, k1: np.ndarray, dt: float, out: np.ndarray) -> None:
    """Euler predictor ``out = y + dt k1``."""
    for j in range(y.shape[0]):
        out[j] = y[j] + dt * k1[j]


@njit(cache=True, inline="always", fastmath=FASTMATH)
def heun_correct(y: np.ndarray, k1: np.ndarray, k2: np.ndarray, dt: float) -> None:
    """Trapezoidal corrector ``y += dt (k1 + k2) / 2``, in place."""
    h = 0.5 * dt
    for j in range(y.shape[0]):
        y[j] += h * (k1[j] + k2[j])
