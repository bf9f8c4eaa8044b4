r"""Fast linear mixed models for intensive longitudinal (daily-diary) data.

:func:`lmm` fits, by exact ML or REML,

.. math::

    y_{ij} = x_{ij}^\top\beta + z_{ij}^\top b_i + \varepsilon_{ij},\quad
    b_i \sim N(0, D),\quad
    \mathrm{cor}(\varepsilon_{ij}, \varepsilon_{ik}) = \phi^{|t_{ij}-t_{ik}|},\quad
    \mathrm{var}(\varepsilon_{ij}) = \sigma^2,

with one grouping factor (participant), random intercepts and slopes with an unstructured
covariance ``D``, and an optional continuous-time AR(1) residual (nlme's ``corCAR1``), so missing
diary days are handled exactly. :func:`lmm` runs four steps, each in its own module:

1. checking the inputs and building the designs (:mod:`~gutbrain.analysis.lmm.prepare`);
2. fitting: optimising the profiled deviance (:mod:`~gutbrain.analysis.lmm.likelihood`, with its
   analytic gradient, and :mod:`~gutbrain.analysis.lmm.optimise`) on an internal, standardised
   scale;
3. back-transforming the estimates to the original scale (:mod:`~gutbrain.analysis.lmm.scale`);
4. inference: Wald t tests of the fixed effects with Satterthwaite degrees of freedom, as
   lmerTest (:mod:`~gutbrain.analysis.lmm.inference`).

Nested models are compared by likelihood-ratio tests (:func:`lrt`).

Validation (``tests/analysis/test_lmm_reference.py``, reference values from
``tests/reference/lmm_reference.R``): lme4 1.1 ``lmer`` (random intercept; intercept + slope;
ML and REML), nlme 3.1 ``lme`` with ``corCAR1`` (with and without a random slope; ML and REML)
and lmerTest 3.1 Satterthwaite df, on lme4's ``sleepstudy``, nlme's ``BodyWeight`` and a
simulated diary data set.

Design columns are centred and scaled internally, and the response scaled, before optimising;
estimates are transformed back exactly (:mod:`~gutbrain.analysis.lmm.scale`).

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

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis.formula import split_bars
from gutbrain.analysis.lmm.inference import FixedEffectTests, fixed_effect_tests
from gutbrain.analysis.lmm.likelihood import Evaluation, LikelihoodProblem
from gutbrain.analysis.lmm.optimise import Optimum, optimise
from gutbrain.analysis.lmm.prepare import Prepared, check_options, prepare
from gutbrain.analysis.lmm.profile import ProfileSpace
from gutbrain.analysis.lmm.result import LMMResult, LRTResult
from gutbrain.analysis.lmm.scale import Estimates, InternalScale, back_transform
from gutbrain.errors import DataError, DesignError

__all__ = ["lmm", "lrt"]


def lmm(
    formula: str,
    data: pd.DataFrame,
    groups: str | None = None,
    re: str | None = None,
    ar1_time: str | None = None,
    method: str = "REML",
    *,
    correlation: str = "car1",
    conf_level: float = 0.95,
    start: LMMResult | None = None,
) -> LMMResult:
    r"""Fit a linear mixed model by REML or ML.

    Parameters
    ----------
    formula
        Fixed effects, e.g. ``"na ~ arm * week + baseline"``, optionally with one lme4-style
        random-effect term, ``"na ~ arm * week + (1 + day | participant)"``, in place of
        ``groups`` and ``re`` (formulaic's syntax, see
        :mod:`gutbrain.analysis.formula`: numeric columns, treatment-coded categoricals,
        ``C(x, levels=...)``, ``a:b``, ``a*b``, ``- 1``, ``log(x)``, ``I(x**2)``, ``np.*``,
        splines ``bs()`` and ``cr()``); the response is a column or an expression such as
        ``log(na)``.
    data
        One row per observation. Rows with a missing value in any used column are dropped (as
        lme4's default ``na.omit``).
    groups
        The grouping column (participant); one level of random effects. Needed unless the
        formula has a ``( ... | group)`` term.
    re
        Random-effects formula without response: ``"~ 1"`` (random intercept, the default),
        ``"~ 1 + day"`` (intercept and slope, unstructured covariance).
    ar1_time
        A numeric time column for a continuous-time AR(1) residual correlation
        :math:`\phi^{|t_j - t_k|}` within participant (nlme ``corCAR1(form = ~ time | group)``);
        None for independent residuals. Times must be unique within a participant.
    correlation
        With ``ar1_time``: ``"car1"`` (default; nlme's ``corCAR1``, phi in [0, 1), any times)
        or ``"ar1"`` (nlme's discrete ``corAR1(form = ~ time | group)``: whole-number times,
        gaps allowed, phi in (-1, 1), so a negative lag-1 correlation can be fitted). The two
        share the formula ``phi^|t_j - t_k|``, so with integer times and phi >= 0 they agree.
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
        Missing columns, non-numeric response or time, infinite values (also of a
        transformation), a text term column holding numbers (a typo such as "ten"), duplicate
        times, too few groups, or a model that fits the response exactly (residual variance 0).
    DesignError
        Unparseable formula, rank-deficient design, unknown method or correlation, no grouping
        column, or a grouping given both in the formula and by ``groups``/``re``.

    Notes
    -----
    Validated against lme4 1.1-31, nlme 3.1-162 and lmerTest 3.1-3 (see the module docstring):
    fixed effects, variance components and log-likelihoods agree to at least 6 significant
    digits, Satterthwaite df likewise. Satterthwaite df for models with an AR(1) term use the same
    formula over (theta, phi, sigma); there is no R implementation to compare them with.
    """
    check_options(method, conf_level, correlation)
    formula, groups, re = _grouping(formula, groups, re)
    discrete = correlation == "ar1"
    prep = prepare(formula, data, groups, re, ar1_time, discrete=discrete)
    scale = InternalScale.of(prep, formula)
    prob = LikelihoodProblem(
        scale.x, scale.z, scale.y, prep.sizes, prep.time, reml=method == "REML", discrete=discrete
    )
    x0 = None if start is None else _start_point(start, prob, prep.z.columns, scale.a_z, ar1_time)
    model = f"{formula!r} with random effects {re!r} per {groups!r}"
    opt, ev = _fit(prob, scale, x0, model)
    est = back_transform(prob, opt, ev, scale)
    tests = fixed_effect_tests(prob, opt, ev, scale, est, conf_level)
    return _result(
        prep,
        prob,
        scale,
        opt,
        est,
        tests,
        formula=formula,
        re=re,
        groups=groups,
        ar1_time=ar1_time,
        correlation=correlation if ar1_time is not None else None,
        method=method,
        conf_level=conf_level,
        row_labels=data.index,
    )


def _grouping(formula: str, groups: str | None, re: str | None) -> tuple[str, str, str]:
    """``(fixed formula, grouping column, random-effects formula)`` from the arguments or
    from an lme4-style ``( ... | group)`` term of ``formula``.

    Raises
    ------
    DesignError
        No grouping, or one given twice.
    """
    bars = split_bars(formula) if isinstance(formula, str) else None
    if bars is None:
        if groups is None:
            raise DesignError(
                f"lmm: no grouping in {formula!r}: give groups= (and re=), or write the random "
                "effects into the formula as `(1 + day | participant)`"
            )
        return formula, groups, "~ 1" if re is None else re
    if groups is not None or re is not None:
        raise DesignError(
            f"lmm: formula {formula!r} has a random-effect term; give groups= and re= or the "
            "term, not both"
        )
    fixed, rand, group = bars
    return fixed, group, rand


def _fit(
    prob: LikelihoodProblem,
    scale: InternalScale,
    x0: np.ndarray | None,
    model: str,
) -> tuple[Optimum, Evaluation]:
    """The optimum of ``prob`` (from ``x0`` if given) and the evaluation there.

    Raises
    ------
    DataError
        The model (described by ``model``) fits the response exactly, so the residual variance
        is 0 and nothing can be estimated.
    """
    try:
        opt = optimise(prob, x0)
        ev = prob.evaluate(*prob.split(opt.x), gradient=False)
    except (np.linalg.LinAlgError, DesignError):
        if _fits_exactly(scale, prob.group_sizes):
            raise _exact_fit(model) from None
        raise
    if (not opt.convergence.converged or not prob.sigma2(ev) > 1e-12) and _fits_exactly(
        scale, prob.group_sizes
    ):
        raise _exact_fit(model)
    return opt, ev


def _fits_exactly(scale: InternalScale, sizes: np.ndarray) -> bool:
    """True if ``y = X beta + Z_i b_i`` holds to rounding for some beta and b_i (sigma = 0), on
    the internal scale, with groups of ``sizes`` rows.

    Each group's rows of [X, y] are projected off the span of its Z_i (by SVD, no squaring),
    then y is regressed on X; only called when the optimiser has failed or sigma is tiny.
    """
    xs, zs, ys = scale.x, scale.z, scale.y
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


def _exact_fit(model: str) -> DataError:
    return DataError(
        f"lmm: {model} fits the response exactly (residual variance 0), so nothing can be "
        "estimated or tested; check for a predictor that copies the response, or a response "
        "constant within each group"
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


def _result(
    prep: Prepared,
    prob: LikelihoodProblem,
    scale: InternalScale,
    opt: Optimum,
    est: Estimates,
    tests: FixedEffectTests,
    *,
    formula: str,
    re: str,
    groups: str,
    ar1_time: str | None,
    correlation: str | None,
    method: str,
    conf_level: float,
    row_labels: pd.Index,
) -> LMMResult:
    """The result object, with fitted values from the estimates and BLUPs."""
    group_codes = np.repeat(np.arange(len(prep.sizes)), prep.sizes)
    fitted = prep.x.matrix @ est.beta + np.einsum("nq,nq->n", prep.z.matrix, est.blups[group_codes])
    # Fitted values in the input's row order; pandas objects are built on access.
    back = np.argsort(prep.positions)
    return LMMResult(
        formula=formula,
        re_formula=re,
        groups=groups,
        ar1_time=ar1_time,
        correlation=correlation,
        method=method,
        coef_names=prep.x.columns,
        beta=est.beta,
        se=tests.se,
        df=tests.df,
        t=tests.t,
        p=tests.p,
        ci_low=tests.ci_low,
        ci_high=tests.ci_high,
        conf_level=conf_level,
        cov_beta=est.cov_beta,
        re_names=prep.z.columns,
        re_cov=est.re_cov,
        sigma=est.sigma,
        phi=est.phi,
        loglik=est.loglik,
        aic=est.aic,
        bic=est.bic,
        n_obs=len(prep.y),
        n_groups=len(prep.sizes),
        n_params=est.n_params,
        fitted_values=fitted[back],
        row_labels=row_labels,
        row_positions=prep.positions[back],
        blups=est.blups,
        group_labels=prep.group_labels,
        convergence=opt.convergence,
        response=prep.y[back],
        design_x=prep.x.matrix,
        vcov_jacobian=tests.vcov_jacobian,
        varpar_cov=tests.varpar_cov,
        x_design=prep.x,
        z_design=prep.z,
        profile_space=ProfileSpace(prob, scale, -1.0 if prob.discrete else 0.0),
    )


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
