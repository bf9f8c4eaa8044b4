r"""Two-period AB/BA crossover trials: the treatment effect from within-person period differences.

Each participant's daily diary scores are averaged over each treatment period (the days whose
``phase`` is that period's treatment; run-in and washout days carry no phase). The period
difference :math:`d = \bar y_1 - \bar y_2` estimates :math:`(A - B) + \pi` in sequence AB and
:math:`(B - A) + \pi` in sequence BA, where :math:`\pi` is the period effect. So

.. math:: \hat\delta = (\bar d_{BA} - \bar d_{AB}) / 2, \qquad
          \hat\pi = (\bar d_{AB} + \bar d_{BA}) / 2

estimate the effect B - A free of the period effect, and the period effect, with the pooled
two-sample t interval on :math:`n_{AB} + n_{BA} - 2` degrees of freedom (Hills & Armitage 1979;
Senn 2002, *Cross-over Trials in Clinical Research*, ch. 3). Carry-over is assumed to be removed
by the washout; it cannot be tested within persons in this design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.format import format_ci, format_p
from gutbrain.errors import DataError, DesignError
from gutbrain.io import StudyBundle

__all__ = ["CrossoverEffect", "CrossoverResult", "crossover"]

OUTCOMES = ("negative_affect", "positive_affect")


@dataclass(frozen=True)
class CrossoverEffect:
    """The treatment and period effects on one outcome (points on 0-100)."""

    outcome: str
    estimate: float
    se: float
    df: int
    ci_low: float
    ci_high: float
    p: float
    period_effect: float
    n: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "estimate": self.estimate,
            "se": self.se,
            "df": self.df,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p": self.p,
            "period_effect": self.period_effect,
            "n": dict(self.n),
        }


@dataclass(frozen=True, repr=False)
class CrossoverResult:
    """An AB/BA crossover's effects of ``treatment`` minus ``control`` on each diary outcome."""

    study: str
    control: str
    treatment: str
    conf_level: float
    outcomes: dict[str, CrossoverEffect]
    #: participants left out (no diary day in one of the periods), with the reason
    not_estimable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "contrast": f"{self.treatment} - {self.control} (points)",
            "method": "two-period crossover t test on period differences (Hills-Armitage)",
            "conf_level": self.conf_level,
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "not_estimable": [
                {"participant": pid, "reason": why} for pid, why in self.not_estimable.items()
            ],
        }

    def __repr__(self) -> str:
        lines = [f"CrossoverResult({self.study!r}: {self.treatment} - {self.control}"]
        for name, e in self.outcomes.items():
            lines.append(
                f"  {name}: {e.estimate:.2f} ({format_ci(e.ci_low, e.ci_high)}), "
                f"{format_p(e.p)}; period effect {e.period_effect:.2f}"
            )
        return "\n".join(lines) + ")"


def _period_means(
    bundle: StudyBundle, outcome: str, seqs: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per participant: mean ``outcome`` in period 1 and period 2, and who has no such days."""
    d = bundle.diary
    if "phase" not in d.columns:
        raise DataError("diary: a crossover analysis needs the phase column (A, B, or empty)")
    d = d[d["phase"].notna() & d[outcome].notna()]
    means = d.groupby(["participant", "phase"])[outcome].mean().unstack()
    rows, missing = [], {}
    for pid, seq in seqs.items():
        if pid in means.index and all(pd.notna(means.loc[pid].get(lab)) for lab in seq):
            rows.append((pid, seq, means.loc[pid, seq[0]], means.loc[pid, seq[1]]))
        else:
            missing[pid] = f"{pid}: no analysed {outcome} day in one of the periods"
    return pd.DataFrame(rows, columns=["participant", "sequence", "p1", "p2"]), missing


def crossover(
    bundle: StudyBundle,
    *,
    control: str | None = None,
    treatment: str | None = None,
    conf_level: float = 0.95,
) -> CrossoverResult:
    """Analyse a two-period AB/BA crossover bundle (see the module docstring).

    Raises
    ------
    DesignError
        Not a crossover, or not two sequences of two periods (AB and BA).
    DataError
        No ``phase`` column in the diary, or fewer than two participants in a sequence.
    """
    study = bundle.study
    if study.design != "crossover":
        raise DesignError(
            f'study {study.name!r}: crossover analysis needs design = "crossover", not '
            f"{study.design!r}"
        )
    check_level(conf_level)
    labels = list(study.labels)
    control = control if control is not None else labels[0]
    treatment = treatment if treatment is not None else labels[1]
    for role, lab in (("control", control), ("treatment", treatment)):
        if lab not in labels:
            raise DesignError(f"--{role} {lab!r} is not a phase of the study ({', '.join(labels)})")
    part = bundle.participants
    seqs = dict(zip(part["participant"].astype(str), part["sequence"].astype(str), strict=True))
    allowed = {control + treatment, treatment + control}
    odd = sorted(set(seqs.values()) - allowed)
    if odd or control == treatment:
        raise DesignError(
            f"study {study.name!r}: sequences {', '.join(sorted(set(seqs.values())))}; the "
            f"crossover analysis handles two periods in sequences {' and '.join(sorted(allowed))}"
        )
    t_first = control + treatment
    outcomes, skipped = {}, {}
    for outcome in OUTCOMES:
        m, missing = _period_means(bundle, outcome, seqs)
        skipped.update(missing)
        diff = m["p1"] - m["p2"]
        ab = diff[m["sequence"] == t_first].to_numpy(float)
        ba = diff[m["sequence"] != t_first].to_numpy(float)
        if min(ab.size, ba.size) < 2:
            raise DataError(
                f"diary: {ab.size} participants in sequence {t_first} and {ba.size} in the "
                f"other with {outcome} in both periods; need at least 2 in each"
            )
        df = ab.size + ba.size - 2
        pooled = ((ab.size - 1) * ab.var(ddof=1) + (ba.size - 1) * ba.var(ddof=1)) / df
        se = 0.5 * float(np.sqrt(pooled * (1 / ab.size + 1 / ba.size)))
        est = float(ba.mean() - ab.mean()) / 2
        q = float(stats.t.ppf(0.5 + conf_level / 2, df))
        p = float(2 * stats.t.sf(abs(est / se), df)) if se > 0 else float("nan")
        outcomes[outcome] = CrossoverEffect(
            outcome, est, se, df, est - q * se, est + q * se, p,
            float(ab.mean() + ba.mean()) / 2,
            {t_first: int(ab.size), treatment + control: int(ba.size)},
        )  # fmt: skip
    return CrossoverResult(study.name, control, treatment, conf_level, outcomes, skipped)
