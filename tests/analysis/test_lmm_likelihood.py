"""The profiled likelihood: brute-force dense check, analytic gradient, CAR(1) reductions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import block_diag

from gutbrain.analysis.lmm.likelihood import LikelihoodProblem


def _problem_data(seed: int = 1, q: int = 2) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    m = 25
    sizes = rng.integers(2, 12, m)
    n = int(sizes.sum())
    # Irregular, strictly increasing times within each group (continuous-time gaps).
    t = np.concatenate([np.sort(rng.choice(40, s, replace=False)) * 0.5 for s in sizes])
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    z = np.column_stack([np.ones(n), t / 10, x[:, 2]])[:, :q]
    y = rng.normal(size=n) + x[:, 1]
    return x, z, y, sizes, t


# Lower triangle of Lambda, column by column (lme4's theta order), for q = 1, 2, 3.
THETA = {
    1: np.array([0.8]),
    2: np.array([0.7, 0.2, 0.4]),
    3: np.array([0.7, 0.2, -0.1, 0.4, 0.15, 0.3]),
}


def _dense_deviance(x, z, y, sizes, t, lam, phi, reml):  # type: ignore[no-untyped-def]
    """-2 log L written out with the full N x N marginal covariance (no tricks)."""
    d = lam @ lam.T
    starts = np.concatenate([[0], np.cumsum(sizes)])
    blocks = []
    for i in range(len(sizes)):
        sl = slice(starts[i], starts[i + 1])
        ti = t[sl]
        r = (
            phi ** np.abs(ti[:, None] - ti[None, :])
            if phi is not None
            else np.eye(sl.stop - sl.start)
        )
        blocks.append(r + z[sl] @ d @ z[sl].T)
    v = block_diag(*blocks)
    vi = np.linalg.inv(v)
    xtvx = x.T @ vi @ x
    beta = np.linalg.solve(xtvx, x.T @ vi @ y)
    r = y - x @ beta
    rss = r @ vi @ r
    n, p = x.shape
    ne = n - p if reml else n
    dev = ne * (1 + np.log(2 * np.pi * rss / ne)) + np.linalg.slogdet(v)[1]
    if reml:
        dev += np.linalg.slogdet(xtvx)[1]
    return dev, beta


@pytest.mark.parametrize("q", [1, 2, 3])
@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("ar", [True, False])
def test_deviance_equals_dense_formula(reml: bool, ar: bool, q: int) -> None:
    """Woodbury + whitening give the same deviance and GLS beta as the dense N x N formula,
    for 1, 2 and 3 random effects (closed-form and general Cholesky paths)."""
    x, z, y, sizes, t = _problem_data(q=q)
    theta = THETA[q]
    phi = 0.4
    prob = LikelihoodProblem(x, z, y, sizes, t if ar else None, reml=reml)
    ev = prob.evaluate(theta, phi if ar else 0.0)
    dev, beta = _dense_deviance(x, z, y, sizes, t, prob.lambda_of(theta), phi if ar else None, reml)
    np.testing.assert_allclose(ev.deviance, dev, rtol=1e-12)
    np.testing.assert_allclose(ev.beta, beta, rtol=1e-10)


@pytest.mark.parametrize("q", [1, 2, 3])
@pytest.mark.parametrize("sigma2", [None, 1.3])
@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("ar", [True, False])
def test_analytic_gradient_matches_finite_differences(
    reml: bool, ar: bool, sigma2: float | None, q: int
) -> None:
    """The analytic gradient in (theta, phi) of the profiled deviance (and of the criterion at a
    fixed sigma^2) equals central differences."""
    x, z, y, sizes, t = _problem_data(2, q=q)
    prob = LikelihoodProblem(x, z, y, sizes, t if ar else None, reml=reml)
    nt = THETA[q].size
    par = np.append(THETA[q], 0.35) if ar else THETA[q].copy()

    def f(v: np.ndarray) -> float:
        return prob.evaluate(v[:nt], v[nt] if ar else 0.0, gradient=False, sigma2=sigma2).deviance

    g = prob.evaluate(par[:nt], par[nt] if ar else 0.0, sigma2=sigma2).gradient
    h = 1e-6
    fd = np.array([(f(par + h * e) - f(par - h * e)) / (2 * h) for e in np.eye(par.size)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-5)


def test_car1_at_phi_zero_is_the_independent_model() -> None:
    """phi = 0 makes the CAR(1) correlation the identity: same deviance and gradient in theta."""
    x, z, y, sizes, t = _problem_data(3)
    theta = np.array([0.9, 0.1, 0.3])
    plain = LikelihoodProblem(x, z, y, sizes, None, reml=True).evaluate(theta)
    car = LikelihoodProblem(x, z, y, sizes, t, reml=True).evaluate(theta, 0.0)
    np.testing.assert_allclose(car.deviance, plain.deviance, rtol=1e-13)
    assert car.gradient is not None and plain.gradient is not None
    np.testing.assert_allclose(car.gradient[:3], plain.gradient, rtol=1e-10)


def test_car1_uses_time_gaps_not_row_order() -> None:
    """Gaps count: with days 0, 2, 3, 7 the correlation of days 0 and 2 is phi^2, not phi
    (dense check of one irregular series)."""
    rng = np.random.default_rng(4)
    t = np.array([0.0, 2.0, 3.0, 7.0])
    y = rng.normal(size=4)
    x = np.ones((4, 1))
    z = np.ones((4, 1))
    prob = LikelihoodProblem(x, z, y, np.array([4]), t, reml=False)
    ev = prob.evaluate(np.array([0.5]), 0.6)
    dev, _ = _dense_deviance(x, z, y, np.array([4]), t, np.array([[0.5]]), 0.6, False)
    np.testing.assert_allclose(ev.deviance, dev, rtol=1e-12)
