r"""Fast linear mixed models for intensive longitudinal (daily-diary) data.

:func:`lmm` fits, by exact ML or REML,

.. math::

    y_{ij} = x_{ij}^\top\beta + z_{ij}^\top b_i + \varepsilon_{ij},\quad
    b_i \sim N(0, D),\quad
    \mathrm{cor}(\varepsilon_{ij}, \varepsilon_{ik}) = \phi^{|t_{ij}-t_{ik}|},\quad
    \mathrm{var}(\varepsilon_{ij}) = \sigma^2,

with one grouping factor (participant), random intercepts and slopes with an unstructured
covariance ``D``, and an optional continuous-time AR(1) residual (nlme's ``corCAR1``), so missing
diary days are handled exactly. The profiled deviance and its analytic gradient are in
:mod:`gutbrain.analysis.lmm.likelihood`; this module prepares the data, optimises, and does
inference:

* fixed effects: Wald t tests with Satterthwaite degrees of freedom (as lmerTest);
* nested models: likelihood-ratio tests (:func:`lrt`).

Validation (``tests/analysis/test_lmm_reference.py``, reference values from
``tests/reference/lmm_reference.R``): lme4 1.1 ``lmer`` (random intercept; intercept + slope;
ML and REML), nlme 3.1 ``lme`` with ``corCAR1`` (with and without a random slope; ML and REML)
and lmerTest 3.1 Satterthwaite df, on lme4's ``sleepstudy``, nlme's ``BodyWeight`` and a
simulated diary data set.

Design columns are centred and scaled internally, and the response scaled, before optimising;
estimates are transformed back exactly. This is why covariates in the 1e4-1e5 range, which
make lme4 warn, fit cleanly here.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> d = pd.DataFrame(
...     {"participant": np.repeat(np.arange(20), 10), "day": np.tile(np.arange(10), 20)}
... )
>>> d["na"] = 30 + 0.5 * d.day + rng.normal(0, 3, 20)[d.participant] + rng.normal(0, 2, len(d))
>>> fit = lmm("na ~ day", d, groups="participant")
>>> print(f"slope {fit.beta[1]:.2f} (SE {fit.se[1]:.3f}, df {fit.df[1]:.1f})")
slope 0.42 (SE 0.048, df 179.0)
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from gutbrain.analysis.formula import (
    DesignMatrix,
    EncodedColumn,
    design_from_encoded,
    encode_columns,
    factorize_sorted,
    formula_columns,
    parse_formula,
)
from gutbrain.analysis.lmm.inference import satterthwaite_df, satterthwaite_parts
from gutbrain.analysis.lmm.likelihood import LikelihoodProblem
from gutbrain.analysis.lmm.optimise import optimise
from gutbrain.analysis.lmm.result import LMMResult, LRTResult
from gutbrain.errors import DataError, DesignError

__all__ = ["lmm", "lrt"]

_METHODS = ("REML", "ML")


def _standardise(mat: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Matrix A with (mat @ A) centred (if an intercept column exists) and unit-SD columns."""
    p = mat.shape[1]
    a = np.eye(p)
    has_int = "Intercept" in names
    i0 = names.index("Intercept") if has_int else -1
    for j in range(p):
        if j == i0:
            continue
        col = mat[:, j]
        centre = float(col.mean()) if has_int else 0.0
        spread = float(np.sqrt(np.mean((col - centre) ** 2)))
        if not spread > 0.0 or not np.isfinite(spread):
            spread = 1.0
        a[j, j] = 1.0 / spread
        if has_int:
            a[i0, j] = -centre / spread
    return a


@dataclass(frozen=True)
class _Prepared:
    """Complete rows sorted by group (and time): designs, response, group sizes and labels."""

    positions: np.ndarray  # row positions in the input data, in sorted order
    x: DesignMatrix
    z: DesignMatrix
    y: np.ndarray
    sizes: np.ndarray
    group_labels: np.ndarray
    time: np.ndarray | None


