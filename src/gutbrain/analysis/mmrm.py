"""MMRM: a mixed model for repeated measures of one questionnaire over a trial's visits.

The model, in R's notation, is

    change ~ arm * visit + baseline * visit

for the change from baseline at every post-baseline visit, with an unstructured covariance over
the visits, fitted by REML (:mod:`gutbrain.analysis.gls`) on every score observed -- the
primary analysis of most depression trials with visits (Mallinckrodt et al. 2008, Drug Inf J
42:303), valid when scores are missing at random. The treatment effect at each visit is the
contrast ``arm + arm:visit`` (treatment minus control, in score units); the adjusted mean change
per arm and visit is taken at the mean baseline of the participants analysed. Degrees of freedom
are Satterthwaite's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.analysis.gls import GLSFit, fit_unstructured_gls
from gutbrain.analysis.visit_scores import VisitScores

__all__ = ["MMRMResult", "design_matrix", "mmrm"]


@dataclass(frozen=True, repr=False)
class MMRMResult:
    """An MMRM fit of one instrument (:func:`mmrm`).

    Attributes
    ----------
    instrument, baseline_visit, visits
        The instrument, its baseline visit and the post-baseline visits modelled.
    control, treatment
        The arms; effects are treatment minus control.
    n, n_control, n_treatment, n_obs
        Participants with a baseline and at least one later score, by arm; scores modelled.
    coef
        Fixed effects (DataFrame: term, estimate, se), terms named as R names them.
    effects
        Per visit: the treatment effect on the change from baseline (DataFrame: visit,
        estimate, se, df, t, p, ci_low, ci_high).
    means
        Adjusted mean change per arm and visit at the mean baseline (DataFrame: arm, visit,
        estimate, se, df, ci_low, ci_high).
    covariance
        The fitted covariance of the changes over visits (DataFrame, visits x visits).
    loglik
        Restricted log-likelihood.
    """

    instrument: str
    baseline_visit: str
    visits: tuple[str, ...]
    control: str
    treatment: str
    n: int
    n_control: int
    n_treatment: int
    n_obs: int
    mean_baseline: float
    coef: pd.DataFrame
    effects: pd.DataFrame
    means: pd.DataFrame
    covariance: pd.DataFrame
    loglik: float
    converged: bool
    conf_level: float

    def last(self) -> dict[str, Any]:
        """The treatment effect at the last visit (the usual primary estimand)."""
        return dict(self.effects.iloc[-1])

    def summary(self) -> pd.DataFrame:
        """One row per visit: the treatment effect on the change from baseline."""
        return self.effects.assign(instrument=self.instrument)

    def to_dict(self) -> dict[str, Any]:
        keys = ("instrument", "baseline_visit", "control", "treatment", "n", "n_control",
                "n_treatment", "n_obs", "mean_baseline", "loglik", "converged",
                "conf_level")  # fmt: skip
        d: dict[str, Any] = {k: getattr(self, k) for k in keys}
        d["visits"] = list(self.visits)
        for k in ("coef", "effects", "means"):
            d[k] = getattr(self, k).to_dict(orient="records")
        d["covariance"] = self.covariance.to_numpy().tolist()
        return d

    def __repr__(self) -> str:
        e = self.last()
        ci = format_ci(e["ci_low"], e["ci_high"], 3, significant=True)
        return (
            f"MMRMResult({self.instrument}: {self.treatment} - {self.control} change at "
            f"{e['visit']} {e['estimate']:.3g} ({ci}), "
            f"{format_p(e['p'], label='p')}; {self.n} participants, {self.n_obs} scores)"
        )


def design_matrix(scores: VisitScores, treatment: str) -> tuple[np.ndarray, list[str]]:
    """The fixed-effect design of ``change ~ arm * visit + baseline * visit``, columns in R's
    order and named as R names them (``arm<treatment>``, ``visit<name>``, ``baseline``, and
    their products)."""
    r = scores.rows
    visits = scores.visits
    trt = r["treated"].to_numpy(dtype=float)
    base = r["baseline"].to_numpy(dtype=float)
    dummies = {v: (r["visit"] == v).to_numpy(dtype=float) for v in visits[1:]}
    cols: dict[str, np.ndarray] = {"(Intercept)": np.ones(len(r)), f"arm{treatment}": trt}
    cols |= {f"visit{v}": d for v, d in dummies.items()}
    cols["baseline"] = base
    cols |= {f"arm{treatment}:visit{v}": trt * d for v, d in dummies.items()}
    cols |= {f"visit{v}:baseline": d * base for v, d in dummies.items()}
    return np.column_stack(list(cols.values())), list(cols)


def mmrm(
    scores: VisitScores, *, control: str, treatment: str, conf_level: float = 0.95
) -> MMRMResult:
    """Fit the MMRM of the module docstring to one instrument's scores.

    Raises
    ------
    DataError
        Too few participants or scores for the model (named by instrument).
    ParameterError
        ``conf_level`` outside (0, 1).
    """
    check_level(conf_level, "conf_level", where=f"MMRM {scores.instrument}: ")
    r = scores.rows
    x, names = design_matrix(scores, treatment)
    fit = fit_unstructured_gls(
        r["change"].to_numpy(dtype=float), x, r["participant"].to_numpy(),
        r["visit"].cat.codes.to_numpy(), len(scores.visits), what=f"MMRM {scores.instrument}",
    )  # fmt: skip
    idx = {n: i for i, n in enumerate(names)}
    mean_base = float(r.groupby("participant")["baseline"].first().mean())
    effects, means = [], []
    for v in scores.visits:
        w = np.zeros(len(names))
        w[idx[f"arm{treatment}"]] = 1.0
        if f"arm{treatment}:visit{v}" in idx:
            w[idx[f"arm{treatment}:visit{v}"]] = 1.0
        effects.append({"visit": v, **_row(fit, w, conf_level)})
        for arm, treated in ((control, 0.0), (treatment, 1.0)):
            m = np.zeros(len(names))
            m[idx["(Intercept)"]] = 1.0
            m[idx["baseline"]] = mean_base
            m[idx[f"arm{treatment}"]] = treated
            if f"visit{v}" in idx:
                m[idx[f"visit{v}"]] = 1.0
                m[idx[f"visit{v}:baseline"]] = mean_base
                m[idx[f"arm{treatment}:visit{v}"]] = treated
            means.append({"arm": arm, "visit": v, **_row(fit, m, conf_level)})
    per = r.groupby("participant")["treated"].first()
    return MMRMResult(
        instrument=scores.instrument,
        baseline_visit=scores.baseline_visit,
        visits=scores.visits,
        control=control,
        treatment=treatment,
        n=len(per),
        n_control=int((~per).sum()),
        n_treatment=int(per.sum()),
        n_obs=fit.n_obs,
        mean_baseline=mean_base,
        coef=pd.DataFrame(
            {"term": names, "estimate": fit.beta, "se": np.sqrt(np.diag(fit.cov_beta))}
        ),
        effects=pd.DataFrame(effects),
        means=pd.DataFrame(means),
        covariance=pd.DataFrame(fit.sigma, index=list(scores.visits), columns=list(scores.visits)),
        loglik=fit.loglik,
        converged=fit.converged,
        conf_level=conf_level,
    )


def _row(fit: GLSFit, weights: np.ndarray, conf_level: float) -> dict[str, float]:
    c = fit.contrast(weights, conf_level)
    return {"estimate": c.estimate, "se": c.se, "df": c.df, "t": c.t, "p": c.p,
            "ci_low": c.ci_low, "ci_high": c.ci_high}  # fmt: skip
