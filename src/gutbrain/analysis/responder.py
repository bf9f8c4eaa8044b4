r"""Responder and remission analyses at a trial's last visit.

For one binary outcome per participant (a response: the score fell by at least half from
baseline; a remission: the score is at or below the instrument's cut-off) among those who attended
the last visit:

- **risk difference** :math:`p_1 - p_0` (treatment minus control) with the Wald interval
  :math:`\pm z\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}` (R's ``prop.test(correct = FALSE)``);
- **odds ratio** adjusted for baseline, from the logistic regression ``event ~ arm + baseline``
  fitted by Fisher scoring as R's ``glm(family = binomial)``, with the Wald interval of
  ``confint.default`` and Wald p value; with complete separation (an arm where every or no
  participant has the event) the odds ratio is not estimable and is reported as None;
- **number needed to treat** :math:`1/(p_1 - p_0)` with the interval from the reciprocal limits
  of the risk difference (Altman 1998, BMJ 317:1309): when the risk-difference interval contains
  0 the NNT interval runs from NNT (benefit) through infinity to NNT (harm), reported as the two
  limits with their directions.

Remission cut-offs (:data:`REMISSION_CUTOFFS`) are the published ones for the instruments where a
lower score is better; responder and remission analyses are run only for those instruments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from gutbrain.analysis.format import format_ci
from gutbrain.errors import DataError

__all__ = ["REMISSION_CUTOFFS", "BinaryResult", "binary_outcome", "logistic_regression"]

REMISSION_CUTOFFS: dict[str, tuple[float, str]] = {
    "HAMD-17": (7.0, "Frank et al. 1991, Arch Gen Psychiatry 48:851"),
    "IDS-C30": (11.0, "Trivedi et al. 2004, Psychol Med 34:73 (IDS-C30 0-11: no depression)"),
    "BDI-II": (13.0, "Beck, Steer & Brown 1996, BDI-II manual (0-13: minimal)"),
    "HAMA": (7.0, "Matza et al. 2010, Int J Methods Psychiatr Res 19:223"),
    "PHQ-9": (4.0, "Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606 (0-4: minimal)"),
    "GAD-7": (4.0, "Spitzer et al. 2006, Arch Intern Med 166:1092 (0-4: minimal)"),
    "MADRS": (9.0, "Hawley, Gale & Sivakumaran 2002, J Affect Disord 72:177 (MADRS < 10)"),
}
"""Instrument -> (remission cut-off: score <= cut-off, its source)."""


@dataclass(frozen=True)
class BinaryResult:
    """A responder or remission analysis (:func:`binary_outcome`).

    Attributes
    ----------
    outcome, definition
        ``"response"`` or ``"remission"``, and the rule in words.
    n_control, n_treatment, events_control, events_treatment, risk_control, risk_treatment
        Participants, events and proportions by arm.
    rd, rd_low, rd_high
        Risk difference (treatment minus control) and its Wald interval.
    odds_ratio, or_low, or_high, or_p
        Baseline-adjusted odds ratio, Wald interval and p value (None under separation).
    nnt, nnt_low, nnt_high
        Number needed to treat (positive: benefit, negative: harm) and the reciprocal limits of
        the risk-difference interval (None where the difference is 0); ``nnt_text`` in words.
    """

    outcome: str
    definition: str
    n_control: int
    n_treatment: int
    events_control: int
    events_treatment: int
    risk_control: float
    risk_treatment: float
    rd: float
    rd_low: float
    rd_high: float
    odds_ratio: float | None
    or_low: float | None
    or_high: float | None
    or_p: float | None
    nnt: float | None
    nnt_low: float | None
    nnt_high: float | None
    nnt_text: str
    conf_level: float

    def to_dict(self) -> dict[str, Any]:
        """The fields, JSON-ready."""
        return asdict(self)


def logistic_regression(
    y: np.ndarray, x: np.ndarray, *, tol: float = 1e-12, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum-likelihood logistic regression by Fisher scoring (R's ``glm`` IRLS).

    Returns the coefficients, their covariance (inverse Fisher information) and whether the fit
    converged to finite estimates (False under separation).
    """
    beta = np.zeros(x.shape[1])
    dev_old = np.inf
    info = np.eye(x.shape[1])
    for _ in range(max_iter):
        mu = special.expit(x @ beta)
        w = mu * (1.0 - mu)
        info = x.T @ (w[:, None] * x)
        beta = beta + np.linalg.lstsq(info, x.T @ (y - mu), rcond=None)[0]
        mu = np.clip(special.expit(x @ beta), 1e-300, 1.0 - 1e-16)
        dev = -2.0 * float(np.sum(y * np.log(mu) + (1.0 - y) * np.log1p(-mu)))
        if abs(dev - dev_old) < tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    mu = special.expit(x @ beta)
    info = x.T @ ((mu * (1.0 - mu))[:, None] * x)
    ok = bool(np.all(np.isfinite(beta)) and np.max(np.abs(beta)) < 15.0 and mu.min() > 1e-8
              and mu.max() < 1.0 - 1e-8)  # fmt: skip
    return beta, np.linalg.pinv(info), ok


