"""The prompt log sweep and optional e-mail reminders.

The sweep runs periodically (and once at start-up). For every consented, active participant it

1. writes a ``prompt_log`` row for each past and current diary day that has none (``scheduled``),
   so days the participant never opened still appear in the log;
2. marks rows whose window has passed without a submission as ``expired``;
3. lists the open prompts without a submission whose participant gave an e-mail address and
   has had no reminder yet. :func:`send_reminders` then e-mails them (outside the database
   writer, so a slow SMTP server never delays a submission) and :func:`record_reminders`
   writes ``reminder_sent_at`` for those that went out.

Reminder e-mails never contain the personal link (a mailbox is not a safe place for it); they ask
the participant to open their bookmarked link.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.crud.studies import study_clock
from gutbrain.diary.models import Participant, PromptLog, Study
from gutbrain.diary.timeline import first_day, last_day

__all__ = [
    "Reminder",
    "SweepResult",
    "record_reminders",
    "send_reminder_smtp",
    "send_reminders",
    "sweep_prompts",
]

log = logging.getLogger("gutbrain.diary")
#: Days looked back for missing prompt-log rows on each sweep (older gaps were filled earlier).
BACKFILL_DAYS = 60


@dataclass(frozen=True)
class Reminder:
    prompt_id: int
    email: str
    study_name: str


@dataclass(frozen=True)
class SweepResult:
    scheduled: int
    expired: int
    due: tuple[Reminder, ...]


Sender = Callable[[str, str, str], None]


def send_reminder_smtp(settings: Settings) -> Sender:
    """A sender that delivers through the configured SMTP server."""

    def send(to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = settings.smtp_from
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)

    return send


def sweep_prompts(session: Session, *, now: dt.datetime) -> SweepResult:
    """Fill and expire prompt-log rows and list the reminders due (module docstring)."""
    scheduled = expired = 0
    due: list[Reminder] = []
    participants = session.scalars(
        select(Participant).where(Participant.consented_at.is_not(None))
    ).all()
    studies: dict[int, Study] = {}
    for p in participants:
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
            d: row
            for d, row in (
                (r.day, r)
                for r in session.scalars(
                    select(PromptLog).where(PromptLog.participant_id == p.id, PromptLog.day >= lo)
                )
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
                due.append(Reminder(row.id, p.email, study.name))
    return SweepResult(scheduled, expired, tuple(due))


def send_reminders(due: tuple[Reminder, ...], send: Sender) -> list[int]:
    """E-mail each due reminder; returns the prompt ids whose e-mail went out."""
    sent = []
    for r in due:
        try:
            send(
                r.email,
                f"{r.study_name}: today's diary",
                "Your daily diary for today is open. Please open your personal study link (the "
                "bookmark you saved) to answer. It takes about a minute.\n\n"
                "Research only; not medical advice.",
            )
        except (OSError, smtplib.SMTPException) as exc:
            # No address or participant in the log: only the failure's class.
            log.warning("reminder e-mail failed: %s", type(exc).__name__)
        else:
            sent.append(r.prompt_id)
    return sent


def record_reminders(session: Session, *, prompt_ids: list[int], now: dt.datetime) -> None:
    """Log ``reminder_sent_at`` for the prompts whose reminder went out."""
    for row in session.scalars(select(PromptLog).where(PromptLog.id.in_(prompt_ids))):
        if row.reminder_sent_at is None:
            row.reminder_sent_at = now
