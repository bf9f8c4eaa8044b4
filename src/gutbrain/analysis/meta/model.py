r"""Fixed-effect, random-effects and mixed-effects (meta-regression) models: :func:`rma`.

The model is

.. math:: y_i = x_i^\top\beta + u_i + e_i, \qquad u_i \sim N(0, \tau^2),\; e_i \sim N(0, v_i)

with :math:`\tau^2 = 0` for the fixed-effect (``"FE"``, inverse-variance) model. Given
:math:`\hat\tau^2` (see :mod:`gutbrain.analysis.meta.tau2`), the coefficients are the weighted
least-squares estimates with :math:`w_i = 1/(v_i + \hat\tau^2)`:

.. math::

    \hat\beta = (X^\top W X)^{-1} X^\top W y, \qquad
    \widehat{\mathrm{Var}}(\hat\beta) = (X^\top W X)^{-1}.

Tests and intervals use the normal distribution, or with ``knha=True`` the Knapp-Hartung
(Hartung-Knapp-Sidik-Jonkman) adjustment: the covariance is multiplied by
:math:`s^2 = \sum_i w_i (y_i - x_i^\top\hat\beta)^2 / (k-p)` (not truncated at 1) and the
:math:`t_{k-p}` distribution is used; the omnibus test of moderators becomes
:math:`F = Q_M/m \sim F_{m, k-p}`.

Heterogeneity is summarised by Cochran's :math:`Q_E = y^\top P_0 y \sim \chi^2_{k-p}`, and

.. math::

    I^2 = 100\,\frac{\hat\tau^2}{\hat\tau^2 + \tilde v}, \quad
    H^2 = \frac{\hat\tau^2 + \tilde v}{\tilde v}, \quad
    \tilde v = \frac{k-p}{\operatorname{tr} P_0}

(Higgins & Thompson 2002), or for the FE model :math:`I^2 = 100\max(0, (Q_E-(k-p))/Q_E)` and
:math:`H^2 = Q_E/(k-p)`. With moderators,
:math:`R^2 = 100\max(0, (\hat\tau^2_{RE} - \hat\tau^2_{ME})/\hat\tau^2_{RE})`
is the share of heterogeneity accounted for (Raudenbush 2009), exactly as metafor reports it.

Validated against metafor 3.8-1 ``rma()`` (with ``control=list(threshold=1e-12, tol=1e-12)``)
on dat.bcg (FE, DL, REML, PM, ML, HE, SJ, EB, each with and without ``test="knha"``;
meta-regressions on ``ablat``, ``ablat + year`` and ``factor(alloc)``), dat.normand1999 (SMD
and MD) and dat.molloy2014 (ZCOR, meta-regression on ``meanage + quality``): every reported
number agrees to a relative error below 1e-8. See ``tests/reference/meta_metafor.R``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.analysis.meta._format import table
from gutbrain.analysis.meta.design import ModelMatrix, model_matrix
from gutbrain.analysis.meta.effects import EffectSizes, as_effects, check_scale
from gutbrain.analysis.meta.qprofile import HeterogeneityCI, q_profile_ci
from gutbrain.analysis.meta.tau2 import METHODS, estimate_tau2
from gutbrain.analysis.meta.transform import BackTransformed, back_transform
from gutbrain.errors import DataError, ParameterError

__all__ = ["FitStatistics", "MetaResult", "Prediction", "rma"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FitStatistics:
    """Log-likelihood, deviance and information criteria, as metafor's ``fitstats()``.

    ``kind`` is ``"REML"`` for REML fits and ``"ML"`` otherwise, as metafor reports them.
    """

    kind: str
    loglik: float
    deviance: float
    AIC: float
    BIC: float
    AICc: float

    def to_dict(self) -> dict[str, float | str]:
        """Plain-Python form, for JSON."""
        return {
            "kind": self.kind,
            "loglik": self.loglik,
            "deviance": self.deviance,
            "AIC": self.AIC,
            "BIC": self.BIC,
            "AICc": self.AICc,
        }


@dataclass(frozen=True)
class Prediction:
    """Predicted (pooled) effects with confidence and prediction intervals (metafor ``predict``).

    The prediction interval, for random- and mixed-effects models only, is

    .. math:: \\hat\\mu \\pm c\\,\\sqrt{\\mathrm{SE}(\\hat\\mu)^2 + \\hat\\tau^2}

    with ``c`` the normal quantile, or under Knapp-Hartung the :math:`t_{k-p}` quantile
    (metafor's default ``pi.type``). ``pi_lb``/``pi_ub`` are None for the FE model.
    """

    pred: FloatArray
    se: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    pi_lb: FloatArray | None
    pi_ub: FloatArray | None
    level: float
    dist: str
    df: int | None

    def summary(self) -> pd.DataFrame:
        """One row per prediction: pred, se, ci_lb, ci_ub and (RE models) pi_lb, pi_ub."""
        cols: dict[str, FloatArray] = {
            "pred": self.pred,
            "se": self.se,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }
        if self.pi_lb is not None and self.pi_ub is not None:
            cols["pi_lb"] = self.pi_lb
            cols["pi_ub"] = self.pi_ub
        return pd.DataFrame(cols)

    def to_dict(self) -> dict[str, object]:
        """Plain-Python form, for JSON."""
        out: dict[str, object] = {str(k): v.tolist() for k, v in self.summary().items()}
        out.update(level=self.level, dist=self.dist, df=self.df)
        return out

    def __repr__(self) -> str:
        return self.summary().to_string(float_format=lambda v: f"{v:.4f}")


@dataclass(frozen=True, repr=False)
class MetaResult:
    """A fitted meta-analytic model. Build it with :func:`rma`.

    Attributes mirror metafor's ``rma.uni`` object: ``beta``, ``se``, ``stat`` (z or t), ``pval``,
    ``ci_lb``, ``ci_ub`` per coefficient; ``tau2``, ``se_tau2``, ``I2`` (%), ``H2``; ``QE``,
    ``QE_df``, ``QE_p`` (residual heterogeneity); ``QM``, ``QM_df``, ``QM_p`` (omnibus test of the
    moderators, or of the intercept in a model without moderators); ``R2`` (%, models with
    moderators); ``weights`` (%); ``fit_stats``.
    """

    method: str
    knha: bool
    level: float
    coef_names: tuple[str, ...]
    beta: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    vb: FloatArray
    df: int | None
    tau2: float
    se_tau2: float | None
    I2: float
    H2: float
    vt: float
    QE: float
    QE_df: int
    QE_p: float
    QM: float
    QM_df: tuple[int, int | None]
    QM_p: float
    R2: float | None
    s2w: float
    fit_stats: FitStatistics
    weights: FloatArray
    yi: FloatArray = field(repr=False)
    vi: FloatArray = field(repr=False)
    X: FloatArray = field(repr=False)
    labels: tuple[str, ...] = field(repr=False)
    measure: str = "GEN"

    # ---- convenience -----------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.shape[0])

    @property
    def p(self) -> int:
        """Number of coefficients (intercept included)."""
        return int(self.X.shape[1])

    @property
    def tau(self) -> float:
        """Square root of tau^2."""
        return float(np.sqrt(self.tau2))

    @property
    def random(self) -> bool:
        """True for random- and mixed-effects models (every method but FE)."""
        return self.method != "FE"

    @property
    def has_mods(self) -> bool:
        """True for a meta-regression (any coefficient besides the intercept)."""
        return self.p > 1

    @property
    def test(self) -> str:
        """``"knha"`` or ``"z"``, as metafor's ``test`` argument."""
        return "knha" if self.knha else "z"

    @property
    def sei(self) -> FloatArray:
        """Standard errors of the effect sizes."""
        return np.sqrt(self.vi)

    # ---- derived analyses ------------------------------------------------------------------
    def confint(self, level: float | None = None) -> HeterogeneityCI:
        """Q-profile confidence intervals for tau^2, tau, I^2 and H^2 (metafor's ``confint``).

        Raises
        ------
        ParameterError
            For the FE model, which has no tau^2.
        """
        if not self.random:
            raise ParameterError(
                "confint: the FE model has no tau^2; fit a random-effects method such as 'REML'"
            )
        lvl = check_level(self.level if level is None else level)
        return q_profile_ci(self.yi, self.vi, self.X, self.tau2, self.vt, lvl)

    def predict(self, newmods: ArrayLike | None = None, level: float | None = None) -> Prediction:
        """Pooled (or, with ``newmods``, predicted) effects with CI and prediction interval.

        Parameters
        ----------
        newmods
            For a meta-regression: moderator values, one row per prediction, without the
            intercept column, coded as in the model matrix (dummy columns for categories). If
            omitted, the fitted value for every study is returned. Ignored without moderators.
        level
            Defaults to the model's level.
        """
        lvl = check_level(self.level if level is None else level)
        if not self.has_mods:
            Xn = np.ones((1, 1))
        elif newmods is None:
            Xn = self.X
        else:
            nm = np.asarray(newmods, dtype=float)
            if nm.ndim == 1:
                nm = nm.reshape(-1, 1) if self.p == 2 else nm.reshape(1, -1)
            if nm.ndim != 2 or nm.shape[1] != self.p - 1:
                raise ParameterError(
                    f"newmods: expected {self.p - 1} column(s) ({', '.join(self.coef_names[1:])}), "
                    f"got shape {nm.shape}"
                )
            Xn = np.column_stack([np.ones(nm.shape[0]), nm])
        pred = Xn @ self.beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", Xn, self.vb, Xn))
        crit = _crit(lvl, self.df)
        pi_lb = pi_ub = None
        if self.random:
            half = crit * np.sqrt(se**2 + self.tau2)
            pi_lb, pi_ub = pred - half, pred + half
        return Prediction(
            pred=pred,
            se=se,
            ci_lb=pred - crit * se,
            ci_ub=pred + crit * se,
            pi_lb=pi_lb,
            pi_ub=pi_ub,
            level=lvl,
            dist="t" if self.df is not None else "z",
            df=self.df,
        )

    def back_transformed(
        self, newmods: ArrayLike | None = None, level: float | None = None
    ) -> BackTransformed | None:
        """:meth:`predict` on the ratio scale (exp) for log odds/risk ratios; else None.

        metafor: ``predict(res, transf=exp)``.
        """
        pr = self.predict(newmods, level)
        pi = None if pr.pi_lb is None or pr.pi_ub is None else (pr.pi_lb, pr.pi_ub)
        return back_transform(self.measure, pr.pred, (pr.ci_lb, pr.ci_ub), pi, pr.level)

    # ---- reporting -------------------------------------------------------------------------
    def coef_table(self) -> pd.DataFrame:
        """Coefficient table: estimate, se, zval (or tval and df), pval, ci_lb, ci_ub."""
        cols: dict[str, object] = {"estimate": self.beta, "se": self.se}
        if self.df is None:
            cols["zval"] = self.stat
        else:
            cols["tval"] = self.stat
            cols["df"] = np.full(self.p, self.df)
        cols.update(pval=self.pval, ci_lb=self.ci_lb, ci_ub=self.ci_ub)
        return pd.DataFrame(cols, index=list(self.coef_names))

    def summary(self) -> pd.DataFrame:
        """The coefficient table (one row per coefficient); see :meth:`to_dict` for the rest."""
        return self.coef_table()

    def to_dict(self) -> dict[str, object]:
        """Every estimate with its interval and test, as plain Python (JSON-ready)."""
        out: dict[str, object] = {
            "model": _model_name(self),
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "measure": self.measure,
            "k": self.k,
            "p": self.p,
            "coefficients": [
                {
                    "name": n,
                    "estimate": float(b),
                    "se": float(s),
                    "stat": float(z),
                    "pval": float(pv),
                    "ci_lb": float(lo),
                    "ci_ub": float(hi),
                }
                for n, b, s, z, pv, lo, hi in zip(
                    self.coef_names,
                    self.beta,
                    self.se,
                    self.stat,
                    self.pval,
                    self.ci_lb,
                    self.ci_ub,
                    strict=True,
                )
            ],
            "stat_dist": "t" if self.knha else "z",
            "df": self.df,
            "tau2": self.tau2,
            "se_tau2": self.se_tau2,
            "tau": self.tau,
            "I2": self.I2,
            "H2": self.H2,
            "QE": self.QE,
            "QE_df": self.QE_df,
            "QE_p": self.QE_p,
            "QM": self.QM,
            "QM_df": list(self.QM_df),
            "QM_p": self.QM_p,
            "QM_dist": "F" if self.knha else "chisq",
            "R2": self.R2,
            "fit_stats": self.fit_stats.to_dict(),
            "studies": [
                {"study": s, "yi": float(y), "vi": float(v), "weight": float(w)}
                for s, y, v, w in zip(self.labels, self.yi, self.vi, self.weights, strict=True)
            ],
        }
        if self.random:
            ci = self.confint()
            out["heterogeneity_ci"] = ci.to_dict()
        out["prediction"] = self.predict().to_dict() if not self.has_mods else None
        bt = None if self.has_mods else self.back_transformed()
        out["back_transformed"] = None if bt is None else bt.to_dict()
        return out

    def __repr__(self) -> str:
        lines = [f"{_model_name(self)} (k = {self.k}" + _estimator_note(self) + ")", ""]
        het: list[tuple[str, str]] = []
        if self.random:
            what = "residual" if self.has_mods else "total"
            se = "" if self.se_tau2 is None else f" (SE = {self.se_tau2:.4f})"
            het.append(
                (f"tau^2 (estimated amount of {what} heterogeneity):", f"{self.tau2:.4f}{se}")
            )
            het.append(("tau (square root of estimated tau^2 value):", f"{self.tau:.4f}"))
        if self.has_mods:
            het.append(
                ("I^2 (residual heterogeneity / unaccounted variability):", f"{self.I2:.2f}%")
            )
            het.append(("H^2 (unaccounted variability / sampling variability):", f"{self.H2:.2f}"))
            if self.R2 is not None:
                het.append(("R^2 (amount of heterogeneity accounted for):", f"{self.R2:.2f}%"))
        else:
            het.append(("I^2 (total heterogeneity / total variability):", f"{self.I2:.2f}%"))
            het.append(("H^2 (total variability / sampling variability):", f"{self.H2:.2f}"))
        width = max(len(label) for label, _ in het)
        lines += [f"{label.ljust(width)} {value}" for label, value in het]
        lines.append("")
        label = "Test for Residual Heterogeneity:" if self.has_mods else "Test for Heterogeneity:"
        q = "QE" if self.has_mods else "Q"
        qe_p = format_p(self.QE_p, label="p-val", style="metafor")
        lines += [label, f"{q}(df = {self.QE_df}) = {self.QE:.4f}, {qe_p}", ""]
        if self.has_mods:
            idx = f"2:{self.p}" if self.p > 2 else "2"
            lines.append(f"Test of Moderators (coefficient{'s' if self.p > 2 else ''} {idx}):")
            qm_p = format_p(self.QM_p, label="p-val", style="metafor")
            if self.knha:
                d1, d2 = self.QM_df
                lines.append(f"F(df1 = {d1}, df2 = {d2}) = {self.QM:.4f}, {qm_p}")
            else:
                lines.append(f"QM(df = {self.QM_df[0]}) = {self.QM:.4f}, {qm_p}")
            lines.append("")
        lines += ["Model Results:", "", table(self.coef_table())]
        if self.random and not self.has_mods:
            pr = self.predict()
            if pr.pi_lb is not None and pr.pi_ub is not None:
                lines += [
                    "",
                    f"Prediction interval ({100 * pr.level:g}%): "
                    + format_ci(pr.pi_lb[0], pr.pi_ub[0], 4),
                ]
        return "\n".join(lines)


def _model_name(res: MetaResult) -> str:
    if not res.random:
        return "Fixed-Effects with Moderators Model" if res.has_mods else "Fixed-Effects Model"
    return "Mixed-Effects Model" if res.has_mods else "Random-Effects Model"


def _estimator_note(res: MetaResult) -> str:
    note = f"; tau^2 estimator: {res.method}" if res.random else ""
    return note + ("; Knapp-Hartung adjustment" if res.knha else "")


def _crit(level: float, df: int | None) -> float:
    upper = 1.0 - (1.0 - level) / 2.0
    return float(stats.norm.ppf(upper) if df is None else stats.t.ppf(upper, df))


def _wls(yi: FloatArray, wi: FloatArray, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    WX = X * wi[:, None]
    vb = np.linalg.inv(X.T @ WX)
    vb = (vb + vb.T) / 2.0
    return vb @ (WX.T @ yi), vb


def _fit_stats(
    method: str, yi: FloatArray, vi: FloatArray, X: FloatArray, tau2: float, rss: float
) -> FitStatistics:
    # Formulas of metafor's rma.uni (fit.stats); REML includes the +1/2 log|X'X| term (REMLf).
    k, p = X.shape
    parms = p + (0 if method == "FE" else 1)
    if method == "REML":
        wi = 1.0 / (vi + tau2)
        ll = (
            -0.5 * (k - p) * np.log(2 * np.pi)
            + 0.5 * np.linalg.slogdet(X.T @ X)[1]
            - 0.5 * np.sum(np.log(vi + tau2))
            - 0.5 * np.linalg.slogdet(X.T @ (X * wi[:, None]))[1]
            - 0.5 * rss
        )
        dev = -2.0 * ll
        n_eff = k - p
    else:
        ll = -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss
        saturated = np.sum(stats.norm.logpdf(yi, loc=yi, scale=np.sqrt(vi)))
        dev = -2.0 * (ll - saturated) if k > p else 0.0
        n_eff = k
    m = max(n_eff, parms + 2)
    return FitStatistics(
        kind="REML" if method == "REML" else "ML",
        loglik=float(ll),
        deviance=float(dev),
        AIC=float(-2 * ll + 2 * parms),
        BIC=float(-2 * ll + parms * np.log(n_eff)),
        AICc=float(-2 * ll + 2 * parms * m / (m - parms - 1)),
    )


def _adjusted_r2_fe(yi: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    # metafor's R^2 for FE meta-regression: adjusted R^2 of lm(yi ~ X, weights = 1/vi), in %.
    k, p = X.shape
    wi = 1.0 / vi
    beta, _ = _wls(yi, wi, X)
    fitted = X @ beta
    mss = float(np.sum(wi * (fitted - np.sum(wi * fitted) / np.sum(wi)) ** 2))
    rss = float(np.sum(wi * (yi - fitted) ** 2))
    r2 = mss / (mss + rss)
    adj = 1.0 - (1.0 - r2) * (k - 1) / (k - p)
    return max(0.0, 100.0 * adj)


def _fit(
    yi: FloatArray,
    vi: FloatArray,
    mm: ModelMatrix,
    method: str,
    knha: bool,
    level: float,
    labels: tuple[str, ...],
    measure: str,
) -> MetaResult:
    X = mm.X
    k, p = X.shape
    if method != "FE" and k - p < 1:
        need = "at least 2 studies" if p == 1 else f"more studies than coefficients ({p})"
        raise DataError(f"a {method} random-effects model needs {need}; got k = {k}")
    if knha and k - p < 1:
        raise DataError(f"the Knapp-Hartung adjustment needs k > p; got k = {k}, p = {p}")
    est = estimate_tau2(method, yi, vi, X)
    tau2 = est.tau2
    wi = 1.0 / (vi + tau2)
    beta, vb = _wls(yi, wi, X)
    resid = yi - X @ beta
    rss = float(np.sum(wi * resid**2))
    s2w = 1.0
    df: int | None = None
    if knha:
        if rss <= np.finfo(float).eps:
            # metafor sets s^2 = 0 here, which gives zero-width intervals and p = 0.
            raise DataError(
                f"the Knapp-Hartung adjustment is undefined: the effect sizes fit the model "
                f"exactly (weighted residual sum of squares {rss:.3g}), so s^2 = 0 and every "
                "interval would have zero width; use knha=False"
            )
        s2w = rss / (k - p)
        vb = s2w * vb
        df = k - p
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    btt = np.arange(1, p) if p > 1 else np.array([0])
    m = int(btt.size)
    b = beta[btt]
    qm = float(b @ np.linalg.solve(vb[np.ix_(btt, btt)], b))
    crit = _crit(level, df)
    qm_df: tuple[int, int | None]
    if df is None:
        pval = 2.0 * stats.norm.sf(np.abs(stat))
        qm_p = float(stats.chi2.sf(qm, m))
        qm_df = (m, None)
    else:
        pval = 2.0 * stats.t.sf(np.abs(stat), df)
        qm = qm / m
        qm_p = float(stats.f.sf(qm, m, df))
        qm_df = (m, df)

    # Heterogeneity at tau^2 = 0 (Cochran's Q / QE) and the typical within-study variance.
    if k > p:
        w0 = 1.0 / vi
        WX0 = X * w0[:, None]
        P0 = np.diag(w0) - WX0 @ np.linalg.solve(X.T @ WX0, WX0.T)
        qe = max(0.0, float(yi @ P0 @ yi))
        qe_p = float(stats.chi2.sf(qe, k - p))
        vt = (k - p) / float(np.trace(P0))
        if method == "FE":
            i2 = max(0.0, 100.0 * (qe - (k - p)) / qe) if qe > 0 else 0.0
            h2 = qe / (k - p)
        else:
            i2 = 100.0 * tau2 / (vt + tau2)
            h2 = tau2 / vt + 1.0
    else:
        qe, qe_p, vt, i2, h2 = 0.0, 1.0, 0.0, 0.0, 1.0

    r2: float | None = None
    if p > 1:
        if method == "FE":
            # The adjusted R^2 needs residual df; with k = p it is undefined (R's lm: NaN).
            r2 = _adjusted_r2_fe(yi, vi, X) if k > p else None
        else:
            tau2_re = estimate_tau2(method, yi, vi, np.ones((k, 1))).tau2
            r2 = 0.0 if tau2_re == 0.0 else max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)

    return MetaResult(
        method=method,
        knha=knha,
        level=level,
        coef_names=mm.names,
        beta=beta,
        se=se,
        stat=stat,
        pval=pval,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        vb=vb,
        df=df,
        tau2=tau2,
        se_tau2=est.se,
        I2=i2,
        H2=h2,
        vt=vt,
        QE=qe,
        QE_df=k - p,
        QE_p=qe_p,
        QM=qm,
        QM_df=qm_df,
        QM_p=qm_p,
        R2=r2,
        s2w=s2w,
        fit_stats=_fit_stats(method, yi, vi, X, tau2, rss),
        weights=100.0 * wi / np.sum(wi),
        yi=yi,
        vi=vi,
        X=X,
        labels=labels,
        measure=measure,
    )


def rma(
    yi: EffectSizes | ArrayLike,
    vi: ArrayLike | None = None,
    *,
    sei: ArrayLike | None = None,
    mods: ArrayLike | pd.DataFrame | pd.Series | None = None,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MetaResult:
    r"""Fit a fixed-effect, random-effects or mixed-effects meta-analytic model (metafor's ``rma``).

    Parameters
    ----------
    yi
        Effect sizes, or an :class:`~gutbrain.analysis.meta.effects.EffectSizes` (then ``vi``
        and ``sei`` are taken from it).
    vi, sei
        Sampling variances, or their square roots; give exactly one.
    mods
        Moderators for a meta-regression: a DataFrame (numeric columns as they are, text columns
        dummy-coded against their first sorted level), a Series, or an array. An intercept is
        always included.
    method
        The tau^2 estimator: ``"REML"`` (default), ``"ML"``, ``"DL"``, ``"HE"``, ``"SJ"``,
        ``"PM"``, ``"EB"``, or ``"FE"`` for the fixed-effect model (see
        :mod:`gutbrain.analysis.meta.tau2`).
    knha
        Knapp-Hartung adjustment (metafor's ``test="knha"``).
    level
        Confidence level, a fraction (metafor takes 95).
    labels
        Study labels (default ``"1"``, ``"2"``, ...).

    Returns
    -------
    MetaResult

    Raises
    ------
    DataError
        Non-finite or mismatched inputs, ``vi <= 0``, too few studies for the model, collinear
        moderators, or ``knha=True`` when the model fits the effects exactly (s^2 = 0).
    ParameterError
        An unknown method or a level outside (0, 1).

    Notes
    -----
    Validated against metafor 3.8-1 ``rma()``; see the module docstring.

    Examples
    --------
    >>> from gutbrain.analysis.meta import rma
    >>> res = rma([-0.89, -1.59, -1.35, -1.44], [0.33, 0.19, 0.42, 0.02], method="DL")
    >>> round(float(res.beta[0]), 3), round(res.tau2, 3)
    (-1.422, 0.0)
    """
    if method not in METHODS:
        raise ParameterError(f"method = {method!r}: expected one of {', '.join(METHODS)}")
    level = check_level(level)
    measure = "GEN"
    if isinstance(yi, EffectSizes):
        if vi is not None or sei is not None:
            raise ParameterError("rma: give vi/sei only when yi is not an EffectSizes")
        es = yi
        measure = es.measure
    else:
        if (vi is None) == (sei is None):
            raise ParameterError("rma: give exactly one of vi (variances) or sei (standard errors)")
        if sei is not None:
            s = np.atleast_1d(np.asarray(sei, dtype=float))
            bad = np.flatnonzero(~(s > 0))
            if bad.size:
                i = int(bad[0])
                raise DataError(f"sei[{i}] = {float(s[i])}: expected a standard error > 0")
            vi = s**2
        es = as_effects(yi, vi)  # type: ignore[arg-type]
    k = es.k
    if k < 1:
        raise DataError("rma: no studies given")
    check_scale(es)
    if labels is None:
        labs = tuple(str(i + 1) for i in range(k))
    else:
        labs = tuple(str(s) for s in labels)
        if len(labs) != k:
            raise DataError(f"labels: has {len(labs)} entries but there are {k} studies")
    mm = model_matrix(mods, k)
    return _fit(es.yi, es.vi, mm, method, bool(knha), level, labs, measure)
