r"""Linear mixed models with several random-intercept terms, crossed or nested
(lme4's ``y ~ x + (1 | participant) + (1 | item)`` and ``(1 | site/participant)``).

.. math::

    y = X\beta + \sum_k Z_k b_k + \varepsilon,\qquad b_k \sim N(0, \sigma^2\theta_k^2 I),\qquad
    \varepsilon \sim N(0, \sigma^2 I),

with :math:`Z_k` the indicator matrix of grouping factor k. With :math:`Z = [Z_1 \dots Z_K]`,
:math:`\Lambda = \mathrm{diag}(\theta_k I)` and the sparse :math:`A = \Lambda Z^\top Z\Lambda + I`
(one row per level of every factor), the Woodbury identity gives
:math:`\log|V| = \log|A|` and :math:`W^\top V^{-1} W = W^\top W - U^\top A^{-1} U`,
:math:`U = \Lambda Z^\top W`, for :math:`W = [X\ y]`, so each evaluation of the profiled deviance
(the same as :mod:`~gutbrain.analysis.lmm.likelihood`'s, lme4's eqs. 34 and 41) is one sparse
factorisation of A and p + 1 solves: no N x N matrix and no pass over the rows. :math:`Z^\top Z`,
:math:`Z^\top W` and :math:`W^\top W` are formed once, by counting (``numpy.bincount``).

Sparse representation (an own choice, documented here): scipy.sparse holds :math:`Z^\top Z`.
Each factor's own block of A is diagonal, so the factor with most levels (participants) is
eliminated exactly and the remaining levels (items, sites: up to 3000) form a small dense Schur
complement, Cholesky-factorised: an evaluation costs O(non-zeros of :math:`Z^\top Z`). With more
levels outside the largest factor, A is factorised by SuperLU (``scipy.sparse.linalg.splu``,
symmetric mode, no pivoting, minimum-degree ordering), which is much slower at scale. CHOLMOD
(scikit-sparse) would serve that case, but needs SuiteSparse as a system library.
The deviance is minimised over :math:`\theta` (:math:`\theta_k \ge 0`), on the standardised
response, by :mod:`~gutbrain.analysis.lmm.optimise`'s projected Newton method with central-
difference gradients (K is small); random slopes in these terms and AR(1) residuals
are not supported (use :func:`~gutbrain.analysis.lmm.lmm` for one grouping factor with slopes).
Checked against lme4 1.1-31 on its ``Penicillin`` (crossed) and ``Pastes`` (nested) data sets
(``tests/analysis/test_lmm_crossed.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as splinalg

from gutbrain.analysis.formula import build_design, factorize_sorted, parse_formula
from gutbrain.analysis.lmm.optimise import central_jacobian, newton
from gutbrain.analysis.lmm.prepare import METHODS
from gutbrain.errors import DataError, DesignError

__all__ = ["CrossedLMMResult", "lmm_crossed"]

_TERM = re.compile(r"\(\s*1\s*\|\s*([A-Za-z_][\w.]*(?:\s*/\s*[A-Za-z_][\w.]*)*)\s*\)")


@dataclass(frozen=True, repr=False)
class CrossedLMMResult:
    """A fitted model with crossed or nested random intercepts.

    Attributes
    ----------
    coef_names, beta, se, cov_beta
        Fixed effects, their standard errors and covariance ``sigma^2 (X' V^-1 X)^-1``.
    re_groups, re_sd
        Each random-intercept term's grouping (``site:participant`` for a nested one) and SD.
    n_levels
        Levels of each grouping.
    sigma, loglik, aic, bic, n_obs, method
        Residual SD, (restricted) log-likelihood as lme4 reports it, AIC/BIC (lme4's
        conventions), rows used, REML or ML.
    converged, evaluations
        The optimiser's report.
    """

    formula: str
    method: str
    coef_names: tuple[str, ...]
    beta: np.ndarray
    se: np.ndarray
    cov_beta: np.ndarray
    re_groups: tuple[str, ...]
    re_sd: np.ndarray
    n_levels: tuple[int, ...]
    sigma: float
    loglik: float
    aic: float
    bic: float
    n_obs: int
    converged: bool
    evaluations: int
    theta: np.ndarray = field(repr=False)

    def fixed_effects(self) -> pd.DataFrame:
        """Estimates and standard errors (Wald; no Satterthwaite df for these models)."""
        return pd.DataFrame(
            {"estimate": self.beta, "se": self.se}, index=pd.Index(self.coef_names, name="term")
        )

    def variance_components(self) -> pd.DataFrame:
        """The SD of each random-intercept term and the residual SD."""
        return pd.DataFrame(
            {
                "group": [*self.re_groups, "Residual"],
                "sd": [*self.re_sd, self.sigma],
                "levels": [*self.n_levels, self.n_obs],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "method": self.method,
            "fixed_effects": {n: float(b) for n, b in zip(self.coef_names, self.beta, strict=True)},
            "se": {n: float(s) for n, s in zip(self.coef_names, self.se, strict=True)},
            "re_sd": {g: float(s) for g, s in zip(self.re_groups, self.re_sd, strict=True)},
            "sigma": self.sigma,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_obs": self.n_obs,
            "converged": self.converged,
        }

    def __repr__(self) -> str:
        terms = " + ".join(f"(1 | {g})" for g in self.re_groups)
        return (
            f"CrossedLMMResult({self.method}: {self.formula}; random {terms}; {self.n_obs} obs)\n"
            f"  logLik {self.loglik:.4f}  AIC {self.aic:.2f}  BIC {self.bic:.2f}  "
            f"converged={self.converged}\n"
            + self.fixed_effects().to_string(float_format=lambda v: f"{v:.4g}")
            + "\n"
            + self.variance_components().to_string(index=False, float_format=lambda v: f"{v:.4g}")
        )


def lmm_crossed(formula: str, data: pd.DataFrame, method: str = "REML") -> CrossedLMMResult:
    """Fit ``y ~ fixed + (1 | g1) + (1 | g2) ...`` (crossed) or ``(1 | site/participant)``
    (nested: ``(1 | site) + (1 | site:participant)``) by REML or ML.

    Raises
    ------
    DesignError
        No ``(1 | group)`` term, a term with slopes, an unknown method, a rank-deficient design.
    DataError
        Missing columns, no complete rows, a grouping with fewer than 2 levels.
    """
    if method not in METHODS:
        raise DesignError(f"lmm_crossed: method {method!r} is not one of {METHODS}")
    fixed, groupings = _split(formula)
    parsed = parse_formula(fixed)
    columns = list(dict.fromkeys([*parsed.columns, *(c for g in groupings for c in g)]))
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            f"lmm_crossed: column(s) {', '.join(map(repr, missing))} not in the data; "
            f"available: {', '.join(map(str, data.columns))}"
        )
    rows = data[columns].dropna()
    if rows.empty:
        raise DataError(f"lmm_crossed: no complete rows in columns {columns}")
    y = rows[str(parsed.response)].to_numpy(dtype=float)
    x = build_design(parsed, rows, what=f"lmm_crossed: formula {fixed!r}")
    codes, names, levels = [], [], []
    for g in groupings:
        if len(g) == 1:
            c, uniq = factorize_sorted(rows[g[0]])
            n_levels = len(uniq)
        else:  # a nested grouping: one level per combination of the columns' values (joining
            # them as text could merge two combinations, e.g. "A:1"+"2" and "A"+"1:2")
            c = rows.groupby(list(g), sort=True).ngroup().to_numpy()
            n_levels = int(c.max()) + 1
        if n_levels < 2:
            raise DataError(f"lmm_crossed: grouping {':'.join(g)!r} has {n_levels} level(s)")
        codes.append(c.astype(np.int64))
        names.append(":".join(g))
        levels.append(n_levels)
    return _fit(formula, method, x.matrix, x.columns, y, codes, tuple(names), tuple(levels))


def _split(formula: str) -> tuple[str, list[tuple[str, ...]]]:
    """The fixed part of ``formula`` and the groupings of its ``(1 | ...)`` terms, nested ones
    expanded (``a/b`` -> ``a``, ``a:b``)."""
    found = list(_TERM.finditer(formula))
    if not found or "|" in _TERM.sub("", formula):
        raise DesignError(
            f"lmm_crossed: formula {formula!r}: expected random-intercept terms such as "
            "`(1 | participant) + (1 | item)` or `(1 | site/participant)`; random slopes in "
            "crossed terms are not supported (lmm() fits slopes for one grouping factor)"
        )
    groupings: list[tuple[str, ...]] = []
    for m in found:
        parts = [p.strip() for p in m.group(1).split("/")]
        for i in range(len(parts)):
            if tuple(parts[: i + 1]) not in groupings:
                groupings.append(tuple(parts[: i + 1]))
    fixed = _TERM.sub("", formula)
    fixed = re.sub(r"(\+\s*)+(?=\+|$)", "", fixed)  # `+`s left behind by removed terms
    fixed = re.sub(r"~\s*\+", "~ ", fixed).strip()
    if fixed.endswith("~"):
        fixed += " 1"
    return fixed, groupings


def _fit(
    formula: str,
    method: str,
    x: np.ndarray,
    coef_names: tuple[str, ...],
    y: np.ndarray,
    codes: list[np.ndarray],
    names: tuple[str, ...],
    levels: tuple[int, ...],
) -> CrossedLMMResult:
    """Fit on prepared arrays; see the module docstring."""
    n, p = x.shape
    reml = method == "REML"
    n_eff = n - p if reml else n
    c = float(np.std(y)) or 1.0
    w = np.column_stack([x, y / c])
    offsets = np.concatenate([[0], np.cumsum(levels)])
    ztz = _ztz(codes, levels, offsets)
    ztw = np.vstack(
        [
            np.column_stack([np.bincount(k, w[:, j], lev) for j in range(p + 1)])
            for k, lev in zip(codes, levels, strict=True)
        ]
    )
    wtw = w.T @ w
    term_of = np.repeat(np.arange(len(levels)), levels)
    logdet_quad = _woodbury(ztz, term_of, int(np.argmax(levels)))
    evals = 0

    def parts(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        nonlocal evals
        evals += 1
        lam = np.abs(theta)[term_of]
        u = lam[:, None] * ztw
        logdet_a, quad = logdet_quad(lam, u)
        s = wtw - quad
        return logdet_a, s, np.linalg.cholesky(s[:p, :p])

    def deviance(theta: np.ndarray) -> float:
        try:
            logdet_a, s, chol = parts(theta)
        except (np.linalg.LinAlgError, RuntimeError):
            return float("inf")
        beta = np.linalg.solve(s[:p, :p], s[:p, p])
        rss = float(s[p, p] - s[:p, p] @ beta)
        dev = logdet_a + n_eff * (1.0 + np.log(2.0 * np.pi * rss / n_eff))
        if reml:
            dev += 2.0 * float(np.sum(np.log(np.diag(chol))))
        return dev

    k = len(levels)
    lower, upper = np.zeros(k), np.full(k, np.inf)

    def with_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The deviance and its central-difference gradient (K is small)."""
        grad = central_jacobian(
            lambda v: np.array([deviance(v)]), theta, lower, upper, rel_step=1e-5
        )[0]
        return deviance(theta), grad

    start = min((np.full(k, s) for s in (0.3, 1.0)), key=deviance)
    state = newton(with_gradient, start, lower, upper, max_iter=60)
    theta, grad = state.x, state.g
    # Newton's stopping rule (a step below 1e-6) suits an analytic gradient; with differences,
    # finish with plain Newton steps on the free parameters while they lower the deviance.
    free = state.free
    if free.any() and state.hess.shape == (int(free.sum()),) * 2:
        for _ in range(4):
            trial = theta.copy()
            trial[free] = np.maximum(theta[free] - np.linalg.solve(state.hess, grad[free]), 0.0)
            if not deviance(trial) < deviance(theta):
                break
            theta = trial
            grad = with_gradient(theta)[1]
    dev = deviance(theta)
    _, s, _ = parts(theta)
    xtvx = s[:p, :p]
    beta_s = np.linalg.solve(xtvx, s[:p, p])
    rss = float(s[p, p] - s[:p, p] @ beta_s)
    sigma2 = rss / n_eff
    # Back to the response's scale: y = c y_s.
    dev_orig = dev + n_eff * np.log(c**2)
    n_params = p + k + 1
    cov = c**2 * sigma2 * np.linalg.inv(xtvx)
    return CrossedLMMResult(
        formula=formula,
        method=method,
        coef_names=coef_names,
        beta=c * beta_s,
        se=np.sqrt(np.diag(cov)),
        cov_beta=cov,
        re_groups=names,
        re_sd=c * np.sqrt(sigma2) * theta,
        n_levels=levels,
        sigma=c * float(np.sqrt(sigma2)),
        loglik=float(-0.5 * dev_orig),
        aic=float(dev_orig + 2 * n_params),
        bic=float(dev_orig + n_params * np.log(n)),
        n_obs=n,
        converged=bool(np.isfinite(dev) and state.converged),
        evaluations=evals,
        theta=theta,
    )


_DENSE_REST = 3000  # levels outside the largest factor up to which its Schur complement is dense


def _woodbury(
    ztz: sparse.csc_matrix, term_of: np.ndarray, big: int
) -> Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]:
    """``(lam, U) -> (log|A|, U' A^-1 U)`` for ``A = diag(lam) Z'Z diag(lam) + I``.

    The block of A of one factor is diagonal (its levels are disjoint), so the largest factor
    (``big``) is eliminated exactly and the rest is the dense Schur complement
    ``S = A22 - A21 A11^-1 A12`` when it has at most 3000 levels (a participant factor crossed
    with items, or nested in sites): O(non-zeros of Z'Z) per evaluation. Otherwise A is factorised
    by SuperLU.
    """
    one = np.flatnonzero(term_of == big)
    rest = np.flatnonzero(term_of != big)
    ztz = ztz.tocsr()
    if rest.size > _DENSE_REST:

        def general(lam: np.ndarray, u: np.ndarray) -> tuple[float, np.ndarray]:
            a = (sparse.diags(lam) @ ztz @ sparse.diags(lam)).tocsc()
            a = a + sparse.identity(a.shape[0], format="csc")
            lu = splinalg.splu(
                a,
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=0.0,
                options={"SymmetricMode": True},
            )
            return float(np.sum(np.log(np.abs(lu.U.diagonal())))), u.T @ lu.solve(u)

        return general
    counts = ztz.diagonal()[one]
    z12 = ztz[one][:, rest].tocsr()
    z22 = ztz[rest][:, rest].toarray()

    def schur(lam: np.ndarray, u: np.ndarray) -> tuple[float, np.ndarray]:
        l1, l2 = lam[one], lam[rest]
        d1 = l1**2 * counts + 1.0
        a12 = sparse.diags(l1) @ z12 @ sparse.diags(l2)
        a22 = (l2[:, None] * z22 * l2[None, :]) + np.eye(rest.size)
        s = a22 - (a12.T @ (a12.multiply(1.0 / d1[:, None]))).toarray()
        chol = np.linalg.cholesky(s)
        u1, u2 = u[one], u[rest]
        r = u2 - a12.T @ (u1 / d1[:, None])
        y = np.linalg.solve(chol, r)
        logdet = float(np.sum(np.log(d1))) + 2.0 * float(np.sum(np.log(np.diag(chol))))
        return logdet, u1.T @ (u1 / d1[:, None]) + y.T @ y

    return schur


def _ztz(
    codes: list[np.ndarray], levels: tuple[int, ...], offsets: np.ndarray
) -> sparse.csc_matrix:
    """``Z' Z`` (sparse, one row per level of every factor) by counting co-occurrences."""
    blocks_r, blocks_c, blocks_v = [], [], []
    for i, ci in enumerate(codes):
        for j in range(i, len(codes)):
            cj, lj = codes[j], levels[j]
            pair, counts = np.unique(ci * lj + cj, return_counts=True)
            r, cc = pair // lj + offsets[i], pair % lj + offsets[j]
            blocks_r.append(r)
            blocks_c.append(cc)
            blocks_v.append(counts.astype(float))
            if j != i:
                blocks_r.append(cc)
                blocks_c.append(r)
                blocks_v.append(counts.astype(float))
    q = int(offsets[-1])
    return sparse.csc_matrix(
        (np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
        shape=(q, q),
    )
