"""Participants: enrolment (personal link), re-issue of the link, look-up by link, consent,
withdrawal, deletion.

Every participant request looks its participant up by the SHA-256 digest of the link token
(:class:`gutbrain.diary.core.tokenlookup.ParticipantReader` decides how). The result is a
:class:`ParticipantSnapshot`, an immutable copy of the columns the participant pages need;
changes go through the group-commit writer, never through the snapshot.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from gutbrain.diary.allocation import nof1_sequence, parallel_arm
from gutbrain.diary.core.security import hash_token, new_token
from gutbrain.diary.crud.researchers import check_email
from gutbrain.diary.models import Participant, Study
from gutbrain.errors import DataError

CODE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
#: The longest withdrawal reason kept (characters).
REASON_MAX = 1000


def enrol_participant(
    session: Session,
    *,
    study: Study,
    today: dt.date,
    code: str | None = None,
    email: str | None = None,
    arm: str | None = None,
    enrol_key: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Participant, str]:
    """Enrol one participant and return it with its personal-link token.

    The token is returned once and only its SHA-256 digest is stored. ``enrol_key`` is the
    enrolment form's one-time key (see :func:`participant_by_enrol_key`); ``now`` is stored as
    the time the link was issued. Allocation: parallel
    studies use permuted blocks, N-of-1 studies a randomised block order
    (:mod:`gutbrain.diary.allocation`); observational studies take ``arm`` as given (a group
    label) or the first arm.

    Raises
    ------
    DataError
        For a malformed or duplicate code, a malformed e-mail, or an unknown arm.
    """
    index = session.scalar(
        select(func.count()).select_from(Participant).where(Participant.study_id == study.id)
    )
    assert index is not None
    if not code:
        n = index + 1
        while True:
            code = f"P{n:03d}"
            taken = session.scalar(
                select(Participant.id).where(
                    Participant.study_id == study.id, Participant.code == code
                )
            )
            if taken is None:
                break
            n += 1
    if not CODE.match(code):
        raise DataError(f"participant code {code!r}: use 1-40 letters, digits, '_' or '-'")
    if session.scalar(
        select(Participant.id).where(Participant.study_id == study.id, Participant.code == code)
    ):
        raise DataError(f"participant code {code!r} is already enrolled in this study")
    if email:
        email = email.strip()
        check_email(email)
    labels = [a.label for a in study.arms]
    seed = int(study.allocation_seed)
    sequence = None
    if study.design == "parallel":
        if arm is not None and arm != "":
            raise DataError("arms of a randomised parallel study are allocated, not chosen")
        arm = parallel_arm(labels, seed=seed, index=index)
    elif study.design == "nof1":
        assert study.n_pairs is not None
        sequence = nof1_sequence(labels, n_pairs=study.n_pairs, seed=seed, index=index)
        arm = None
    else:
        arm = arm or labels[0]
        if arm not in labels:
            raise DataError(f"arm {arm!r} is not one of this study's groups {labels}")
    token = new_token()
    participant = Participant(
        study_id=study.id,
        code=code,
        token_hash=hash_token(token),
        arm=arm,
        sequence=sequence,
        enrolled=today,
        day0_date=max(today, study.start) + dt.timedelta(days=study.run_in_days),
        email=email or None,
        enrol_key=enrol_key or None,
        link_issued_at=now,
    )
    session.add(participant)
    session.flush()
    return participant, token


def participant_by_enrol_key(session: Session, *, study: Study, key: str) -> Participant | None:
    """The participant that the enrolment form with one-time ``key`` already made, if any."""
    return session.scalar(
        select(Participant).where(Participant.study_id == study.id, Participant.enrol_key == key)
    )


def reissue_link(session: Session, *, participant: Participant, now: dt.datetime) -> str:
    """Give ``participant`` a new personal-link token and return it; the old link stops working
    at once (only the new token's digest is stored)."""
    token = new_token()
    participant.token_hash = hash_token(token)
    participant.link_issued_at = now
    return token


def get_participant(session: Session, *, study: Study, participant_id: int) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.id == participant_id, Participant.study_id == study.id
        )
    )


