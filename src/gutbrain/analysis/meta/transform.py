"""Back-transformed summaries of ratio measures: metafor's ``predict(res, transf=exp)``.

Log odds ratios and log risk ratios are pooled on the log scale; the pooled ratio, its
confidence interval and its prediction interval are the exponentials of the log-scale values
(the standard error has no back-transformed counterpart, and metafor leaves it out too).

Validated against metafor 3.8-1 ``predict(res, transf=exp)`` on the log odds ratios of
dat.nielweise2007 (REML with and without Knapp-Hartung, FE); see
``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["LOG_SCALE", "BackTransformed", "back_transform"]

FloatArray = NDArray[np.float64]

# Measures pooled on the log scale, with the name of the ratio they summarise.
LOG_SCALE = {"OR": "odds ratio", "RR": "risk ratio"}


@dataclass(frozen=True)
class BackTransformed:
    """Pooled (or predicted) ratios with CI and, for random-effects models, prediction interval."""

    measure: str
    pred: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    pi_lb: FloatArray | None
    pi_ub: FloatArray | None
    level: float
    transform: str = "exp"

    def summary(self) -> pd.DataFrame:
        """One row per prediction: pred, ci_lb, ci_ub and (RE models) pi_lb, pi_ub."""
        cols = {"pred": self.pred, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub}
        if self.pi_lb is not None and self.pi_ub is not None:
            cols.update(pi_lb=self.pi_lb, pi_ub=self.pi_ub)
        return pd.DataFrame(cols)

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        out: dict[str, object] = {str(k): v.tolist() for k, v in self.summary().items()}
        out.update(
            measure=self.measure, ratio=LOG_SCALE[self.measure], transform=self.transform,
            level=self.level,
        )  # fmt: skip
        return out


def back_transform(
    measure: str,
    pred: FloatArray,
    ci: tuple[FloatArray, FloatArray],
    pi: tuple[FloatArray, FloatArray] | None,
    level: float,
) -> BackTransformed | None:
    """exp() of log-scale predictions for ``OR``/``RR``; None for measures on their own scale."""
    if measure not in LOG_SCALE:
        return None
    return BackTransformed(
        measure=measure,
        pred=np.exp(pred),
        ci_lb=np.exp(ci[0]),
        ci_ub=np.exp(ci[1]),
        pi_lb=None if pi is None else np.exp(pi[0]),
        pi_ub=None if pi is None else np.exp(pi[1]),
        level=level,
    )
