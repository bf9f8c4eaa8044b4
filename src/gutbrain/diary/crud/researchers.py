"""Researcher accounts and their login sessions."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gutbrain.diary.core.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from gutbrain.diary.models import Researcher, ResearcherSession
from gutbrain.errors import DataError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")


def check_email(email: str) -> None:
    """Raise :class:`DataError` unless ``email`` looks like an address (accounts, reminders)."""
    if not EMAIL.match(email):
        raise DataError(f"e-mail {email!r} is not an address like name@example.org")


def check_password(password: str) -> None:
    """Raise :class:`DataError` for a password shorter than the minimum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_researcher(
    session: Session, *, email: str, password: str, is_admin: bool = False
) -> Researcher:
    """Add an account; raises :class:`DataError` for a bad e-mail, short password or duplicate."""
    email = email.strip().lower()
    check_email(email)
    check_password(password)
    if session.scalar(select(Researcher.id).where(Researcher.email == email)) is not None:
        raise DataError(f"an account for {email!r} already exists")
    researcher = Researcher(email=email, password_hash=hash_password(password), is_admin=is_admin)
    session.add(researcher)
    session.flush()
    return researcher


def set_password(
    session: Session, *, researcher: Researcher, password: str, keep_session: str | None = None
) -> None:
    """Give ``researcher`` a new password and end their log-in sessions, all but the one with
    token digest ``keep_session`` (the session that changed its own password).

    Raises
    ------
    DataError
        For a password shorter than the minimum.
    """
    check_password(password)
    researcher.password_hash = hash_password(password)
    ended = delete(ResearcherSession).where(ResearcherSession.researcher_id == researcher.id)
    if keep_session is not None:
        ended = ended.where(ResearcherSession.token_hash != keep_session)
    session.execute(ended)


def list_researchers(session: Session) -> list[Researcher]:
    return list(session.scalars(select(Researcher).order_by(Researcher.email)))


def any_researcher(session: Session) -> bool:
    """Whether any account exists (a fresh server has none until ``create-admin``)."""
    return session.scalar(select(Researcher.id).limit(1)) is not None


def authenticate(session: Session, *, email: str, password: str) -> Researcher | None:
    """The researcher if the password matches, else None (in constant-ish time)."""
    researcher = session.scalar(select(Researcher).where(Researcher.email == email.strip().lower()))
    ok = verify_password(researcher.password_hash if researcher else None, password)
    return researcher if ok else None


def open_session(
    session: Session, *, researcher: Researcher, now: dt.datetime, hours: float
) -> str:
    """Start a login session and return its cookie token (only its digest is stored)."""
    token = new_token()
    session.add(
        ResearcherSession(
            token_hash=hash_token(token),
            researcher_id=researcher.id,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    session.execute(delete(ResearcherSession).where(ResearcherSession.expires_at < now))
    return token


def session_researcher(
    session: Session, *, token: str, now: dt.datetime
) -> tuple[Researcher, str] | None:
    """The researcher and token digest of a live session cookie, or None."""
    digest = hash_token(token)
    row = session.scalar(select(ResearcherSession).where(ResearcherSession.token_hash == digest))
    if row is None or row.expires_at <= now:
        return None
    return row.researcher, digest


def close_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(ResearcherSession).where(ResearcherSession.token_hash == token_hash))
