"""Type III hypotheses of a mixed model's fixed-effect terms, as lmerTest's
``anova(fit, type = 3)``.

A type III test of a term asks whether its columns are zero when every categorical is coded by
sum-to-zero contrasts (R's ``contr.sum``), a hypothesis that does not depend on the coding the
model was fitted with: ``arm`` in ``arm * week`` is the arm difference at ``week = 0``, and
``week`` the slope averaged over the arms (not the reference arm's slope, which is what the
treatment-coded ``week`` column is). With ``X_sum = X T`` (same column space) the sum-coded
parameters are ``T^-1 beta``, so the term's hypothesis is ``L = E_term T^-1`` on the fitted
parameters. ``T`` depends only on the coding, so it is computed on a small grid holding every
combination of the categoricals' levels and random values of the numeric columns, not on the data.
Checked against lmerTest 3.1-3 (``tests/analysis/test_lmm_parity.py``).
"""

from __future__ import annotations

import itertools

import numpy as np

from gutbrain.analysis.formula import (
    DesignMatrix,
    EncodedColumn,
    design_from_encoded,
    parse_formula,
)
from gutbrain.errors import DesignError

__all__ = ["type3_contrasts"]


def type3_contrasts(formula: str, design: DesignMatrix) -> list[tuple[str, np.ndarray]]:
    """``(term, L)`` for every term of the fixed-effects ``formula`` whose fitted design is
    ``design``: the type III hypothesis ``L beta = 0`` on the fitted (treatment-coded)
    parameters.

    Raises
    ------
    DesignError
        The formula is not built from column names, ``C()`` and interactions (its columns come
        from formulaic's transforms or splines): test such terms with ``f_test``.
    """
    parsed = parse_formula(formula)
    if design.levels is None or parsed.terms is None:
        raise DesignError(
            f"anova: formula {formula!r} has transformed terms; type III tests need plain columns, "
            "C() and interactions; use f_test with a contrast matrix instead"
        )
    keys = list(dict.fromkeys(k for term in parsed.terms for k in term))
    cats = [k for k in keys if design.levels[k] is not None]
    combos = list(itertools.product(*(range(len(design.levels[k] or ())) for k in cats)))
    reps = 2 * len(design.columns) + 2  # enough random rows per combination for full rank
    n = len(combos) * reps
    rng = np.random.default_rng(0)  # T is exact for any values that give full rank
    enc: dict[tuple[str, bool], EncodedColumn] = {}
    for key in keys:
        levels = design.levels[key]
        if levels is None:
            enc[key] = EncodedColumn(rng.normal(size=n), None)
        else:
            codes = np.repeat([c[cats.index(key)] for c in combos], reps)
            enc[key] = EncodedColumn(codes, levels)
    x_trt = design_from_encoded(parsed, enc, n).matrix
    x_sum = design_from_encoded(parsed, enc, n, sum_coding=True).matrix
    t_mat = np.linalg.lstsq(x_trt, x_sum, rcond=None)[0]
    t_inv = np.linalg.inv(t_mat)
    return [(name, t_inv[list(cols)]) for name, cols in design.terms]
