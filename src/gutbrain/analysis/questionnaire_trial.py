"""Questionnaire-only and clinician-rated parallel trials: visits, no daily diary.

:func:`questionnaire_trial` analyses every instrument of a bundle's ``visits`` table:

- pre/post ANCOVA, last visit ~ arm + baseline (:mod:`gutbrain.analysis.prepost`);
- MMRM over all post-baseline visits (:mod:`gutbrain.analysis.mmrm`), where there are any;
- responder (a fall of at least 50% from baseline) and remission (score at or below the
  instrument's cut-off) analyses at the last visit (:mod:`gutbrain.analysis.responder`), for
  the instruments with a published remission cut-off.

Instruments scored at a single visit are skipped. The primary instrument is the one ``study.toml``
declares (``primary``), else the first instrument it lists (after the diary); the others are
secondary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from gutbrain.analysis._levels import check_level
from gutbrain.analysis.diary_trial import check_arms
from gutbrain.analysis.format import format_p
from gutbrain.analysis.mmrm import MMRMResult, mmrm
from gutbrain.analysis.prepost import PrePostResult, prepost
from gutbrain.analysis.responder import REMISSION_CUTOFFS, BinaryResult, binary_outcome
from gutbrain.analysis.visit_scores import VisitScores, visit_scores
from gutbrain.errors import DataError, DesignError
from gutbrain.io import StudyBundle
from gutbrain.io.instruments import DIARY

__all__ = ["QuestionnaireTrialResult", "questionnaire_trial"]


@dataclass(frozen=True, repr=False)
class QuestionnaireTrialResult:
    """The analyses of a questionnaire-only trial (:func:`questionnaire_trial`).

    Attributes
    ----------
    study, control, treatment, primary
        The study, the compared arms and the primary instrument.
    n_participants
        Participants per compared arm with a baseline score on the primary instrument.
    prepost
        ANCOVA per instrument.
    mmrm
        MMRM per instrument.
    binary
        Per instrument with a remission cut-off: ``{"response": ..., "remission": ...}``.
    """

    study: str
    control: str
    treatment: str
    primary: str
    n_participants: dict[str, int]
    prepost: PrePostResult
    mmrm: dict[str, MMRMResult]
    binary: dict[str, dict[str, BinaryResult]]
    conf_level: float

    def summary(self) -> pd.DataFrame:
        """One row per instrument: ANCOVA and last-visit MMRM differences."""
        rows = []
        for inst, m in self.mmrm.items():
            a = self.prepost.results.get(inst)
            last = m.last()
            rows.append(
                {
                    "instrument": inst,
                    "primary": inst == self.primary,
                    "ancova": a.estimate if a else None,
                    "ancova_p": a.p if a else None,
                    "mmrm_visit": last["visit"],
                    "mmrm": last["estimate"],
                    "mmrm_p": last["p"],
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "control": self.control,
            "treatment": self.treatment,
            "primary": self.primary,
            "n_participants": self.n_participants,
            "conf_level": self.conf_level,
            "prepost": self.prepost.to_dict(),
            "mmrm": {k: v.to_dict() for k, v in self.mmrm.items()},
            "binary": {k: {o: r.to_dict() for o, r in v.items()} for k, v in self.binary.items()},
        }

    def __repr__(self) -> str:
        m = self.mmrm.get(self.primary)
        head = f"QuestionnaireTrialResult({self.study}: {self.treatment} - {self.control}"
        if m is None:
            return head + ")"
        e = m.last()
        return (
            f"{head}; primary {self.primary}, MMRM at {e['visit']} {e['estimate']:.3g} "
            f"({format_p(e['p'], label='p')}); {len(self.mmrm)} instruments)"
        )


def questionnaire_trial(
    bundle: StudyBundle,
    *,
    control: str | None = None,
    treatment: str | None = None,
    conf_level: float = 0.95,
    primary: str | None = None,
) -> QuestionnaireTrialResult:
    """Analyse a parallel trial from its visits alone (see the module docstring).

    ``primary``: the primary instrument (default: the study's declared ``primary``, else the
    first instrument listed in ``study.toml`` that was measured twice).

    Raises
    ------
    DesignError
        Not a parallel design, or arms that cannot be compared.
    DataError
        No visits, or an instrument with too few participants for its analyses.
    """
    if bundle.study.design != "parallel":
        raise DesignError(
            f'study {bundle.study.name!r}: questionnaire_trial needs design = "parallel", not '
            f"{bundle.study.design!r}"
        )
    check_level(conf_level)
    control, treatment = check_arms(bundle, control, treatment)
    if bundle.visits is None or not len(bundle.visits):
        raise DataError(f"study {bundle.study.name!r}: no visits table; nothing to analyse")
    arms = bundle.participants.set_index("participant")["arm"]
    arms = arms[arms.isin([control, treatment])]
    n_visits = bundle.visits.dropna(subset=["score"]).groupby("instrument")["visit"].nunique()
    measured = set(n_visits.index[n_visits >= 2])
    if not measured:
        raise DataError(
            f"visits: no instrument of study {bundle.study.name!r} was scored at a baseline and a "
            "later visit; nothing to analyse"
        )
    listed = [i for i in bundle.study.instruments if i != DIARY and i in measured]
    order = listed + sorted(measured - set(listed))
    pp = prepost(bundle.visits, arms, control=control, treatment=treatment, conf_level=conf_level)
    fits: dict[str, MMRMResult] = {}
    binary: dict[str, dict[str, BinaryResult]] = {}
    for inst in order:
        scores = visit_scores(bundle.visits, arms, inst, control=control, treatment=treatment)
        fits[inst] = mmrm(scores, control=control, treatment=treatment, conf_level=conf_level)
        if inst in REMISSION_CUTOFFS:
            binary[inst] = _binary(scores, REMISSION_CUTOFFS[inst][0], conf_level)
    primary = primary or bundle.study.primary or order[0]
    if primary not in fits:
        raise DataError(
            f"primary outcome {primary!r}: not an instrument of study {bundle.study.name!r} "
            f"scored at a baseline and a later visit; expected one of: {', '.join(order)}"
        )
    per = fits[primary].n_control, fits[primary].n_treatment
    return QuestionnaireTrialResult(
        study=bundle.study.name,
        control=control,
        treatment=treatment,
        primary=primary,
        n_participants={control: per[0], treatment: per[1]},
        prepost=pp,
        mmrm=fits,
        binary=binary,
        conf_level=conf_level,
    )


def _binary(scores: VisitScores, cut: float, conf_level: float) -> dict[str, BinaryResult]:
    """Response and remission at the last visit of one instrument."""
    inst, visit = scores.instrument, scores.visits[-1]
    last = scores.last_visit()
    # A fall by half is undefined from a baseline of 0: those participants are left out.
    pos = last[last["baseline"] > 0]
    dropped = len(last) - len(pos)
    rule = f"{inst} fell by >= 50% from {scores.baseline_visit} to {visit}"
    return {
        "response": binary_outcome(
            (pos["score"] <= 0.5 * pos["baseline"]).to_numpy(), pos["treated"].to_numpy(),
            pos["baseline"].to_numpy(), outcome="response", conf_level=conf_level,
            definition=rule + (f" ({dropped} with baseline 0 left out)" if dropped else ""),
        ),
        "remission": binary_outcome(
            (last["score"] <= cut).to_numpy(), last["treated"].to_numpy(),
            last["baseline"].to_numpy(), outcome="remission", conf_level=conf_level,
            definition=f"{inst} <= {cut:g} at {visit}",
        ),
    }  # fmt: skip
