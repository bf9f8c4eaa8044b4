"""Satterthwaite df with a CAR(1) term, checked against an independent dense computation.

lmerTest has no counterpart for nlme's corCAR1 models, so the df of AR models are checked here
against a brute-force implementation of the same definition (Kuznetsova et al. 2017, eq. 6):
the REML (or ML) criterion written with each participant's full covariance matrix (no whitening,
no Woodbury), parametrised differently (the absolute Cholesky factor of D, phi and sigma instead
of the relative factor), its Hessian and the Jacobian of cov(beta) by plain finite differences
(good to ~1e-6, hence the 5e-6 tolerance). Agreement shows that the Schur-complement
reconstruction of the Hessian and the invariance to parametrisation hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gutbrain.analysis.lmm import lmm


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    rows = []
    for i in range(14):
        days = np.sort(rng.choice(14, 9, replace=False))
        u0, u1 = rng.normal(0, 2.0), rng.normal(0, 0.3)
        e = 0.0
        last = None
        for t in days:
            rho = 0.6 ** (t - last) if last is not None else 0.0
            e = rho * e + rng.normal(0, np.sqrt(1 - rho**2))
            last = t
            rows.append(
                {"g": f"G{i}", "t": float(t), "x": rng.normal(), "y": 1 + 0.3 * t + u0 + u1 * t + e}
            )
    return pd.DataFrame(rows)


def _groups(d: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(time, fixed-effects design, response) per group."""
    out = []
    for _, g in d.groupby("g", sort=True):
        t = g["t"].to_numpy()
        out.append((t, np.column_stack([np.ones(len(g)), t, g["x"].to_numpy()]), g["y"].to_numpy()))
    return out


def _dense_criterion(
    psi: np.ndarray, groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]], reml: bool
) -> tuple[float, np.ndarray]:
    """-2 log L (or the REML criterion) and cov(beta) at psi = (L11, L21, L22, phi, sigma)."""
    l11, l21, l22, phi, sigma = psi
    chol = np.array([[l11, 0.0], [l21, l22]])
    dmat = chol @ chol.T
    p = groups[0][1].shape[1]
    xtvx, xtvy, ytvy, logdet, n = np.zeros((p, p)), np.zeros(p), 0.0, 0.0, 0
    for t, x, y in groups:  # V is block diagonal: accumulate per participant
        z = np.column_stack([np.ones(t.size), t])
        v = z @ dmat @ z.T + sigma**2 * phi ** np.abs(t[:, None] - t[None, :])
        vi = np.linalg.inv(v)
        logdet += np.linalg.slogdet(v)[1]
        xtvx += x.T @ vi @ x
        xtvy += x.T @ vi @ y
        ytvy += y @ vi @ y
        n += t.size
    cov = np.linalg.inv(xtvx)
    rss = ytvy - xtvy @ cov @ xtvy
    crit = logdet + rss + (n - p if reml else n) * np.log(2 * np.pi)
    if reml:
        crit += np.linalg.slogdet(xtvx)[1]
    return float(crit), cov


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_car1_satterthwaite_df_match_dense_brute_force(method: str) -> None:
    d = _data()
    fit = lmm("y ~ t + x", d, groups="g", re="~ 1 + t", ar1_time="t", method=method)
    assert fit.convergence.converged and not fit.convergence.boundary
    chol = np.linalg.cholesky(fit.re_cov)
    psi0 = np.array([chol[0, 0], chol[1, 0], chol[1, 1], fit.phi, fit.sigma])
    reml = method == "REML"
    groups = _groups(d)

    def crit(psi: np.ndarray) -> float:
        return _dense_criterion(psi, groups, reml)[0]

    h = 1e-4 * np.maximum(np.abs(psi0), 1e-2)
    k = psi0.size
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            hess[i, j] = (
                crit(psi0 + ei + ej)
                - crit(psi0 + ei - ej)
                - crit(psi0 - ei + ej)
                + crit(psi0 - ei - ej)
            ) / (4 * h[i] * h[j])
            hess[j, i] = hess[i, j]
    # The fit's optimum is the dense criterion's: its gradient there is ~0.
    cov0 = _dense_criterion(psi0, groups, reml)[1]
    np.testing.assert_allclose(cov0, fit.cov_beta, rtol=1e-6)
    jac = np.stack(
        [
            (
                _dense_criterion(psi0 + np.eye(k)[i] * h[i], groups, reml)[1]
                - _dense_criterion(psi0 - np.eye(k)[i] * h[i], groups, reml)[1]
            )
            / (2 * h[i])
            for i in range(k)
        ]
    )
    a = 2.0 * np.linalg.inv(hess)
    for c in range(3):
        g = jac[:, c, c]
        df = 2 * cov0[c, c] ** 2 / (g @ a @ g)
        np.testing.assert_allclose(fit.df[c], df, rtol=5e-6)
