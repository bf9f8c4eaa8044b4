"""Daily entries (one per participant-day, with revisions), visit responses and risk flags.

The submitting functions run inside the group-commit writer (:mod:`gutbrain.diary.core.writer`);
they return plain values or detached schemas, so nothing lazy is touched after the transaction
ends. The readers of many participants return plain rows, not ORM objects: a year of a large
study is 10^5 entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy import Row, Table, bindparam, func, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from gutbrain.diary.crud._rows import rows_of
from gutbrain.diary.models import (
    Entry,
    EntryRevision,
    Participant,
    PromptLog,
    RiskFlag,
    VisitResponse,
)
from gutbrain.diary.schedule import Window
from gutbrain.diary.schemas import EntryAck
from gutbrain.errors import DataError


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


# Core tables: the submission path runs plain Core statements on the session's connection,
# which costs a fraction of the ORM's bulk-insert machinery per request.
ENTRY: Table = Entry.__table__  # type: ignore[assignment]
REVISION: Table = EntryRevision.__table__  # type: ignore[assignment]
PROMPT: Table = PromptLog.__table__  # type: ignore[assignment]
_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _upserts(session: Session) -> tuple[Any, Any]:
    """The entry and prompt-log upserts for the session's dialect, built once and reused so the
    statement cache applies (building ``ON CONFLICT ... excluded`` per request costs more than
    running it)."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        from sqlalchemy.dialects import postgresql, sqlite

        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        entry: Any = insert(ENTRY)
        entry = entry.on_conflict_do_update(
            index_elements=["participant_id", "day"],
            set_={
                "revision": ENTRY.c.revision + 1,
                "values": entry.excluded["values"],
                "submitted_at": entry.excluded.submitted_at,
                "records_unanswered": entry.excluded.records_unanswered,
            },
        ).returning(ENTRY.c.id, ENTRY.c.revision)
        prompt: Any = insert(PROMPT)
        prompt = prompt.on_conflict_do_update(
            index_elements=["participant_id", "day"],
            set_={
                "submitted_at": func.coalesce(PROMPT.c.submitted_at, prompt.excluded.submitted_at)
            },
        )
        _UPSERTS[dialect] = (entry, prompt)
    return _UPSERTS[dialect]


_REVISION_INSERT = sa_insert(REVISION)
_PRIOR = (
    select(REVISION.c.revision, REVISION.c.submitted_at, REVISION.c["values"])
    .join(ENTRY, ENTRY.c.id == REVISION.c.entry_id)
    .where(
        ENTRY.c.participant_id == bindparam("participant_id"),
        ENTRY.c.day == bindparam("day"),
        REVISION.c.client_id == bindparam("client_id"),
    )
)


def submit_entry(
    session: Session,
    *,
    participant_id: int,
    window: Window,
    values: dict[str, Any],
    now: dt.datetime,
    risks: list[tuple[str, float]],
    client_id: str | None = None,
) -> EntryAck:
    """Store the answers of one participant-day: a new entry, or a new revision of it.

    The entry is an upsert on the unique (participant, day) key, so concurrent or repeated
    submissions can never create a duplicate; every submission is also appended to
    ``entry_revision``. A retried request (same ``client_id``) returns the stored revision
    instead of adding one.

    Returns
    -------
    EntryAck
        The stored revision, with ``risk`` set when ``risks`` is not empty (the caller adds the
        crisis text).
    """
    conn = session.connection()
    prior = None
    if client_id:
        prior = conn.execute(
            _PRIOR, {"participant_id": participant_id, "day": window.day, "client_id": client_id}
        ).first()
    if prior is None:
        revision = _store_entry(
            session,
            participant_id=participant_id,
            window=window,
            values=values,
            now=now,
            risks=risks,
            client_id=client_id,
        )
        submitted_at = now
    else:
        revision, submitted_at, values = prior
    return EntryAck(
        day=window.day,
        date=window.date,
        revision=revision,
        submitted_at=submitted_at,
        values=values,
        risk=bool(risks),
    )