def _numeric(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    try:
        return np.asarray(data[col].to_numpy(dtype=float, na_value=np.nan))
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"lmm: {role} column {col!r} must be numeric (dtype {data[col].dtype})"
        ) from exc


def _warn_between_group_slopes(
    zd: DesignMatrix, g_sorted: np.ndarray, re: str, groups: str
) -> None:
    """Warn about a random slope for a column that never varies within a group: its variance
    cannot be told apart from the intercept's, and the fit is then usually singular."""
    z = zd.matrix
    starts = np.flatnonzero(np.r_[True, np.diff(g_sorted) != 0])
    for j, name in enumerate(zd.columns):
        col = z[:, j]
        if name == "Intercept" or np.ptp(col) == 0:
            continue
        if np.all(np.maximum.reduceat(col, starts) == np.minimum.reduceat(col, starts)):
            warnings.warn(
                f"lmm: random-effects formula {re!r}: {name!r} never varies within a level of "
                f"{groups!r}, so its random slope is not identified apart from the intercept; "
                "keep it in the fixed effects only",
                UserWarning,
                stacklevel=4,
            )


def _prepare(
    formula: str,
    data: pd.DataFrame,
    groups: str,
    re: str,
    ar1_time: str | None,
) -> _Prepared:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"lmm: data must be a pandas DataFrame, got {type(data).__name__}")
    fixed = parse_formula(formula)
    rand = parse_formula(re, need_response=False)
    needed = [*formula_columns(fixed), *formula_columns(rand), groups]
    if ar1_time is not None:
        needed.append(ar1_time)
    missing = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if missing:
        raise DataError(
            f"lmm: column(s) {', '.join(map(repr, missing))} not in the data; available: "
            f"{', '.join(map(str, data.columns))}"
        )
    resp = str(fixed.response)
    y = _numeric(data, resp, "response")
    what_x = f"fixed-effects formula {formula!r}"
    enc = encode_columns(fixed, data, what=what_x)
    for key, val in encode_columns(rand, data, what=f"random-effects formula {re!r}").items():
        enc.setdefault(key, val)
    gcodes, guniq = factorize_sorted(data[groups])
    bad = np.isnan(y) | (gcodes < 0)
    for e in enc.values():
        bad |= e.missing()
    tvals = None
    if ar1_time is not None:
        tvals = _numeric(data, ar1_time, "ar1_time")
        bad |= np.isnan(tvals)
    numeric = [(resp, y)] + [(c, e.values) for (c, _), e in enc.items() if e.levels is None]
    if ar1_time is not None and tvals is not None:
        numeric.append((ar1_time, tvals))
    for col, vals in numeric:
        inf = np.flatnonzero(np.isinf(vals))
        if inf.size:
            i = int(inf[0])
            raise DataError(
                f"lmm: column {col!r}, data row {data.index[i]!r}: value {vals[i]}; expected a "
                "finite number (NaN marks a missing value)"
            )
    keep = np.flatnonzero(~bad)
    if keep.size == 0:
        raise DataError(f"lmm: no complete rows in columns {list(dict.fromkeys(needed))}")
    # Sort by group, and by time within a group for the CAR(1) residual.
    if tvals is None:
        order = keep[np.argsort(gcodes[keep], kind="stable")]
    else:
        order = keep[np.lexsort((tvals[keep], gcodes[keep]))]
    enc_sorted = {k: _drop_unused_levels(v.take(order)) for k, v in enc.items()}
    g_sorted = gcodes[order]
    present, g_sorted = np.unique(g_sorted, return_inverse=True)
    time = None
    if tvals is not None:
        time = tvals[order]
        dup = (np.diff(g_sorted) == 0) & (np.diff(time) == 0)
        if dup.any():
            k = int(np.flatnonzero(dup)[0]) + 1
            raise DataError(
                f"lmm: duplicate {ar1_time!r} = {time[k]:g} for {groups} = "
                f"{guniq[present[g_sorted[k]]]!r} (data row {data.index[order[k]]!r}); the "
                "CAR(1) residual needs one row per time point"
            )
    n = order.size
    xd = design_from_encoded(fixed, enc_sorted, n)
    zd = design_from_encoded(rand, enc_sorted, n)
    if zd.matrix.shape[1] == 0:
        raise DesignError(f"lmm: random-effects formula {re!r} has no terms; use '~ 1' at least")
    if xd.matrix.shape[1] == 0:
        raise DesignError(f"lmm: fixed-effects formula {formula!r} has no terms")
    sizes = np.bincount(g_sorted, minlength=present.size)
    _warn_between_group_slopes(zd, g_sorted, re, groups)
    return _Prepared(
        positions=order,
        x=xd,
        z=zd,
        y=y[order],
        sizes=sizes,
        group_labels=np.asarray(guniq)[present],
        time=time,
    )