def _nnt(rd: float, lo: float, hi: float) -> tuple[float | None, float | None, float | None, str]:
    nnt = 1.0 / rd if rd != 0 else None
    lims = [1.0 / v if v != 0 else None for v in (hi, lo)]
    if nnt is None:
        return None, None, None, "no difference in risk: NNT infinite"

    def say(v: float) -> str:
        return f"{abs(v):.1f} to {'benefit' if v > 0 else 'harm'}"

    if lo > 0 or hi < 0:
        text = f"NNT {say(nnt)} ({format_ci(min(lims), max(lims), 1)})"  # type: ignore[type-var]
    else:
        ends = " and ".join(say(v) for v in lims if v is not None)
        text = f"NNT {say(nnt)}; the interval runs to infinity, between {ends}"
    return nnt, lims[0], lims[1], text


def binary_outcome(
    event: np.ndarray,
    treated: np.ndarray,
    baseline: np.ndarray,
    *,
    outcome: str,
    definition: str,
    conf_level: float = 0.95,
) -> BinaryResult:
    """Risk difference, baseline-adjusted odds ratio and NNT of a binary outcome (see the module
    docstring).

    Raises
    ------
    DataError
        Fewer than two participants in an arm.
    """
    e = np.asarray(event, dtype=float)
    g = np.asarray(treated, dtype=bool)
    n1, n0 = int(g.sum()), int((~g).sum())
    if min(n0, n1) < 2:
        raise DataError(
            f"{outcome} ({definition}): {n0} control and {n1} treated participants at the last "
            "visit; need at least 2 per arm"
        )
    x1, x0 = int(e[g].sum()), int(e[~g].sum())
    p1, p0 = x1 / n1, x0 / n0
    z = float(stats.norm.ppf(0.5 + conf_level / 2))
    rd = p1 - p0
    half = z * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    lo, hi = max(-1.0, rd - half), min(1.0, rd + half)
    design = np.column_stack([np.ones_like(e), g.astype(float), np.asarray(baseline, float)])
    beta, cov, ok = logistic_regression(e, design)
    odds = or_lo = or_hi = or_p = None
    if ok:
        se = float(np.sqrt(cov[1, 1]))
        odds = float(np.exp(beta[1]))
        or_lo, or_hi = float(np.exp(beta[1] - z * se)), float(np.exp(beta[1] + z * se))
        or_p = float(2 * stats.norm.sf(abs(beta[1]) / se))
    nnt, nnt_lo, nnt_hi, text = _nnt(rd, lo, hi)
    return BinaryResult(
        outcome=outcome, definition=definition, n_control=n0, n_treatment=n1,
        events_control=x0, events_treatment=x1, risk_control=p0, risk_treatment=p1, rd=rd,
        rd_low=float(lo), rd_high=float(hi), odds_ratio=odds, or_low=or_lo, or_high=or_hi,
        or_p=or_p, nnt=nnt, nnt_low=nnt_lo, nnt_high=nnt_hi, nnt_text=text,
        conf_level=conf_level,
    )  # fmt: skip
