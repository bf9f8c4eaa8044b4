"""Predictions of a fitted mixed model for new rows (lme4's ``predict(fit, newdata)``).

:func:`predict` builds the fixed- and random-effects designs of the new rows with the fit's own
terms, categorical levels and stateful transforms
(:func:`gutbrain.analysis.formula.design_for_new_rows`), then returns ``X beta`` (population
level, lme4's ``re.form = NA``) or ``X beta + Z b_g`` (conditional, lme4's default) with ``b_g``
the BLUPs of the row's group. A group the fit never saw gets ``b = 0``, its population-level
prediction, as lme4's ``allow.new.levels = TRUE``. Rows missing a value the prediction needs give
NaN (lme4's ``na.action = na.pass``). Checked against lme4 1.1-31
(``tests/analysis/test_lmm_parity.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gutbrain.analysis.formula import (
    design_for_new_rows,
    parse_formula,
)
from gutbrain.errors import DataError

if TYPE_CHECKING:
    from gutbrain.analysis.lmm.result import LMMResult

__all__ = ["predict"]


def predict(fit: LMMResult, newdata: pd.DataFrame, *, random_effects: bool = True) -> pd.Series:
    """Predicted responses of ``fit`` for the rows of ``newdata``, indexed like it.

    Parameters
    ----------
    fit
        A fitted model.
    newdata
        The rows to predict: the fixed-effect predictors, and with ``random_effects`` the
        random-effect predictors and the grouping column. The response is not needed.
    random_effects
        True (default): ``X beta + Z b`` with the BLUPs of each row's group, 0 for a group the
        fit did not see; False: ``X beta``.

    Raises
    ------
    DataError
        Not a DataFrame, a missing column, or a categorical level or value the fit cannot take.
    """
    if not isinstance(newdata, pd.DataFrame):
        raise DataError(
            f"predict: newdata must be a pandas DataFrame, got {type(newdata).__name__}"
        )
    fixed = parse_formula(fit.formula)
    parts = [(fixed, fit.x_design)]
    if random_effects:
        parts.append((parse_formula(fit.re_formula, need_response=False), fit.z_design))
    used = list(dict.fromkeys(c for p, _ in parts for c in p.predictors))
    needed = list(used)
    if random_effects:
        needed.append(fit.groups)
    missing = [c for c in dict.fromkeys(needed) if c not in newdata.columns]
    if missing:
        raise DataError(
            f"predict: column(s) {', '.join(map(repr, missing))} not in newdata; the model "
            f"{fit.formula!r} needs {', '.join(map(repr, dict.fromkeys(needed)))}"
        )
    out = np.full(len(newdata), np.nan)
    ok = ~newdata[used].isna().any(axis=1).to_numpy(dtype=bool)
    rows = newdata.loc[ok] if not ok.all() else newdata
    what = f"predict: fixed-effects formula {fit.formula!r}"
    pred = design_for_new_rows(fixed, fit.x_design, rows, what=what).matrix @ fit.beta
    if random_effects:
        rand, z_design = parts[1]
        what = f"predict: random-effects formula {fit.re_formula!r}"
        z = design_for_new_rows(rand, z_design, rows, what=what).matrix
        index = pd.Index(fit.group_labels).get_indexer(rows[fit.groups].astype(object))
        seen = index >= 0
        pred[seen] += np.einsum("nq,nq->n", z[seen], fit.blups[index[seen]])
    out[ok] = pred
    return pd.Series(out, index=newdata.index, name="predicted")