def _drop_unused_levels(e: EncodedColumn) -> EncodedColumn:
    if e.levels is None:
        return e
    present = np.unique(e.values)
    if present.size == len(e.levels):
        return e
    remap = np.full(len(e.levels), -1)
    remap[present] = np.arange(present.size)
    return EncodedColumn(remap[e.values], tuple(e.levels[i] for i in present))


def _check_rank(xs: np.ndarray, names: tuple[str, ...], formula: str) -> None:
    """Raise if the (standardised) design is rank deficient, naming the offending column.

    Columns of ``xs`` are centred and scaled, so the Gram matrix is a correlation-like matrix
    and a relative eigenvalue threshold is meaningful.
    """

    def deficient(cols: np.ndarray) -> bool:
        gram = cols.T @ cols
        eig = np.linalg.eigvalsh(gram)
        return bool(eig[0] <= 1e-10 * max(float(eig[-1]), 1e-300))

    if not deficient(xs):
        return
    for j in range(1, xs.shape[1] + 1):
        if deficient(xs[:, :j]):
            raise DesignError(
                f"lmm: fixed-effects design of {formula!r} is rank deficient: column "
                f"{names[j - 1]!r} is a linear combination of earlier columns (drop a term "
                "or check for an empty category)"
            )


def _fits_exactly(xs: np.ndarray, zs: np.ndarray, ys: np.ndarray, sizes: np.ndarray) -> bool:
    """True if ``y = X beta + Z_i b_i`` holds to rounding for some beta and b_i (sigma = 0).

    Each group's rows of [X, y] are projected off the span of its Z_i (by SVD, no squaring),
    then y is regressed on X; only called when the optimiser has failed or sigma is tiny.
    """
    starts = np.concatenate([[0], np.cumsum(sizes)])
    xy = np.column_stack([xs, ys])
    parts = []
    for a, b in itertools.pairwise(starts):
        u, sv, _ = np.linalg.svd(zs[a:b], full_matrices=False)
        u = u[:, sv > 1e-10 * max(float(sv.max(initial=0.0)), 1e-300)]
        parts.append(xy[a:b] - u @ (u.T @ xy[a:b]))
    r = np.vstack(parts)
    coef = np.linalg.lstsq(r[:, :-1], r[:, -1], rcond=1e-10)[0]
    ss = float(np.sum((r[:, -1] - r[:, :-1] @ coef) ** 2))
    return ss <= 1e-20 * float(np.sum((ys - ys.mean()) ** 2))


