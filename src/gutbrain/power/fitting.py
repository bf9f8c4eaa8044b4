r"""The analysis of one simulated replicate, reusing what all replicates share.

Two analyses:

* ``lmm``: a user formula fitted by :mod:`gutbrain.analysis.lmm` (REML or ML, random
  intercept or intercept and slopes, optional CAR(1) residuals in ``day``), the tested
  coefficient's Wald t with nlme's containment ("between/within") df or Satterthwaite df;
* ``ols``: least squares with the exact t test (df = n - p): the two-sample t test
  (``y ~ Z``) and ANCOVA (``y ~ Z + W``) on one row per participant.

Speed (thousands of fits): the engine's steps are called directly, skipping what a power run
does not need (fitted values, BLUPs, and the Satterthwaite Jacobian for containment df), and
every fit starts from the generating covariance parameters (a warm start: the optimiser needs
a few Newton steps instead of a search), which does not change the optimum it converges to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gutbrain.analysis.formula import build_design, parse_formula, response_values
from gutbrain.analysis.lmm.inference import fixed_effect_tests, wald_t
from gutbrain.analysis.lmm.likelihood import LikelihoodProblem
from gutbrain.analysis.lmm.optimise import optimise
from gutbrain.analysis.lmm.prepare import prepare
from gutbrain.analysis.lmm.scale import InternalScale, back_transform
from gutbrain.errors import DesignError, GutbrainError
from gutbrain.power.generator import Generator

__all__ = ["Analysis", "Outcome", "analyse", "containment_df"]


@dataclass(frozen=True)
class Analysis:
    """What each replicate is analysed with (the design's ``[analysis]`` table)."""

    kind: str  # "lmm" or "ols"
    formula: str
    test: str  # the tested coefficient, e.g. "W" or "Z:X"
    re: str = "~ 1"
    ar1: bool = True
    method: str = "REML"
    df: str = "containment"  # or "satterthwaite"


@dataclass(frozen=True)
class Outcome:
    """One replicate: the p value of the tested coefficient (nan when the fit failed)."""

    p: float
    converged: bool
    failed: bool


def containment_df(x: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """nlme's containment ("between/within") df of each column of the fixed-effects design
    ``x`` (rows sorted by group, ``sizes`` rows per group), one grouping level.

    As nlme's ``getFixDF`` (Pinheiro & Bates 2000, sec. 2.4.2): a column that varies within
    some group is estimated in the residual stratum (N - m rows of information), one constant
    within every group in the group stratum (m); each stratum loses one df per column estimated
    in it, the group stratum one more for the intercept, and the intercept gets the larger.
    E.g. ``distance ~ age + Sex`` on Orthodont (N = 108, m = 27): age 80, Sex 25, intercept 80.
    """
    m, n = len(sizes), x.shape[0]
    constant = np.all(x == x[0], axis=0)
    first = np.repeat(x[np.concatenate([[0], np.cumsum(sizes)[:-1]])], sizes, axis=0)
    within = np.any(x != first, axis=0)
    dfs = np.array([float(m), float(n - m)])
    dfs[0] -= np.sum(~within & ~constant)
    dfs[1] -= np.sum(within & ~constant)
    if constant.any():
        dfs[0] -= 1
    else:
        dfs[1] += 1
    return np.where(constant, dfs.max(), np.where(within, dfs[1], dfs[0]))


def _warm_start(
    prob: LikelihoodProblem, scale: InternalScale, re_names: tuple[str, ...], gen: Generator
) -> np.ndarray | None:
    """The generating covariance parameters on ``prob``'s internal scale (``Lambda Lambda' =
    A_z^-1 (D / sigma^2) A_z^-T``, kept positive definite), or None when the analysis has
    random effects the generator does not know."""
    known = {"Intercept": 0, "X": 1}
    if any(name not in known for name in re_names):
        return None
    idx = [known[name] for name in re_names]
    d = gen.re_cov()[np.ix_(idx, idx)] / gen.sd_within**2
    inv = np.linalg.inv(scale.a_z)
    w, v = np.linalg.eigh(inv @ d @ inv.T)
    w = np.maximum(w, 1e-2)
    x = prob.theta_of(np.linalg.cholesky((v * w) @ v.T))
    return np.append(x, min(max(gen.ar1, 0.05), 0.95)) if prob.has_ar else x


def _lmm_p(an: Analysis, data: pd.DataFrame, gen: Generator) -> tuple[float, bool]:
    prep = prepare(an.formula, data, "participant", an.re, "day" if an.ar1 else None)
    scale = InternalScale.of(prep, an.formula)
    prob = LikelihoodProblem(
        scale.x, scale.z, scale.y, prep.sizes, prep.time, reml=an.method == "REML"
    )
    opt = optimise(prob, _warm_start(prob, scale, prep.z.columns, gen))
    ev = prob.evaluate(*prob.split(opt.x), gradient=False)
    est = back_transform(prob, opt, ev, scale)
    k = _column(prep.x.columns, an.test)
    if an.df == "satterthwaite":
        p = float(fixed_effect_tests(prob, opt, ev, scale, est, 0.95).p[k])
    else:
        df = containment_df(prep.x.matrix, prep.sizes)[k]
        se = float(np.sqrt(est.cov_beta[k, k]))
        p = float(wald_t(float(est.beta[k]), se, float(df), 0.95)[1])
    return p, opt.convergence.converged


def _ols_p(an: Analysis, data: pd.DataFrame) -> float:
    parsed = parse_formula(an.formula)
    design = build_design(parsed, data, what=f"power: analysis formula {an.formula!r}")
    y = (
        data[str(parsed.response)].to_numpy(dtype=float)
        if parsed.lhs is None
        else response_values(parsed, data, what=f"power: analysis formula {an.formula!r}")
    )
    x = design.matrix
    k = _column(design.columns, an.test)
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    dfree = x.shape[0] - x.shape[1]
    if rank < x.shape[1] or dfree < 1:
        raise np.linalg.LinAlgError("rank-deficient design")
    s2 = float(np.sum((y - x @ coef) ** 2)) / dfree
    se = float(np.sqrt(s2 * np.linalg.inv(x.T @ x)[k, k]))
    return float(wald_t(float(coef[k]), se, float(dfree), 0.95)[1])


def _column(columns: tuple[str, ...], test: str) -> int:
    if test not in columns:
        raise DesignError(
            f"power: [analysis] test = {test!r} is not a coefficient of the analysis model; "
            f"expected one of {', '.join(columns)}"
        )
    return columns.index(test)


def analyse(an: Analysis, data: pd.DataFrame, gen: Generator, *, strict: bool = False) -> Outcome:
    """The tested coefficient's p value in one replicate.

    A fit that raises (a singular matrix, too few rows left after dropout) is counted as
    failed, not dropped silently; with ``strict`` (the check of the analysis on a first
    replicate, :func:`gutbrain.power.run.run_power`) it raises, so that a mistake in the design
    (an unknown column or test coefficient) stops the run at once.
    """
    try:
        if an.kind == "ols":
            return Outcome(_ols_p(an, data), True, False)
        p, converged = _lmm_p(an, data, gen)
    except (GutbrainError, np.linalg.LinAlgError, FloatingPointError):
        if strict:
            raise
        return Outcome(float("nan"), False, True)
    return Outcome(p, converged, False)
