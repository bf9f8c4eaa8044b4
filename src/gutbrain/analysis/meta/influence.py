r"""Leave-one-out analysis and case-deletion influence diagnostics (metafor's ``leave1out`` and
``influence.rma.uni``).

Every study is deleted in turn and the model refitted with the same tau^2 estimator, test and
level. For study :math:`i`, with :math:`\hat\beta_{(-i)}`, :math:`\hat\tau^2_{(-i)}`,
:math:`s^2_{(-i)}` (the Knapp-Hartung factor, 1 without it) and
:math:`\widehat{\mathrm{Var}}(\hat\beta_{(-i)})` from the fit without it (Viechtbauer & Cheung
2010, Res Synth Methods 1:112):

- ``rstudent``: :math:`(y_i - x_i^\top\hat\beta_{(-i)}) / \sqrt{s^2_{(-i)}(v_i +
  \hat\tau^2_{(-i)}) + x_i^\top \widehat{\mathrm{Var}}(\hat\beta_{(-i)}) x_i}`;
- ``dffits``: :math:`x_i^\top(\hat\beta - \hat\beta_{(-i)}) / \sqrt{s^2_{(-i)} h_i (v_i +
  \hat\tau^2_{(-i)})}`;
- ``cook_d``: :math:`(\hat\beta - \hat\beta_{(-i)})^\top \widehat{\mathrm{Var}}(\hat\beta)^{-1}
  (\hat\beta - \hat\beta_{(-i)})` over all coefficients;
- ``cov_r``: :math:`\det\widehat{\mathrm{Var}}(\hat\beta_{(-i)}) / \det\widehat{\mathrm{Var}}
  (\hat\beta)`;
- ``tau2_del``, ``QE_del``: tau^2 and the residual-heterogeneity Q without the study;
- ``hat``: the diagonal of :math:`X(X^\top WX)^{-1}X^\top W`; ``weight``: the weight in percent;
- ``dfbetas``: :math:`(\hat\beta - \hat\beta_{(-i)}) / \sqrt{s^2_{(-i)}\,
  \mathrm{diag}(X^\top W_{(-i)} X)^{-1}}` with :math:`W_{(-i)} = \mathrm{diag}(1/(v_j +
  \hat\tau^2_{(-i)}))` over all studies;
- ``influential``: metafor's flag, any of :math:`|\mathrm{dffits}| > 3\sqrt{p/(k-p)}`,
  :math:`P(\chi^2_p \le \mathrm{cook\_d}) > 0.5`, :math:`h_i > 3p/k` or any
  :math:`|\mathrm{dfbetas}| > 1`.

A deletion whose refit fails gives NaN for that study, as in metafor; unlike metafor, which
fits a single remaining study with the FE model, a random-effects refit of one study fails.

Validated against metafor 3.8-1 ``leave1out(res)`` and ``influence(res)`` on dat.bcg (REML, ML,
FE, DL with Knapp-Hartung, REML on ``ablat``) and dat.molloy2014 (PM; REML on ``meanage +
quality`` with Knapp-Hartung); see ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from gutbrain.analysis.meta.model import MetaResult, rma
from gutbrain.errors import DataError, ParameterError

__all__ = ["Influence", "LeaveOneOut", "influence", "leave1out"]

FloatArray = NDArray[np.float64]
_EPS = np.finfo(float).eps


def _refit(res: MetaResult, i: int) -> MetaResult | None:
    """The model without study ``i`` (same estimator, test and level); None if it cannot fit."""
    keep = np.arange(res.k) != i
    try:
        return rma(
            res.yi[keep],
            res.vi[keep],
            mods=res.X[keep, 1:] if res.has_mods else None,
            method=res.method,
            knha=res.knha,
            level=res.level,
        )
    except DataError:
        return None


@dataclass(frozen=True)
class LeaveOneOut:
    """The pooled estimate with each study left out (one row per study)."""

    table: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON: one record per study (NaN as None)."""
        return {"studies": _records(self.table)}

    def __repr__(self) -> str:
        return self.table.to_string(float_format=lambda v: f"{v:.4f}")