def lmm(
    formula: str,
    data: pd.DataFrame,
    groups: str,
    re: str = "~ 1",
    ar1_time: str | None = None,
    method: str = "REML",
    *,
    conf_level: float = 0.95,
    start: LMMResult | None = None,
) -> LMMResult:
    r"""Fit a linear mixed model by REML or ML.

    Parameters
    ----------
    formula
        Fixed effects, e.g. ``"na ~ arm * week + baseline"`` (see
        :mod:`gutbrain.analysis.formula` for the syntax: numeric columns, treatment-coded
        categoricals, ``C(x)``, ``a:b``, ``a*b``, ``- 1``).
    data
        One row per observation. Rows with a missing value in any used column are dropped (as
        lme4's default ``na.omit``).
    groups
        The grouping column (participant); one level of random effects.
    re
        Random-effects formula without response: ``"~ 1"`` (random intercept),
        ``"~ 1 + day"`` (intercept and slope, unstructured covariance).
    ar1_time
        A numeric time column for a continuous-time AR(1) residual correlation
        :math:`\phi^{|t_j - t_k|}` within participant (nlme ``corCAR1(form = ~ time | group)``);
        None for independent residuals. Times must be unique within a participant.
    method
        ``"REML"`` (default, as lme4 and nlme) or ``"ML"`` (needed to compare fixed effects with
        :func:`lrt`).
    conf_level
        Level of the fixed-effect confidence intervals.
    start
        A fit whose covariance parameters (``re_cov / sigma^2`` and ``phi``) are the starting
        point instead of the default ones (lme4's ``start``): for a series of closely related
        models, such as a profile over a change point, it saves part of the optimiser's work.
        It must have the same ``re`` and ``ar1_time``. Where the likelihood has one optimum the
        answer does not depend on the start beyond the optimiser's tolerance; give a start only
        from a model close to this one.

    Returns
    -------
    LMMResult
        Estimates, Satterthwaite-df Wald tests, variance components, logLik/AIC/BIC, fitted
        values, residuals, BLUPs and convergence information.

    Raises
    ------
    DataError
        Missing columns, non-numeric response or time, infinite values, duplicate times, too
        few groups, or a model that fits the response exactly (residual variance 0).
    DesignError
        Unparseable formula, rank-deficient design, unknown method.

    Notes
    -----
    Validated against lme4 1.1-31, nlme 3.1-162 and lmerTest 3.1-3 (see the module docstring):
    fixed effects, variance components and log-likelihoods agree to at least 6 significant
    digits, Satterthwaite df likewise. Satterthwaite df for models with an AR(1) term use the same
    formula over (theta, phi, sigma); there is no R implementation to compare them with.
    """
    if method not in _METHODS:
        raise DesignError(f"lmm: method {method!r} is not one of {_METHODS}")
    if not 0.0 < conf_level < 1.0:
        raise DesignError(f"lmm: conf_level {conf_level!r} must be between 0 and 1")
    prep = _prepare(formula, data, groups, re, ar1_time)
    xd, zd, y, sizes = prep.x, prep.z, prep.y, prep.sizes
    n, p = xd.matrix.shape
    m = len(sizes)
    if m < 2:
        raise DataError(f"lmm: grouping column {groups!r} has {m} level(s); need at least 2")
    if m >= n:
        raise DataError(
            f"lmm: {m} levels of {groups!r} for {n} complete rows; random effects need fewer "
            "groups than observations"
        )
    if n <= p:
        raise DataError(f"lmm: {n} complete rows for {p} fixed effects")
    q = zd.matrix.shape[1]
    if n <= m * q:
        raise DataError(
            f"lmm: {n} complete rows for {m} x {q} random effects ({re!r} per {groups!r}); the "
            "residual variance is not identifiable (lme4 refuses this too): simplify `re`"
        )
    y_scale = float(np.std(y))
    if not y_scale > 0:
        raise DataError(f"lmm: response in {formula!r} is constant ({y[0]!r}) over all used rows")
    a_x = _standardise(xd.matrix, xd.columns)
    a_z = _standardise(zd.matrix, zd.columns)
    xs = xd.matrix @ a_x
    zs = zd.matrix @ a_z
    ys = y / y_scale
    _check_rank(xs, xd.columns, formula)
    reml = method == "REML"
    prob = LikelihoodProblem(xs, zs, ys, sizes, prep.time, reml=reml)
    exact = DataError(
        f"lmm: {formula!r} with random effects {re!r} per {groups!r} fits the response exactly "
        "(residual variance 0), so nothing can be estimated or tested; check for a predictor "
        "that copies the response, or a response constant within each group"
    )
    x0 = None if start is None else _start_point(start, prob, zd.columns, a_z, ar1_time)
    try:
        opt = optimise(prob, x0)
        x_opt, conv = opt.x, opt.convergence
        theta = x_opt[: prob.n_theta]
        phi = float(x_opt[-1]) if prob.has_ar else 0.0
        ev = prob.evaluate(theta, phi, gradient=False)
    except (np.linalg.LinAlgError, DesignError):
        if _fits_exactly(xs, zs, ys, sizes):
            raise exact from None
        raise
    n_eff = prob.n_eff
    sigma2_s = ev.rss / n_eff
    if (not conv.converged or not sigma2_s > 1e-12) and _fits_exactly(xs, zs, ys, sizes):
        raise exact

    # Back to the original scale. beta = c A_x beta_s; D = c^2 sigma_s^2 A_z Lambda Lambda' A_z'.
    lam = prob.lambda_of(theta)
    beta = y_scale * (a_x @ ev.beta)
    cov_beta = y_scale**2 * sigma2_s * (a_x @ ev.xtvx_inv @ a_x.T)
    re_cov = y_scale**2 * sigma2_s * (a_z @ lam @ lam.T @ a_z.T)
    sigma = y_scale * float(np.sqrt(sigma2_s))
    # The deviance on the original scale: y scaling adds N' log c^2; for REML the X scaling
    # changes log|X' V^-1 X| by 2 log|det A_x|.
    deviance = ev.deviance + n_eff * np.log(y_scale**2)
    if reml:
        deviance -= 2.0 * float(np.sum(np.log(np.abs(np.diag(a_x)))))  # A_x is triangular
    loglik = -0.5 * deviance
    n_params = p + prob.n_theta + (1 if prob.has_ar else 0) + 1
    aic = deviance + 2.0 * n_params
    bic = deviance + n_params * np.log(n)

    # Satterthwaite: psi = (theta, phi, sigma) on the internal scale, boundary values held fixed.
    jac, varpar_cov = satterthwaite_parts(prob, opt, sigma2_s, ev.xtvx_inv, a_x, y_scale)
    se = np.sqrt(np.diag(cov_beta))
    df = np.array([satterthwaite_df(np.eye(p)[k], cov_beta, jac, varpar_cov) for k in range(p)])
    tval = beta / se
    # scipy.special's Student-t cdf/quantile: the same functions scipy.stats.t uses, without
    # its per-call overhead (df = inf gives the normal distribution).
    pval = 2.0 * special.stdtr(df, -np.abs(tval))
    tcrit = special.stdtrit(df, 0.5 + conf_level / 2.0)
    # BLUPs b_i = D Z_i' V_i^-1 r_i = Lambda M_i^-1 Lambda' Z_i' R_i^-1 r_i (spherical K_i v).
    blup = y_scale * (ev.blup_spherical @ lam.T @ a_z.T)
    group_codes = np.repeat(np.arange(m), sizes)
    fitted = xd.matrix @ beta + np.einsum("nq,nq->n", zd.matrix, blup[group_codes])
    # Fitted values in the input's row order; pandas objects are built on access.
    back = np.argsort(prep.positions)
    return LMMResult(
        formula=formula,
        re_formula=re,
        groups=groups,
        ar1_time=ar1_time,
        method=method,
        coef_names=xd.columns,
        beta=beta,
        se=se,
        df=df,
        t=tval,
        p=pval,
        ci_low=beta - tcrit * se,
        ci_high=beta + tcrit * se,
        conf_level=conf_level,
        cov_beta=cov_beta,
        re_names=zd.columns,
        re_cov=re_cov,
        sigma=sigma,
        phi=phi if prob.has_ar else None,
        loglik=float(loglik),
        aic=float(aic),
        bic=float(bic),
        n_obs=n,
        n_groups=m,
        n_params=n_params,
        fitted_values=fitted[back],
        row_labels=data.index,
        row_positions=prep.positions[back],
        blups=blup,
        group_labels=prep.group_labels,
        convergence=conv,
        response=y[back],
        design_x=xd.matrix,
        vcov_jacobian=jac,
        varpar_cov=varpar_cov,
    )


