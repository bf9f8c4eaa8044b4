"""Compiled (numba) per-group loops behind :mod:`gutbrain.analysis.lmm.likelihood`.

Each kernel is a plain loop over groups or rows with small dense algebra (q x q Cholesky, q is
the number of random effects, usually 1 or 2), so one likelihood evaluation costs O(N k^2) for
the CAR(1) whitening and O(m q^2 k) for the Woodbury terms, with no per-call numpy overhead.
The equations are documented in :mod:`gutbrain.analysis.lmm.likelihood`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["cross_products", "grad_pass", "phi_gradient", "schur_pass", "whiten_cross"]


@njit(cache=True, error_model="numpy")
def cross_products(data: np.ndarray, starts: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Per-group A_i' A_i for row-major data (N, k); groups are row ranges ``starts``."""
    m = starts.size - 1
    k = data.shape[1]
    out = np.zeros((m, k, k))
    acc = np.zeros((k, k))
    for g in range(m):
        acc[:, :] = 0.0
        for r in range(starts[g], starts[g + 1]):
            for a in range(k):
                va = data[r, a]
                for b in range(a + 1):
                    acc[a, b] += va * data[r, b]
        for a in range(k):
            for b in range(a + 1):
                out[g, a, b] = acc[a, b]
                out[g, b, a] = acc[a, b]
    return out


