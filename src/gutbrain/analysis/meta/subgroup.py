r"""Subgroup analysis: a pooled estimate per subgroup and a test of subgroup differences.

Two standard ways, both reported:

1. **Separate** :math:`\tau^2` **per subgroup** (the default in RevMan and in the R package meta).
   Each subgroup :math:`g` gets its own model with estimate :math:`\hat\mu_g` and standard error
   :math:`s_g`. The test of subgroup differences is the fixed-effect meta-regression of the
   :math:`\hat\mu_g` on the subgroup factor,

   .. math:: Q_M = \sum_g \frac{(\hat\mu_g - \bar\mu)^2}{s_g^2}, \quad
             \bar\mu = \frac{\sum_g \hat\mu_g/s_g^2}{\sum_g 1/s_g^2}, \quad Q_M \sim \chi^2_{G-1},

   as in metafor's worked example "comparing estimates of independent meta-analyses"
   (``rma(estimate, sei=se, mods=~group, method="FE")``).
2. **Pooled** :math:`\tau^2`: the mixed-effects model with the subgroup as a categorical
   moderator; its omnibus :math:`Q_M` (or F under Knapp-Hartung) tests the differences.

Validated against metafor 3.8-1 on dat.bcg subgroups by ``alloc`` (REML and DL, with and without
Knapp-Hartung): see ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from gutbrain.analysis.format import format_p
from gutbrain.analysis.meta.effects import EffectSizes, as_effects
from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.errors import DataError

__all__ = ["SubgroupResult", "subgroup_analysis"]


@dataclass(frozen=True, repr=False)
class SubgroupResult:
    """Per-subgroup models and the tests of subgroup differences.

    Attributes
    ----------
    levels : tuple of str
        Subgroup names, sorted.
    models : dict
        One :class:`MetaResult` per subgroup (each with its own tau^2).
    QM, QM_df, QM_p : float, int, float
        Test of subgroup differences with separate tau^2 (chi-square, G - 1 df).
    pooled : MetaResult
        The mixed-effects model with the subgroup as moderator (common tau^2); its ``QM`` and
        ``QM_p`` are the test of differences under a pooled tau^2.
    """

    variable: str
    levels: tuple[str, ...]
    models: dict[str, MetaResult]
    QM: float
    QM_df: int
    QM_p: float
    pooled: MetaResult

    def summary(self) -> pd.DataFrame:
        """One row per subgroup: k, estimate, se, ci_lb, ci_ub, pval, tau2, I2, QE, QE_p."""
        rows = []
        for g in self.levels:
            m = self.models[g]
            rows.append(
                {
                    "subgroup": g,
                    "k": m.k,
                    "estimate": float(m.beta[0]),
                    "se": float(m.se[0]),
                    "ci_lb": float(m.ci_lb[0]),
                    "ci_ub": float(m.ci_ub[0]),
                    "pval": float(m.pval[0]),
                    "tau2": m.tau2,
                    "I2": m.I2,
                    "QE": m.QE,
                    "QE_p": m.QE_p,
                }
            )
        return pd.DataFrame(rows).set_index("subgroup")

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        return {
            "variable": self.variable,
            "levels": list(self.levels),
            "subgroups": {g: self.models[g].to_dict() for g in self.levels},
            "test_separate_tau2": {
                "QM": self.QM,
                "QM_df": self.QM_df,
                "QM_p": self.QM_p,
                "dist": "chisq",
            },
            "test_pooled_tau2": {
                "QM": self.pooled.QM,
                "QM_df": list(self.pooled.QM_df),
                "QM_p": self.pooled.QM_p,
                "dist": "F" if self.pooled.knha else "chisq",
                "tau2": self.pooled.tau2,
            },
        }

    def __repr__(self) -> str:
        frame = self.summary()[["k", "estimate", "se", "ci_lb", "ci_ub", "tau2", "I2"]]
        body = frame.to_string(float_format=lambda v: f"{v:.4f}")
        pooled = self.pooled
        pooled_p = format_p(pooled.QM_p, label="p-val", style="metafor")
        if pooled.knha:
            d1, d2 = pooled.QM_df
            pooled_test = f"F(df1 = {d1}, df2 = {d2}) = {pooled.QM:.4f}, {pooled_p}"
        else:
            pooled_test = f"QM(df = {pooled.QM_df[0]}) = {pooled.QM:.4f}, {pooled_p}"
        return (
            f"Subgroup analysis by {self.variable!r} ({self.models[self.levels[0]].method})\n\n"
            f"{body}\n\n"
            "Test for subgroup differences (separate tau^2):\n"
            f"QM(df = {self.QM_df}) = {self.QM:.4f}, "
            f"{format_p(self.QM_p, label='p-val', style='metafor')}\n"
            "Test for subgroup differences (pooled tau^2, mixed-effects model):\n"
            f"{pooled_test}"
        )


def subgroup_analysis(
    yi: EffectSizes | ArrayLike,
    vi: ArrayLike | None,
    groups: Sequence[object] | pd.Series,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
    variable: str = "subgroup",
) -> SubgroupResult:
    """Fit one model per subgroup and test the differences between subgroups.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances (or an ``EffectSizes`` and ``vi=None``).
    groups
        Subgroup of each study (converted to text).
    method, knha, level
        As for :func:`~gutbrain.analysis.meta.rma`, applied to every model.
    variable
        Name of the subgroup variable, for printing.

    Raises
    ------
    DataError
        Fewer than two subgroups, a missing subgroup, or a subgroup with too few studies for the
        chosen model (one study is enough for FE; random effects need two).
    """
    es = yi if isinstance(yi, EffectSizes) else as_effects(yi, vi)  # type: ignore[arg-type]
    g = pd.Series(list(groups), dtype=object)
    if len(g) != es.k:
        raise DataError(f"{variable}: has {len(g)} values but there are {es.k} studies")
    if g.isna().any():
        i = int(np.flatnonzero(g.isna().to_numpy())[0])
        raise DataError(f"{variable}, study {i}: missing subgroup; every study needs one")
    text = g.astype(str).to_numpy()
    levels = tuple(sorted(set(text)))
    if len(levels) < 2:
        raise DataError(f"{variable}: only one subgroup ({levels[0]!r}); need at least two")
    labs = np.array(
        [str(i + 1) for i in range(es.k)] if labels is None else [str(s) for s in labels]
    )
    models: dict[str, MetaResult] = {}
    for lev in levels:
        idx = np.flatnonzero(text == lev)
        need = 1 if (method == "FE" and not knha) else 2
        if idx.size < need:
            raise DataError(
                f"{variable} = {lev!r} has {idx.size} study; a {method} model"
                f"{' with Knapp-Hartung' if knha else ''} needs at least {need} per subgroup"
            )
        models[lev] = rma(
            es.yi[idx], es.vi[idx], method=method, knha=knha, level=level, labels=list(labs[idx])
        )
    est = np.array([models[lev].beta[0] for lev in levels])
    w = 1.0 / np.array([models[lev].se[0] for lev in levels]) ** 2
    mean = float(np.sum(w * est) / np.sum(w))
    qm = float(np.sum(w * (est - mean) ** 2))
    df = len(levels) - 1
    pooled = rma(
        es.yi,
        es.vi,
        mods=pd.DataFrame({variable: text}),
        method=method,
        knha=knha,
        level=level,
        labels=list(labs),
    )
    return SubgroupResult(
        variable=variable,
        levels=levels,
        models=models,
        QM=qm,
        QM_df=df,
        QM_p=float(stats.chi2.sf(qm, df)),
        pooled=pooled,
    )
