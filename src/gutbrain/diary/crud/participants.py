"""Participants: enrolment (personal link), look-up by link, consent, withdrawal, deletion."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gutbrain.diary.allocation import nof1_sequence, parallel_arm
from gutbrain.diary.core.security import hash_token, new_token
from gutbrain.diary.models import Participant, Study
from gutbrain.errors import DataError

CODE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")


def enrol_participant(
    session: Session,
    *,
    study: Study,
    today: dt.date,
    code: str | None = None,
    email: str | None = None,
    arm: str | None = None,
) -> tuple[Participant, str]:
    """Enrol one participant and return it with its personal-link token.

    The token is returned once and only its SHA-256 digest is stored. Allocation: parallel
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
        if not EMAIL.match(email):
            raise DataError(f"e-mail {email!r} is not an address like name@example.org")
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
    )
    session.add(participant)
    session.flush()
    return participant, token


def participant_by_token(session: Session, *, token: str) -> Participant | None:
    if not token or len(token) > 200:
        return None
    return session.scalar(select(Participant).where(Participant.token_hash == hash_token(token)))


def get_participant(session: Session, *, study: Study, participant_id: int) -> Participant | None:
    return session.scalar(
        select(Participant).where(
            Participant.id == participant_id, Participant.study_id == study.id
        )
    )


def list_participants(session: Session, *, study: Study) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant).where(Participant.study_id == study.id).order_by(Participant.id)
        )
    )


def record_consent(session: Session, *, participant_id: int, now: dt.datetime) -> None:
    p = session.get(Participant, participant_id)
    if p is not None and p.consented_at is None:
        p.consented_at = now


def withdraw(session: Session, *, participant: Participant, day: int) -> None:
    """Mark a participant withdrawn from ``day`` on; their data so far is kept."""
    if participant.withdrawn_day is None:
        participant.withdrawn_day = day


def delete_participant(session: Session, *, participant: Participant) -> None:
    """Erase a participant and everything recorded about them (cascades to every table)."""
    session.execute(delete(Participant).where(Participant.id == participant.id))