@njit(cache=True, error_model="numpy")
def whiten_cross(
    data: np.ndarray, gaps: np.ndarray, starts: np.ndarray, phi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:  # pragma: no cover
    """CAR(1)-whiten every group's rows and form per-group cross-products.

    Row j of a group (j > 0) becomes ``(a_j - rho_j a_{j-1}) / sqrt(1 - rho_j^2)`` with
    ``rho_j = phi ** gap_j``; the first row is unchanged. Returns the whitened rows, their
    derivative in phi, the cross-products, sum log|R_i| and its derivative in phi.
    """
    n, k = data.shape
    m = starts.size - 1
    aw = np.empty((n, k))
    daw = np.zeros((n, k))
    cross = np.zeros((m, k, k))
    acc = np.zeros((k, k))
    logdet = 0.0
    dlogdet = 0.0
    # Gaps repeat (mostly 1 day), so cache the last gap's rho and its derived factors.
    last_d = -1.0
    rho = drho = s = inv_s = lds2 = dlds = 0.0
    for g in range(m):
        s0 = starts[g]
        acc[:, :] = 0.0
        for r in range(s0, starts[g + 1]):
            if r == s0:
                for a in range(k):
                    aw[r, a] = data[r, a]
            else:
                d = gaps[r]
                if d != last_d:
                    last_d = d
                    if phi != 0.0:  # phi < 0 only for the discrete AR(1), integer gaps
                        rho = phi**d
                        drho = d * phi ** (d - 1.0)
                    else:
                        rho = 0.0
                        drho = 1.0 if d == 1.0 else 0.0
                    s2 = 1.0 - rho * rho
                    s = np.sqrt(s2)
                    inv_s = 1.0 / s
                    lds2 = np.log(s2)
                    dlds = -2.0 * rho / s2 * drho
                logdet += lds2
                dlogdet += dlds
                for a in range(k):
                    prev = data[r - 1, a]
                    wv = (data[r, a] - rho * prev) * inv_s
                    aw[r, a] = wv
                    daw[r, a] = (-prev + rho * wv * inv_s) * inv_s * drho
            for a in range(k):
                va = aw[r, a]
                for b in range(a + 1):
                    acc[a, b] += va * aw[r, b]
        for a in range(k):
            for b in range(a + 1):
                cross[g, a, b] = acc[a, b]
                cross[g, b, a] = acc[a, b]
    return aw, daw, cross, logdet, dlogdet


@njit(cache=True, error_model="numpy")
def _chol_inv_into(
    mat: np.ndarray, inv: np.ndarray, low: np.ndarray, linv: np.ndarray
) -> tuple[float, bool]:  # pragma: no cover
    """Inverse (written into ``inv``) and log-determinant of a small SPD matrix by Cholesky.

    ``low`` and ``linv`` are work arrays of the same shape. Returns (logdet, ok); ok is False
    if the matrix is not numerically positive definite.
    """
    q = mat.shape[0]
    if q == 1:
        if not mat[0, 0] > 0.0:
            return 0.0, False
        inv[0, 0] = 1.0 / mat[0, 0]
        return np.log(mat[0, 0]), True
    if q == 2:
        det = mat[0, 0] * mat[1, 1] - mat[0, 1] * mat[1, 0]
        if not (mat[0, 0] > 0.0 and det > 0.0):
            return 0.0, False
        inv[0, 0] = mat[1, 1] / det
        inv[1, 1] = mat[0, 0] / det
        inv[0, 1] = -mat[0, 1] / det
        inv[1, 0] = inv[0, 1]
        return np.log(det), True
    logdet = 0.0
    for j in range(q):
        s = mat[j, j]
        for t in range(j):
            s -= low[j, t] * low[j, t]
        if not s > 0.0:
            return 0.0, False
        ljj = np.sqrt(s)
        low[j, j] = ljj
        logdet += 2.0 * np.log(ljj)
        for i in range(j + 1, q):
            s = mat[i, j]
            for t in range(j):
                s -= low[i, t] * low[j, t]
            low[i, j] = s / ljj
    # inverse of the lower factor, then inv = Linv' Linv
    for j in range(q):
        linv[j, j] = 1.0 / low[j, j]
        for i in range(j + 1, q):
            s = 0.0
            for t in range(j, i):
                s -= low[i, t] * linv[t, j]
            linv[i, j] = s / low[i, i]
        for i in range(j):
            linv[i, j] = 0.0
    for i in range(q):
        for j in range(i + 1):
            s = 0.0
            for t in range(i, q):
                s += linv[t, i] * linv[t, j]
            inv[i, j] = s
            inv[j, i] = s
    return logdet, True


@njit(cache=True, error_model="numpy")
def _chol_inv(mat: np.ndarray) -> tuple[np.ndarray, float, bool]:  # pragma: no cover
    """Allocating wrapper of :func:`_chol_inv_into`."""
    q = mat.shape[0]
    inv = np.zeros((q, q))
    logdet, ok = _chol_inv_into(mat, inv, np.zeros((q, q)), np.zeros((q, q)))
    return inv, logdet, ok


@njit(cache=True, error_model="numpy")
def schur_pass(
    cross: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, bool]:  # pragma: no cover
    """Per group: M_i = I + L' Pzz L, M_i^-1, K_i = M_i^-1 L' Pzw; sums log|M_i| and Q.

    Q = sum_i (Pww_i - U_i' K_i) with U_i = L' Pzw_i is [X y]' Sigma^-1 [X y].
    """
    m, k, _ = cross.shape
    q = lam.shape[0]
    w = k - q
    minv = np.empty((m, q, q))
    kmat = np.empty((m, q, w))
    qtot = np.zeros((w, w))
    logdet = 0.0
    mm = np.empty((q, q))
    pl = np.empty((q, q))
    u = np.empty((q, w))
    low = np.zeros((q, q))
    linv = np.zeros((q, q))
    for g in range(m):
        # pl = Pzz L
        for i in range(q):
            for j in range(q):
                s = 0.0
                for t in range(j, q):
                    s += cross[g, i, t] * lam[t, j]
                pl[i, j] = s
        for i in range(q):
            for j in range(i + 1):
                s = 0.0
                for t in range(i, q):
                    s += lam[t, i] * pl[t, j]
                mm[i, j] = s
                mm[j, i] = s
            mm[i, i] += 1.0
        inv = minv[g]
        ld, ok = _chol_inv_into(mm, inv, low, linv)
        if not ok:
            return minv, kmat, 0.0, qtot, False
        logdet += ld
        for i in range(q):
            for a in range(w):
                s = 0.0
                for t in range(i, q):
                    s += lam[t, i] * cross[g, t, q + a]
                u[i, a] = s
        for i in range(q):
            for a in range(w):
                s = 0.0
                for t in range(q):
                    s += inv[i, t] * u[t, a]
                kmat[g, i, a] = s
        for a in range(w):
            for b in range(a + 1):
                s = cross[g, q + a, q + b]
                for t in range(q):
                    s -= u[t, a] * kmat[g, t, b]
                qtot[a, b] += s
    for a in range(w):
        for b in range(a):
            qtot[b, a] = qtot[a, b]
    return minv, kmat, logdet, qtot, True


@njit(cache=True, error_model="numpy")
def grad_pass(
    cross: np.ndarray,
    lam: np.ndarray,
    minv: np.ndarray,
    kmat: np.ndarray,
    gq: np.ndarray,
    want_gp: bool,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """d deviance / d Lambda and (optionally) d deviance / d P_i for every group.

    With H11 = M^-1 + K G K' and H12 = -K G: dL = 2 sum_i (Pzz L H11 - Pzw G K') and
    d/dP_i = [[L H11 L', L H12], [H12' L', G]].
    """
    m, k, _ = cross.shape
    q = lam.shape[0]
    w = k - q
    dlam = np.zeros((q, q))
    gp = np.zeros((m if want_gp else 0, k, k))
    kg = np.empty((q, w))
    h11 = np.empty((q, q))
    pl = np.empty((q, q))
    for g in range(m):
        for i in range(q):
            for b in range(w):
                s = 0.0
                for a in range(w):
                    s += kmat[g, i, a] * gq[a, b]
                kg[i, b] = s
        for i in range(q):
            for j in range(q):
                s = minv[g, i, j]
                for a in range(w):
                    s += kg[i, a] * kmat[g, j, a]
                h11[i, j] = s
        for i in range(q):
            for j in range(q):
                s = 0.0
                for t in range(j, q):
                    s += cross[g, i, t] * lam[t, j]
                pl[i, j] = s
        for i in range(q):
            for j in range(q):
                s = 0.0
                for t in range(q):
                    s += pl[i, t] * h11[t, j]
                for a in range(w):
                    s -= cross[g, i, q + a] * kg[j, a]
                dlam[i, j] += 2.0 * s
        if want_gp:
            # L H11 L'
            for i in range(q):
                for j in range(q):
                    s = 0.0
                    for t in range(i + 1):
                        for u in range(j + 1):
                            s += lam[i, t] * h11[t, u] * lam[j, u]
                    gp[g, i, j] = s
            # L H12 = -L K G
            for i in range(q):
                for a in range(w):
                    s = 0.0
                    for t in range(i + 1):
                        s -= lam[i, t] * kg[t, a]
                    gp[g, i, q + a] = s
                    gp[g, q + a, i] = s
            for a in range(w):
                for b in range(w):
                    gp[g, q + a, q + b] = gq[a, b]
    return dlam, gp


@njit(cache=True, error_model="numpy")
def phi_gradient(
    aw: np.ndarray, daw: np.ndarray, gp: np.ndarray, starts: np.ndarray
) -> float:  # pragma: no cover
    """sum_i tr(G_i dP_i/dphi) = 2 sum_rows daw' G_i aw."""
    m = starts.size - 1
    k = aw.shape[1]
    total = 0.0
    for g in range(m):
        for r in range(starts[g], starts[g + 1]):
            for a in range(k):
                da = daw[r, a]
                if da == 0.0:
                    continue
                s = 0.0
                for b in range(k):
                    s += gp[g, a, b] * aw[r, b]
                total += da * s
    return 2.0 * total


@njit(cache=True, error_model="numpy")
def evaluate(
    data: np.ndarray,
    gaps: np.ndarray,
    starts: np.ndarray,
    fixed_cross: np.ndarray,
    lam: np.ndarray,
    phi: float,
    has_ar: bool,
    reml: bool,
    n_eff: float,
    sigma2: float,
    want_grad: bool,
) -> tuple[
    float, np.ndarray, np.ndarray, float, np.ndarray, np.ndarray, float, int
]:  # pragma: no cover
    """One profiled-deviance evaluation (see lmm_likelihood for the equations).

    ``sigma2 <= 0`` means "profile sigma out"; otherwise the criterion at that fixed sigma^2.
    Returns (deviance, gradient over (theta..., [phi]), beta, rss, C, BLUP spherical parts
    (m, q), sum of log-determinants, status) with status 0 = ok, 1 = M_i not positive
    definite, 2 = X' Sigma^-1 X not positive definite.
    """
    q = lam.shape[0]
    nt = q * (q + 1) // 2
    if has_ar:
        aw, daw, cross, logdet_r, dlogdet_r = whiten_cross(data, gaps, starts, phi)
    else:
        aw = data
        daw = data
        cross = fixed_cross
        logdet_r = 0.0
        dlogdet_r = 0.0
    k = cross.shape[1]
    w = k - q
    p = w - 1
    m = cross.shape[0]
    ngrad = nt + (1 if has_ar else 0)
    grad = np.zeros(ngrad)
    minv, kmat, logdet_m, qtot, ok = schur_pass(cross, lam)
    if not ok:
        return np.inf, grad, np.zeros(p), 0.0, np.zeros((p, p)), np.zeros((m, q)), 0.0, 1
    qxx = np.ascontiguousarray(qtot[:p, :p])
    cinv, logdet_x, okx = _chol_inv(qxx)
    if not okx:
        return np.inf, grad, np.zeros(p), 0.0, np.zeros((p, p)), np.zeros((m, q)), 0.0, 2
    beta = np.zeros(p)
    for a in range(p):
        s = 0.0
        for b in range(p):
            s += cinv[a, b] * qtot[b, p]
        beta[a] = s
    rss = qtot[p, p]
    for a in range(p):
        rss -= qtot[p, a] * beta[a]
    if not rss > 0.0:
        rss = 1e-300
    logdets = logdet_m + logdet_r
    if reml:
        logdets += logdet_x
    log2pi = np.log(2.0 * np.pi)
    if sigma2 <= 0.0:
        dev = n_eff * (1.0 + log2pi + np.log(rss / n_eff)) + logdets
        weight = n_eff / rss
    else:
        dev = n_eff * (log2pi + np.log(sigma2)) + logdets + rss / sigma2
        weight = 1.0 / sigma2
    v = np.empty(w)
    for a in range(p):
        v[a] = -beta[a]
    v[p] = 1.0
    blup = np.zeros((m, q))
    for g in range(m):
        for i in range(q):
            s = 0.0
            for a in range(w):
                s += kmat[g, i, a] * v[a]
            blup[g, i] = s
    if want_grad:
        gq = np.empty((w, w))
        for a in range(w):
            for b in range(w):
                gq[a, b] = weight * v[a] * v[b]
        if reml:
            for a in range(p):
                for b in range(p):
                    gq[a, b] += cinv[a, b]
        dlam, gp = grad_pass(cross, lam, minv, kmat, gq, has_ar)
        # theta is the column-major lower triangle of Lambda.
        idx = 0
        for j in range(q):
            for i in range(j, q):
                grad[idx] = dlam[i, j]
                idx += 1
        if has_ar:
            grad[nt] = phi_gradient(aw, daw, gp, starts) + dlogdet_r
    return dev, grad, beta, rss, cinv, blup, logdets, 0