def list_participants(session: Session, *, study: Study) -> list[Participant]:
    """The study's participants in enrolment order."""
    return list(
        session.scalars(
            select(Participant).where(Participant.study_id == study.id).order_by(Participant.id)
        )
    )


def consented_participants(session: Session) -> list[Participant]:
    """Every participant of every study who has given consent."""
    return list(session.scalars(select(Participant).where(Participant.consented_at.is_not(None))))


def record_consent(session: Session, *, participant_id: int, now: dt.datetime) -> None:
    p = session.get(Participant, participant_id)
    if p is not None and p.consented_at is None:
        p.consented_at = now


def withdraw(
    session: Session, *, participant: Participant, day: int, reason: str, now: dt.datetime
) -> None:
    """Mark a participant withdrawn from ``day`` on, with the researcher's ``reason``; their data
    so far is kept. A participant already withdrawn keeps the first withdrawal.

    Raises
    ------
    DataError
        For an empty reason or one longer than :data:`REASON_MAX` characters.
    """
    reason = reason.strip()
    if not reason:
        raise DataError("withdrawal: give a reason (what the participant said, or why)")
    if len(reason) > REASON_MAX:
        raise DataError(
            f"withdrawal: the reason has {len(reason)} characters; at most {REASON_MAX}"
        )
    if participant.withdrawn_day is None:
        participant.withdrawn_day = day
        participant.withdrawn_at = now
        participant.withdrawn_reason = reason


def delete_participant(session: Session, *, participant: Participant) -> None:
    """Erase a participant and everything recorded about them (cascades to every table)."""
    session.execute(delete(Participant).where(Participant.id == participant.id))


@dataclass(frozen=True, slots=True)
class ParticipantSnapshot:
    """One participant row as read for one request (no token digest, no e-mail)."""

    id: int
    study_id: int
    code: str
    arm: str | None
    sequence: str | None
    enrolled: dt.date
    #: Calendar date of this participant's day 0.
    day0_date: dt.date
    consented_at: dt.datetime | None
    withdrawn_day: int | None
    flagged: bool


_FIELDS = tuple(ParticipantSnapshot.__dataclass_fields__)
_PARTICIPANT: Table = Participant.__table__  # type: ignore[assignment]
_BY_DIGEST = select(*(_PARTICIPANT.c[f] for f in _FIELDS)).where(
    _PARTICIPANT.c.token_hash == bindparam("digest")
)
_SQLITE_BY_DIGEST = f"SELECT {', '.join(_FIELDS)} FROM participant WHERE token_hash = ?"


def participant_by_digest(session: Session, *, token_hash: str) -> ParticipantSnapshot | None:
    """The participant with this token digest (any database; SQLAlchemy converts the types)."""
    row = session.connection().execute(_BY_DIGEST, {"digest": token_hash}).first()
    return None if row is None else ParticipantSnapshot(*row)


def _utc(text: str | None) -> dt.datetime | None:
    # SQLite keeps UTCDateTime columns as naive UTC text (see models.UTCDateTime).
    return None if text is None else dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _from_sqlite(row: tuple[Any, ...]) -> ParticipantSnapshot:
    """Convert a raw SQLite row the way the ORM types would (tested against them)."""
    pid, study_id, code, arm, sequence, enrolled, day0, consented, withdrawn, flagged = row
    return ParticipantSnapshot(
        id=pid,
        study_id=study_id,
        code=code,
        arm=arm,
        sequence=sequence,
        enrolled=dt.date.fromisoformat(enrolled),
        day0_date=dt.date.fromisoformat(day0),
        consented_at=_utc(consented),
        withdrawn_day=withdrawn,
        flagged=bool(flagged),
    )


def participant_by_digest_sqlite(
    conn: sqlite3.Connection, *, token_hash: str
) -> ParticipantSnapshot | None:
    """:func:`participant_by_digest` as one prepared statement on a raw SQLite connection.

    Without SQLAlchemy's session and result machinery, a look-up costs a fraction of the ORM
    path; in autocommit mode the statement is its own read transaction.
    """
    row = conn.execute(_SQLITE_BY_DIGEST, (token_hash,)).fetchone()
    return None if row is None else _from_sqlite(row)
