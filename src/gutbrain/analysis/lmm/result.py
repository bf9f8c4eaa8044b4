"""Result objects of :func:`gutbrain.analysis.lmm.lmm`, its contrasts, and
:func:`gutbrain.analysis.lmm.lrt`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_p
from gutbrain.analysis.formula import DesignMatrix
from gutbrain.analysis.lmm.inference import FTest, f_test, satterthwaite_df, wald_t
from gutbrain.analysis.lmm.optimise import Convergence
from gutbrain.analysis.lmm.profile import ProfileSpace, profile_intervals
from gutbrain.errors import DesignError

__all__ = ["ContrastResult", "LMMResult", "LRTResult"]


@dataclass(frozen=True)
class ContrastResult:
    """A Wald t test of one contrast ``L' beta`` of a fit (:meth:`LMMResult.contrast`).

    Attributes
    ----------
    estimate, se
        ``L' beta`` and its standard error ``sqrt(L' cov_beta L)``.
    df
        Satterthwaite degrees of freedom (inf where there is nothing to estimate).
    t, p
        Wald t statistic and its two-sided p value.
    ci_low, ci_high
        ``conf_level`` confidence limits, t with ``df`` degrees of freedom.
    conf_level
        The level of the interval.
    """

    estimate: float
    se: float
    df: float
    t: float
    p: float
    ci_low: float
    ci_high: float
    conf_level: float

    def to_dict(self) -> dict[str, float]:
        """The fields, JSON-ready."""
        return asdict(self)


@dataclass(frozen=True, repr=False)
class LMMResult:
    """A fitted linear mixed model.

    Attributes
    ----------
    formula, re_formula, groups, ar1_time, correlation, method
        What was fitted (``formula`` without an lme4-style random-effect term, which is in
        ``re_formula`` and ``groups``).
    coef_names
        Fixed-effect column names (``Intercept``, ``x``, ``arm[T.b]``, ``arm[T.b]:week``).
    beta, se, df, t, p, ci_low, ci_high
        Fixed-effect estimates, standard errors, Satterthwaite degrees of freedom, Wald t
        statistics, two-sided p values and ``conf_level`` confidence limits (t with the
        Satterthwaite df).
    cov_beta
        Covariance matrix of the fixed-effect estimates, sigma^2 (X' Sigma^-1 X)^-1.
    re_names
        Random-effect column names.
    re_cov
        Covariance matrix of the random effects, in the response's units squared.
    sigma
        Residual standard deviation.
    phi
        AR(1) correlation per unit of ``ar1_time`` (None without an AR term).
    loglik, aic, bic
        Log-likelihood (restricted log-likelihood for REML, as lme4 and nlme report it), and
        ``AIC = -2 logLik + 2 k``, ``BIC = -2 logLik + k log N`` with ``k`` = number of fixed
        effects + covariance parameters + 1 (lme4's convention; nlme uses log(N - p) for REML).
    n_obs, n_groups
        Rows used (after dropping rows with missing values) and participants.
    fitted, residuals, random_effects
        Properties: conditional fitted values X beta + Z b and residuals y - fitted (Series
        indexed like the input rows used), and the BLUPs (DataFrame, one row per group).
    convergence
        The optimiser's report.
    """

    formula: str
    re_formula: str
    groups: str
    ar1_time: str | None
    correlation: str | None  # "car1" or "ar1" with ar1_time, else None
    method: str
    coef_names: tuple[str, ...]
    beta: np.ndarray
    se: np.ndarray
    df: np.ndarray
    t: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    conf_level: float
    cov_beta: np.ndarray
    re_names: tuple[str, ...]
    re_cov: np.ndarray
    sigma: float
    phi: float | None
    loglik: float
    aic: float
    bic: float
    n_obs: int
    n_groups: int
    n_params: int
    fitted_values: np.ndarray = field(repr=False)
    row_labels: pd.Index = field(repr=False)
    row_positions: np.ndarray = field(repr=False)
    blups: np.ndarray = field(repr=False)
    group_labels: np.ndarray = field(repr=False)
    convergence: Convergence
    response: np.ndarray = field(repr=False)
    design_x: np.ndarray = field(repr=False)
    # Satterthwaite ingredients: d cov_beta / d psi (n_psi, p, p) and the asymptotic covariance
    # of the variance parameters psi, 2 H^-1 (H = Hessian of the deviance in psi).
    vcov_jacobian: np.ndarray = field(repr=False)
    varpar_cov: np.ndarray = field(repr=False)
    # The designs' terms and codings, to rebuild them on new rows (predict) and name tests.
    x_design: DesignMatrix = field(repr=False)
    z_design: DesignMatrix = field(repr=False)
    # The likelihood on the internal scale, for profile intervals.
    profile_space: ProfileSpace = field(repr=False)

    # ------------------------------------------------------------------ per row and group
    @property
    def fitted(self) -> pd.Series:
        """Conditional fitted values X beta + Z b, indexed like the input rows used."""
        return pd.Series(
            self.fitted_values, index=self.row_labels[self.row_positions], name="fitted"
        )

    @property
    def residuals(self) -> pd.Series:
        """Conditional residuals y - X beta - Z b, indexed like the input rows used."""
        return pd.Series(
            self.response - self.fitted_values,
            index=self.row_labels[self.row_positions],
            name="residual",
        )

    @property
    def random_effects(self) -> pd.DataFrame:
        """Conditional modes (BLUPs) of the random effects, one row per group."""
        return pd.DataFrame(
            self.blups,
            columns=list(self.re_names),
            index=pd.Index(self.group_labels, name=self.groups),
        )

    # ------------------------------------------------------------------ tables
    @property
    def re_sd(self) -> np.ndarray:
        """Standard deviations of the random effects."""
        return np.sqrt(np.clip(np.diag(self.re_cov), 0.0, None))

    @property
    def re_corr(self) -> np.ndarray:
        """Correlation matrix of the random effects (NaN where an SD is zero)."""
        sd = self.re_sd
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.re_cov / np.outer(sd, sd))

    def fixed_effects(self) -> pd.DataFrame:
        """Fixed-effects table: estimate, se, df, t, p, ci_low, ci_high."""
        return pd.DataFrame(
            {
                "estimate": self.beta,
                "se": self.se,
                "df": self.df,
                "t": self.t,
                "p": self.p,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            },
            index=pd.Index(self.coef_names, name="term"),
        )

    def variance_components(self) -> pd.DataFrame:
        """Random-effect SDs and correlations, the residual SD and phi, one row each."""
        rows: list[dict[str, Any]] = []
        sd = self.re_sd
        corr = self.re_corr
        for i, name in enumerate(self.re_names):
            rows.append({"group": self.groups, "name": name, "kind": "sd", "value": sd[i]})
        for i in range(len(self.re_names)):
            for j in range(i):
                rows.append(
                    {
                        "group": self.groups,
                        "name": f"{self.re_names[j]}|{self.re_names[i]}",
                        "kind": "corr",
                        "value": corr[i, j],
                    }
                )
        rows.append({"group": "Residual", "name": "", "kind": "sd", "value": self.sigma})
        if self.phi is not None:
            rows.append(
                {"group": "Residual", "name": self.ar1_time, "kind": "phi", "value": self.phi}
            )
        return pd.DataFrame(rows, columns=["group", "name", "kind", "value"])

    def summary(self) -> pd.DataFrame:
        """The fixed-effects table (see :meth:`fixed_effects`); variance components separately."""
        return self.fixed_effects()

    def contrast(
        self, weights: np.ndarray | list[float], conf_level: float | None = None
    ) -> ContrastResult:
        """Wald t test of ``L' beta = 0`` for one contrast vector, with Satterthwaite df, and its
        ``conf_level`` confidence interval (by default the fit's level, 0.95 unless :func:`lmm`
        was given another).

        ``df = 2 (L' V L)^2 / (g' A g)`` with ``g = d(L' V L)/d psi`` and ``A`` the asymptotic
        covariance of the variance parameters (Satterthwaite 1946; Kuznetsova et al. 2017, J Stat
        Softw 82(13), eq. 6).

        Raises
        ------
        DesignError
            Not one weight per fixed effect.
        ParameterError
            ``conf_level`` not between 0 and 1.
        """
        lvec = np.asarray(weights, dtype=float)
        if lvec.shape != (len(self.beta),):
            raise DesignError(
                f"contrast: expected {len(self.beta)} weights (one per fixed effect: "
                f"{', '.join(self.coef_names)}), got shape {lvec.shape}"
            )
        level = check_level(
            self.conf_level if conf_level is None else conf_level, "conf_level", where="contrast: "
        )
        est = float(lvec @ self.beta)
        se = float(np.sqrt(float(lvec @ self.cov_beta @ lvec)))
        df = satterthwaite_df(lvec, self.cov_beta, self.vcov_jacobian, self.varpar_cov)
        tval, pval, low, high = wald_t(est, se, df, level)
        return ContrastResult(
            estimate=est,
            se=se,
            df=df,
            t=float(tval),
            p=float(pval),
            ci_low=float(low),
            ci_high=float(high),
            conf_level=level,
        )

    def predict(self, newdata: pd.DataFrame, *, random_effects: bool = True) -> pd.Series:
        """Predictions for new rows: ``X beta + Z b`` (default; a group the fit did not see
        gets ``b = 0``, as lme4's ``allow.new.levels = TRUE``) or, with ``random_effects=False``,
        ``X beta`` (lme4's ``re.form = NA``). See :func:`gutbrain.analysis.lmm.predict.predict`.
        """
        from gutbrain.analysis.lmm.predict import predict

        return predict(self, newdata, random_effects=random_effects)

    def f_test(self, contrasts: np.ndarray | list[list[float]]) -> FTest:
        """Wald F test of ``L beta = 0`` for a contrast matrix ``L`` (one row per hypothesis,
        one column per fixed effect), Satterthwaite denominator df, as lmerTest's
        ``contest(fit, L, joint = TRUE)``; see :func:`gutbrain.analysis.lmm.inference.f_test`.

        Raises
        ------
        DesignError
            ``L`` without one column per fixed effect, or with no non-zero row.
        """
        lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
        if lmat.ndim != 2 or lmat.shape[1] != len(self.beta) or not np.any(lmat):
            raise DesignError(
                f"f_test: expected a matrix with {len(self.beta)} columns (one per fixed effect: "
                f"{', '.join(self.coef_names)}) and a non-zero row, got shape {lmat.shape}"
            )
        return f_test(lmat, self.beta, self.cov_beta, self.vcov_jacobian, self.varpar_cov)

    def anova(self) -> pd.DataFrame:
        """Type III Wald F tests of the fixed-effect terms with Satterthwaite denominator df, as
        lmerTest's ``anova(fit, type = 3)`` (see :mod:`gutbrain.analysis.lmm.anova`). One row per
        term: ``num_df``, ``den_df``, ``f``, ``p``.

        Raises
        ------
        DesignError
            A formula with transformed terms (use :meth:`f_test`).
        """
        from gutbrain.analysis.lmm.anova import type3_contrasts

        rows = {}
        for name, lmat in type3_contrasts(self.formula, self.x_design):
            rows[name] = asdict(self.f_test(lmat))
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("term")

    def confint_profile(self, level: float = 0.95) -> pd.DataFrame:
        """Profile-likelihood confidence intervals of the variance components (lme4's
        ``confint(fit, method = "profile")``; the REML criterion for REML fits): the rows of
        :meth:`variance_components` with ``estimate``, ``lower`` and ``upper``. See
        :mod:`gutbrain.analysis.lmm.profile`. Costs one optimisation of the other variance
        parameters per profile point (a few dozen points per parameter).

        Raises
        ------
        ParameterError
            ``level`` not between 0 and 1.
        """
        level = check_level(level, "level", where="confint_profile: ")
        labels = self.variance_components()
        est = labels["value"].to_numpy(dtype=float)
        return profile_intervals(self.profile_space, est, labels.drop(columns="value"), level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: fixed effects, variance components, fit statistics, convergence."""
        fe = self.fixed_effects()
        return {
            "formula": self.formula,
            "re_formula": self.re_formula,
            "groups": self.groups,
            "ar1_time": self.ar1_time,
            "correlation": self.correlation,
            "method": self.method,
            "n_obs": self.n_obs,
            "n_groups": self.n_groups,
            "fixed_effects": {
                name: {k: float(v) for k, v in row.items()} for name, row in fe.iterrows()
            },
            "conf_level": self.conf_level,
            "random_effects": {
                "names": list(self.re_names),
                "sd": [float(v) for v in self.re_sd],
                "corr": [[float(v) for v in row] for row in self.re_corr],
            },
            "sigma": self.sigma,
            "phi": self.phi,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_params": self.n_params,
            "convergence": self.convergence.to_dict(),
        }

    def __repr__(self) -> str:
        head = (
            f"LMMResult({self.method}: {self.formula}, random {self.re_formula} | {self.groups}"
            + (
                f", {'AR(1)' if self.correlation == 'ar1' else 'CAR(1)'} in {self.ar1_time}"
                if self.ar1_time
                else ""
            )
            + f"; {self.n_obs} obs, {self.n_groups} groups)"
        )
        stats_line = (
            f"  logLik {self.loglik:.4f}  AIC {self.aic:.2f}  BIC {self.bic:.2f}  "
            f"converged={self.convergence.converged}"
        )
        fe = self.fixed_effects().to_string(float_format=lambda v: f"{v:.4g}")
        vc = self.variance_components().to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return "\n".join([head, stats_line, "Fixed effects:", fe, "Variance components:", vc])


@dataclass(frozen=True, repr=False)
class LRTResult:
    """Likelihood-ratio test of a smaller model against a larger one.

    ``statistic = 2 (logLik1 - logLik0)``, referred to chi-square with ``df = k1 - k0``. When the
    models differ by variance parameters that sit on a boundary under the null (a random-slope
    variance of zero, phi = 0), the chi-square reference is conservative (Self & Liang 1987).
    """

    loglik0: float
    loglik1: float
    n_params0: int
    n_params1: int
    aic0: float
    aic1: float
    bic0: float
    bic1: float
    statistic: float
    df: int
    p: float
    method: str

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "n_params": [self.n_params0, self.n_params1],
                "loglik": [self.loglik0, self.loglik1],
                "aic": [self.aic0, self.aic1],
                "bic": [self.bic0, self.bic1],
                "statistic": [np.nan, self.statistic],
                "df": [np.nan, self.df],
                "p": [np.nan, self.p],
            },
            index=pd.Index(["m0", "m1"], name="model"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "loglik0": self.loglik0,
            "loglik1": self.loglik1,
            "n_params0": self.n_params0,
            "n_params1": self.n_params1,
            "aic0": self.aic0,
            "aic1": self.aic1,
            "bic0": self.bic0,
            "bic1": self.bic1,
            "statistic": self.statistic,
            "df": self.df,
            "p": self.p,
            "method": self.method,
        }

    def __repr__(self) -> str:
        return (
            f"LRTResult({self.method}: chi2 = {self.statistic:.4f} on {self.df} df, "
            f"{format_p(self.p, label='p')}; logLik {self.loglik0:.4f} -> {self.loglik1:.4f})"
        )