@dataclass(frozen=True)
class Influence:
    """Case-deletion diagnostics (one row per study) and DFBETAS (one column per coefficient)."""

    table: pd.DataFrame
    dfbetas: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON: one record per study, DFBETAS included."""
        both = self.table.join(self.dfbetas.add_prefix("dfbetas_"))
        return {"studies": _records(both)}

    def __repr__(self) -> str:
        shown = self.table.copy()
        shown["influential"] = np.where(shown["influential"], "*", "")
        return shown.to_string(float_format=lambda v: f"{v:.4f}")


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    out = []
    for study, row in frame.iterrows():
        rec: dict[str, object] = {"study": str(study)}
        for col, val in row.items():
            if isinstance(val, (bool, np.bool_)):
                rec[str(col)] = bool(val)
            else:
                v = float(val)
                rec[str(col)] = v if np.isfinite(v) else None
        out.append(rec)
    return out


def leave1out(res: MetaResult) -> LeaveOneOut:
    """Refit a model without moderators leaving out each study in turn (metafor ``leave1out``).

    Columns: estimate, se, stat (z, or t under Knapp-Hartung), pval, ci_lb, ci_ub, Q, Qp, tau2,
    I2, H2; the index is the study label.

    Raises
    ------
    ParameterError
        A model with moderators (as metafor, which refuses them).
    """
    if res.has_mods:
        raise ParameterError("leave1out: only for models without moderators; use influence()")
    cols = ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Qp", "tau2", "I2", "H2")
    rows = np.full((res.k, len(cols)), np.nan)
    for i in range(res.k):
        fit = _refit(res, i)
        if fit is not None:
            rows[i] = [
                fit.beta[0], fit.se[0], fit.stat[0], fit.pval[0], fit.ci_lb[0], fit.ci_ub[0],
                fit.QE, fit.QE_p, fit.tau2, fit.I2, fit.H2,
            ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(cols), index=pd.Index(res.labels, name="study"))
    return LeaveOneOut(frame)


def hat_values(res: MetaResult) -> FloatArray:
    """Leverages: the diagonal of :math:`X(X^\\top WX)^{-1}X^\\top W` (metafor ``hatvalues``)."""
    wi = 1.0 / (res.vi + res.tau2)
    XtWX = res.X.T @ (res.X * wi[:, None])
    h = np.einsum("ij,ji->i", res.X, np.linalg.solve(XtWX, res.X.T)) * wi
    return np.where(h > 1.0 - 10.0 * _EPS, 1.0, h)


def influence(res: MetaResult) -> Influence:
    """Case-deletion influence diagnostics of a fitted model (metafor ``influence(res)``).

    Columns of ``table``: rstudent, dffits, cook_d, cov_r, tau2_del, QE_del, hat, weight,
    influential; ``dfbetas`` has one column per coefficient. See the module docstring.

    Raises
    ------
    DataError
        Fewer than 2 studies.
    """
    k, p = res.X.shape
    if k < 2:
        raise DataError(f"influence diagnostics need at least 2 studies; got k = {k}")
    hat = hat_values(res)
    pred_full = res.X @ res.beta
    vb_inv = np.linalg.inv(res.vb)
    logdet = np.linalg.slogdet(res.vb)[1]
    cols = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del")
    rows = np.full((k, len(cols)), np.nan)
    dfbs = np.full((k, p), np.nan)
    for i in range(k):
        fit = _refit(res, i)
        if fit is None:
            continue
        xi = res.X[i]
        delpred = float(xi @ fit.beta)
        vdelpred = float(xi @ fit.vb @ xi)
        resid = res.yi[i] - delpred
        resid = 0.0 if abs(resid) < 100 * _EPS else resid
        rstudent = resid / np.sqrt((res.vi[i] + fit.tau2) * fit.s2w + vdelpred)
        dffits = (pred_full[i] - delpred) / np.sqrt(fit.s2w * hat[i] * (fit.tau2 + res.vi[i]))
        dfb = res.beta - fit.beta
        w_del = 1.0 / (res.vi + fit.tau2)
        vb_del = np.linalg.inv(res.X.T @ (res.X * w_del[:, None]))
        dfbs[i] = dfb / np.sqrt(fit.s2w * np.diag(vb_del))
        cook = float(dfb @ vb_inv @ dfb)
        cov_r = float(np.exp(np.linalg.slogdet(fit.vb)[1] - logdet))
        rows[i] = [rstudent, dffits, cook, cov_r, fit.tau2, fit.QE]
    labels = pd.Index(res.labels, name="study")
    table = pd.DataFrame(rows, columns=list(cols), index=labels)
    table["hat"] = hat
    table["weight"] = res.weights
    dfbetas = pd.DataFrame(dfbs, columns=list(res.coef_names), index=labels)
    with np.errstate(invalid="ignore"):
        flag = (
            (np.abs(table["dffits"]) > 3.0 * np.sqrt(p / (k - p)) if k > p else False)
            | (stats.chi2.cdf(table["cook_d"], p) > 0.5)
            | (table["hat"] > 3.0 * p / k)
            | (np.abs(dfbetas) > 1.0).any(axis=1)
        )
    table["influential"] = np.asarray(flag, dtype=bool)
    return Influence(table=table, dfbetas=dfbetas)
