"""The prompt log: one row per participant-day with when it was scheduled, opened, submitted,
expired and reminded, and the periodic sweep that keeps it complete.

The sweep runs periodically (and once at start-up). For every consented, active participant it

1. writes a ``prompt_log`` row for each past and current diary day that has none (``scheduled``),
   so days the participant never opened still appear in the log;
2. marks rows whose window has passed without a submission as ``expired``;
3. lists the open prompts without a submission whose participant gave an e-mail address and
   has had no reminder yet. :func:`gutbrain.diary.reminders.send_reminders` then e-mails them
   (outside the database writer, so a slow SMTP server never delays a submission) and
   :func:`record_reminders` writes ``reminder_sent_at`` for those that went out.

A submission fills its row's ``submitted_at`` itself
(:func:`gutbrain.diary.crud.entries.submit_entry`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutbrain.diary.crud._rows import rows_of
from gutbrain.diary.crud.participants import consented_participants
from gutbrain.diary.crud.studies import study_clock
from gutbrain.diary.models import PromptLog, Study
from gutbrain.diary.schedule import Window, local_time
from gutbrain.diary.timeline import first_day, last_day

__all__ = [
    "Reminder",
    "SweepResult",
    "mark_opened",
    "prompt_opened",
    "prompts_of",
    "record_reminders",
    "sweep_prompts",
]

#: Days looked back for missing prompt-log rows on each sweep (older gaps were filled earlier).
BACKFILL_DAYS = 60


@dataclass(frozen=True)
class Reminder:
    """An open prompt whose participant is to be reminded by e-mail."""

    prompt_id: int
    email: str
    study_name: str
    #: When today's diary closes, in the study's zone and labelled ("23:59 PST").
    closes: str


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: rows scheduled and expired, and the reminders now due."""

    scheduled: int
    expired: int
    due: tuple[Reminder, ...]


def _ensure_prompt(session: Session, *, participant_id: int, window: Window) -> PromptLog:
    row = session.scalar(
        select(PromptLog).where(
            PromptLog.participant_id == participant_id, PromptLog.day == window.day
        )
    )
    if row is None:
        row = PromptLog(
            participant_id=participant_id,
            day=window.day,
            scheduled_at=window.opens,
            expires_at=window.expires,
        )
        session.add(row)
    return row


def mark_opened(session: Session, *, participant_id: int, window: Window, now: dt.datetime) -> None:
    """Log the first time the participant opened the prompt of ``window``."""
    row = _ensure_prompt(session, participant_id=participant_id, window=window)
    if row.opened_at is None:
        row.opened_at = now


def prompt_opened(session: Session, *, participant_id: int, day: int) -> bool:
    """Whether the participant has opened the prompt of ``day``."""
    opened = session.scalar(
        select(PromptLog.opened_at).where(
            PromptLog.participant_id == participant_id, PromptLog.day == day
        )
    )
    return opened is not None


def prompts_of(session: Session, *, participant_ids: Sequence[int]) -> list[PromptLog]:
    """The prompt-log rows of these participants, by participant and day."""
    return rows_of(session, PromptLog, participant_ids, PromptLog.participant_id, PromptLog.day)


def sweep_prompts(session: Session, *, now: dt.datetime) -> SweepResult:
    """Fill and expire prompt-log rows and list the reminders due (module docstring)."""
    scheduled = expired = 0
    due: list[Reminder] = []
    studies: dict[int, Study] = {}
    for p in consented_participants(session):
        study = studies.setdefault(p.study_id, p.study)
        clock = study_clock(study)
        today = (clock.local_date(now) - p.day0_date).days
        lo = max(first_day(p), today - BACKFILL_DAYS)
        hi = today
        end = last_day(study)
        if end is not None:
            hi = min(hi, end)
        if p.withdrawn_day is not None:
            hi = min(hi, p.withdrawn_day - 1)
        have = {
            r.day: r
            for r in session.scalars(
                select(PromptLog).where(PromptLog.participant_id == p.id, PromptLog.day >= lo)
            )
        }
        for day in range(lo, hi + 1):
            w = clock.window(p.day0_date, day)
            if w.opens > now:
                continue
            row = have.get(day)
            if row is None:
                row = PromptLog(
                    participant_id=p.id, day=day, scheduled_at=w.opens, expires_at=w.expires
                )
                session.add(row)
                scheduled += 1
            if row.submitted_at is None and row.expired_at is None and row.expires_at <= now:
                row.expired_at = row.expires_at
                expired += 1
            open_now = row.scheduled_at <= now < row.expires_at
            if p.email and open_now and row.submitted_at is None and row.reminder_sent_at is None:
                session.flush()  # give a new row its id
                closes = local_time(row.expires_at, study.timezone, "%A %d %B at %H:%M")
                due.append(Reminder(row.id, p.email, study.name, closes))
    return SweepResult(scheduled, expired, tuple(due))


def record_reminders(session: Session, *, prompt_ids: list[int], now: dt.datetime) -> None:
    """Log ``reminder_sent_at`` for the prompts whose reminder went out."""
    for row in session.scalars(select(PromptLog).where(PromptLog.id.in_(prompt_ids))):
        if row.reminder_sent_at is None:
            row.reminder_sent_at = now