def _store_entry(
    session: Session,
    *,
    participant_id: int,
    window: Window,
    values: dict[str, Any],
    now: dt.datetime,
    risks: list[tuple[str, float]],
    client_id: str | None,
) -> int:
    """Upsert the entry, append its revision, log the prompt submitted and flag risky answers;
    returns the new revision number."""
    conn = session.connection()
    entry_upsert, prompt_upsert = _upserts(session)
    entry_id, revision = conn.execute(
        entry_upsert,
        {
            "participant_id": participant_id,
            "day": window.day,
            "date": window.date,
            "values": values,
            "revision": 1,
            "first_submitted_at": now,
            "submitted_at": now,
            "records_unanswered": True,
        },
    ).one()
    conn.execute(
        _REVISION_INSERT,
        {
            "entry_id": entry_id,
            "revision": revision,
            "values": values,
            "submitted_at": now,
            "client_id": client_id,
        },
    )
    conn.execute(
        prompt_upsert,
        {
            "participant_id": participant_id,
            "day": window.day,
            "scheduled_at": window.opens,
            "expires_at": window.expires,
            "submitted_at": now,
        },
    )
    add_flags(session, participant_id=participant_id, day=window.day, risks=risks)
    return int(revision)


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
    """One participant's entries, by day."""
    return list(
        session.scalars(
            select(Entry).where(Entry.participant_id == participant_id).order_by(Entry.day)
        )
    )


def entry_for_day(session: Session, *, participant_id: int, day: int) -> Entry | None:
    """One participant's entry of ``day``, if any."""
    return session.scalar(
        select(Entry).where(Entry.participant_id == participant_id, Entry.day == day)
    )


def visits_done(session: Session, *, participant_id: int) -> set[tuple[str, str]]:
    """The (visit, instrument) pairs the participant has completed."""
    rows = session.execute(
        select(VisitResponse.visit, VisitResponse.instrument).where(
            VisitResponse.participant_id == participant_id
        )
    )
    return {(v, i) for v, i in rows}


#: ``(participant_id, day, date, values, submitted_at, records_unanswered)`` of one entry.
EntryRow: TypeAlias = "Row[int, int, dt.date, dict[str, Any], dt.datetime, bool]"
#: ``(participant_id, day, revision, submitted_at, values)`` of one entry revision.
RevisionRow: TypeAlias = "Row[int, int, int, dt.datetime, dict[str, Any]]"


def entry_rows(session: Session, *, participant_ids: Sequence[int]) -> Sequence[EntryRow]:
    """Every entry of these participants, by participant and day."""
    if not participant_ids:
        return []
    return session.execute(
        select(
            Entry.participant_id,
            Entry.day,
            Entry.date,
            Entry.values,
            Entry.submitted_at,
            Entry.records_unanswered,
        )
        .where(Entry.participant_id.in_(participant_ids))
        .order_by(Entry.participant_id, Entry.day)
    ).all()


def revision_rows(session: Session, *, participant_ids: Sequence[int]) -> Sequence[RevisionRow]:
    """Every revision of these participants' entries (the edit history), by participant, day
    and revision."""
    if not participant_ids:
        return []
    return session.execute(
        select(
            Entry.participant_id,
            Entry.day,
            EntryRevision.revision,
            EntryRevision.submitted_at,
            EntryRevision.values,
        )
        .join(Entry, Entry.id == EntryRevision.entry_id)
        .where(Entry.participant_id.in_(participant_ids))
        .order_by(Entry.participant_id, Entry.day, EntryRevision.revision)
    ).all()


def visit_responses_of(session: Session, *, participant_ids: Sequence[int]) -> list[VisitResponse]:
    """These participants' visit questionnaires, by participant, day and submission."""
    m = VisitResponse
    return rows_of(session, m, participant_ids, m.participant_id, m.day, m.id)


def risk_flags_of(session: Session, *, participant_ids: Sequence[int]) -> list[RiskFlag]:
    """These participants' risk flags, oldest first."""
    return rows_of(session, RiskFlag, participant_ids, RiskFlag.id)
