"""Daily entries (one per participant-day, with revisions), visit responses and risk flags.

These functions run inside the group-commit writer (:mod:`gutbrain.diary.writer`); they return
plain dictionaries so nothing lazy is touched after the transaction ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gutbrain.diary.models import (
    Entry,
    EntryRevision,
    Participant,
    PromptLog,
    RiskFlag,
    VisitResponse,
)
from gutbrain.diary.schedule import Window
from gutbrain.errors import DataError


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


def add_flags(
    session: Session, *, participant_id: int, day: int, risks: list[tuple[str, float]]
) -> None:
    """Record risky answers and flag the participant for the dashboard."""
    if not risks:
        return
    for source, value in risks:
        session.add(RiskFlag(participant_id=participant_id, day=day, source=source, value=value))
    participant = session.get(Participant, participant_id)
    if participant is not None:
        participant.flagged = True


def submit_entry(
    session: Session,
    *,
    participant_id: int,
    window: Window,
    values: dict[str, Any],
    now: dt.datetime,
    risks: list[tuple[str, float]],
    client_id: str | None = None,
) -> dict[str, Any]:
    """Store the answers of one participant-day: a new entry, or a new revision of it.

    A retried request (same ``client_id``) returns the stored revision instead of adding one.

    Returns
    -------
    dict
        ``day``, ``date``, ``revision``, ``submitted_at``, ``values``, ``replayed``.
    """
    entry = session.scalar(
        select(Entry).where(Entry.participant_id == participant_id, Entry.day == window.day)
    )
    if entry is not None and client_id:
        prior = session.scalar(
            select(EntryRevision).where(
                EntryRevision.entry_id == entry.id, EntryRevision.client_id == client_id
            )
        )
        if prior is not None:
            return {
                "day": window.day,
                "date": window.date,
                "revision": prior.revision,
                "submitted_at": prior.submitted_at,
                "values": prior.values,
                "replayed": True,
            }
    if entry is None:
        entry = Entry(
            participant_id=participant_id,
            day=window.day,
            date=window.date,
            values=values,
            revision=1,
            first_submitted_at=now,
            submitted_at=now,
        )
        session.add(entry)
        session.flush()
    else:
        entry.revision += 1
        entry.values = values
        entry.submitted_at = now
    session.add(
        EntryRevision(
            entry_id=entry.id,
            revision=entry.revision,
            values=values,
            submitted_at=now,
            client_id=client_id,
        )
    )
    prompt = _ensure_prompt(session, participant_id=participant_id, window=window)
    if prompt.submitted_at is None:
        prompt.submitted_at = now
    add_flags(session, participant_id=participant_id, day=window.day, risks=risks)
    return {
        "day": window.day,
        "date": window.date,
        "revision": entry.revision,
        "submitted_at": now,
        "values": values,
        "replayed": False,
    }


def submit_visit(
    session: Session,
    *,
    participant_id: int,
    visit: str,
    instrument: str,
    day: int,
    answers: list[int],
    now: dt.datetime,
    risks: list[tuple[str, float]],
) -> None:
    """Store one completed visit questionnaire (once; a second submission is refused)."""
    exists = session.scalar(
        select(VisitResponse.id).where(
            VisitResponse.participant_id == participant_id,
            VisitResponse.visit == visit,
            VisitResponse.instrument == instrument,
        )
    )
    if exists is not None:
        raise DataError(f"{instrument} for visit {visit!r} was already submitted")
    session.add(
        VisitResponse(
            participant_id=participant_id,
            visit=visit,
            instrument=instrument,
            day=day,
            answers=answers,
            submitted_at=now,
        )
    )
    add_flags(session, participant_id=participant_id, day=day, risks=risks)


def entries_of(session: Session, *, participant_id: int) -> list[Entry]:
    return list(
        session.scalars(
            select(Entry).where(Entry.participant_id == participant_id).order_by(Entry.day)
        )
    )


def entry_for_day(session: Session, *, participant_id: int, day: int) -> Entry | None:
    return session.scalar(
        select(Entry).where(Entry.participant_id == participant_id, Entry.day == day)
    )


def visits_done(session: Session, *, participant_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(VisitResponse.visit, VisitResponse.instrument).where(
            VisitResponse.participant_id == participant_id
        )
    )
    return {(v, i) for v, i in rows}