def _start_point(
    start: LMMResult,
    prob: LikelihoodProblem,
    re_names: tuple[str, ...],
    a_z: np.ndarray,
    ar1_time: str | None,
) -> np.ndarray:
    """``start``'s relative covariance parameters in this problem's internal parametrisation:
    ``Lambda Lambda' = A_z^-1 (D / sigma^2) A_z^-T``, kept interior (positive definite)."""
    if tuple(start.re_names) != tuple(re_names) or (start.phi is None) != (ar1_time is None):
        raise DesignError(
            f"lmm: start has random effects {list(start.re_names)} and "
            f"{'no AR(1)' if start.phi is None else 'AR(1)'}; it must come from a fit with the "
            f"same `re` ({list(re_names)}) and `ar1_time` ({ar1_time!r})"
        )
    inv = np.linalg.inv(a_z)
    rel = inv @ (np.asarray(start.re_cov) / start.sigma**2) @ inv.T
    w, v = np.linalg.eigh(0.5 * (rel + rel.T))
    w = np.maximum(w, 1e-4 * max(float(w.max()), 1e-2))
    x = prob.theta_of(np.linalg.cholesky((v * w) @ v.T))
    return np.append(x, start.phi) if start.phi is not None else x


def lrt(m0: LMMResult, m1: LMMResult) -> LRTResult:
    r"""Likelihood-ratio test of nested fits: ``2 (logLik1 - logLik0) ~ chi2(k1 - k0)``.

    Both fits must use the same rows and response. Models that differ in fixed effects must be
    fitted by ML (REML likelihoods of different fixed-effect designs are not comparable); REML
    fits may be compared only when their fixed-effect designs are identical (testing variance
    components). That ``m0`` is nested in ``m1`` is the caller's claim; it is not checked beyond
    the parameter count.

    Raises
    ------
    DesignError
        Different data, methods, REML with different fixed effects, or ``m0`` not smaller.
    """
    if m0.method != m1.method:
        raise DesignError(f"lrt: models fitted by different methods ({m0.method}, {m1.method})")
    if m0.n_obs != m1.n_obs or not np.array_equal(np.sort(m0.response), np.sort(m1.response)):
        raise DesignError(
            f"lrt: models were fitted to different data ({m0.n_obs} vs {m1.n_obs} rows or a "
            "different response); refit both on the same complete rows"
        )
    if m0.method == "REML" and (
        m0.coef_names != m1.coef_names or not np.allclose(m0.design_x, m1.design_x)
    ):
        raise DesignError(
            "lrt: REML fits with different fixed effects cannot be compared; refit both with "
            "method='ML'"
        )
    if m0.n_params >= m1.n_params:
        raise DesignError(
            f"lrt: m0 must have fewer parameters than m1 (got {m0.n_params} and {m1.n_params}); "
            "pass the smaller model first"
        )
    stat = max(0.0, 2.0 * (m1.loglik - m0.loglik))
    dfree = m1.n_params - m0.n_params
    return LRTResult(
        loglik0=m0.loglik,
        loglik1=m1.loglik,
        n_params0=m0.n_params,
        n_params1=m1.n_params,
        aic0=m0.aic,
        aic1=m1.aic,
        bic0=m0.bic,
        bic1=m1.bic,
        statistic=stat,
        df=dfree,
        p=float(stats.chi2.sf(stat, dfree)),
        method=m0.method,
    )
