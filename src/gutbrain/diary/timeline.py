"""Where a participant stands today: study day, open window, N-of-1 phase, visits due, status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gutbrain.diary.crud.participants import ParticipantSnapshot
from gutbrain.diary.crud.studies import study_clock
from gutbrain.diary.models import Participant, Study
from gutbrain.diary.schedule import Window, period_for_day, phase_for_day

__all__ = ["ParticipantState", "last_day", "participant_state"]


def last_day(study: Study) -> int | None:
    """The last diary day (inclusive), or None for an open-ended study."""
    if study.duration_days is not None:
        return study.duration_days - 1
    if study.design == "nof1" and study.block_days and study.n_pairs:
        return study.block_days * study.n_pairs * len(study.arms) - 1
    return None


def first_day(participant: Participant | ParticipantSnapshot) -> int:
    """The first diary day: the enrolment date (negative during run-in)."""
    return (participant.enrolled - participant.day0_date).days


@dataclass(frozen=True)
class ParticipantState:
    """A participant's situation at one instant."""

    today: int
    window: Window | None
    status: str  # "open", "closed", "not_started", "finished", "withdrawn"
    phase: str | None
    visits_due: list[tuple[str, str]]
    #: The N-of-1 period number and the number of periods (None outside the blocks): what a
    #: blinded participant sees instead of the phase.
    period: tuple[int, int] | None = None


def participant_state(
    study: Study,
    participant: Participant | ParticipantSnapshot,
    now: dt.datetime,
    done: set[tuple[str, str]],
) -> ParticipantState:
    clock = study_clock(study)
    today = (clock.local_date(now) - participant.day0_date).days
    window = clock.current(participant.day0_date, now)
    end = last_day(study)
    status = "open" if window is not None else "closed"
    if participant.withdrawn_day is not None and today >= participant.withdrawn_day:
        status, window = "withdrawn", None
    elif window is not None and window.day < first_day(participant):
        status, window = "not_started", None
    elif today < first_day(participant):
        status = "not_started"
    elif end is not None and (window.day if window else today) > end:
        status, window = "finished", None
    phase_day = window.day if window else today
    phase = phase_for_day(participant.sequence, study.block_days, phase_day)
    period = period_for_day(participant.sequence, study.block_days, phase_day)
    due = [
        (v.visit, v.instrument)
        for v in study.visits
        if v.day <= today < v.day + v.window_days and (v.visit, v.instrument) not in done
    ]
    if status == "withdrawn":
        due = []
    return ParticipantState(
        today=today, window=window, status=status, phase=phase, visits_due=due, period=period
    )
