"""The prompt log sweep and optional e-mail reminders.

The sweep runs periodically (and once at start-up). For every consented, active participant it

1. writes a ``prompt_log`` row for each past and current diary day that has none (``scheduled``),
   so days the participant never opened still appear in the log;
2. marks rows whose window has passed without a submission as ``expired``;
3. when SMTP is configured and the participant gave an e-mail address, sends one reminder per
   open prompt that has no submission yet, and records ``reminder_sent_at``.

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

from gutbrain.diary.crud.studies import study_clock
from gutbrain.diary.models import Participant, PromptLog, Study
from gutbrain.diary.settings import Settings
from gutbrain.diary.timeline import first_day, last_day

__all__ = ["SweepResult", "send_reminder_smtp", "sweep_prompts"]

log = logging.getLogger("gutbrain.diary")
#: Days looked back for missing prompt-log rows on each sweep (older gaps were filled earlier).
BACKFILL_DAYS = 60


@dataclass(frozen=True)
class SweepResult:
    scheduled: int
    expired: int
    reminded: int


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


def sweep_prompts(session: Session, *, now: dt.datetime, send: Sender | None = None) -> SweepResult:
    """Fill, expire and remind, as described in the module docstring."""
    scheduled = expired = reminded = 0
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
            if (
                send is not None
                and p.email
                and open_now
                and row.submitted_at is None
                and row.reminder_sent_at is None
            ):
                try:
                    send(
                        p.email,
                        f"{study.name}: today's diary",
                        "Your daily diary for today is open. Please open your personal study "
                        "link (the bookmark you saved) to answer. It takes about a minute.\n\n"
                        "Research only; not medical advice.",
                    )
                except (OSError, smtplib.SMTPException) as exc:
                    # No address or participant in the log: only the failure's class.
                    log.warning("reminder e-mail failed: %s", type(exc).__name__)
                else:
                    row.reminder_sent_at = now
                    reminded += 1
    return SweepResult(scheduled, expired, reminded)
