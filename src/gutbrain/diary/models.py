"""ORM models of the diary database (SQLAlchemy 2, typed mappings).

The schema is created and changed only by the Alembic migrations in ``migrations/``; these
classes describe it for queries. Times are stored as timezone-aware UTC datetimes; calendar dates
are study-local dates.

Tables
------
researcher, researcher_session
    Accounts (argon2 password hashes) and their server-side login sessions (token hashes).
study, study_arm, study_item, study_visit
    A study, its arms or N-of-1 phases, its daily items and its visit questionnaire schedule.
participant
    One enrolled person: personal-link token hash, allocation (arm or phase sequence), consent,
    the enrolment form's one-time key, and the withdrawal's time and reason.
entry, entry_revision
    One row per participant-day; every accepted submission is also kept as a revision, so edits
    never lose the earlier answers. ``entry.records_unanswered`` tells entries stored before the
    "not answered" option (an untouched slider saved 50) from later ones.
visit_response
    Scored visit questionnaires.
prompt_log
    Per participant-day: when the prompt was scheduled, opened, submitted, expired, reminded.
risk_flag
    Answers that met a risk rule (PHQ-9 item 9 > 0, or a study-marked item threshold).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of all diary tables."""


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Researcher(Base):
    __tablename__ = "researcher"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    studies: Mapped[list[Study]] = relationship(back_populates="owner")


class ResearcherSession(Base):
    __tablename__ = "researcher_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("researcher.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    researcher: Mapped[Researcher] = relationship()


class Study(Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("researcher.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    design: Mapped[str] = mapped_column(String(20))  # parallel | nof1 | observational
    start: Mapped[dt.date] = mapped_column(Date)
    day0: Mapped[str] = mapped_column(String(200), default="first intervention day")
    consent_text: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: Local time the daily prompt opens ("HH:MM") and how many hours it stays open.
    window_open: Mapped[str] = mapped_column(String(5), default="00:00")
    window_hours: Mapped[float] = mapped_column(Float, default=24.0)
    run_in_days: Mapped[int] = mapped_column(Integer, default=0)
    #: Days of diary per participant after day 0 (None: open-ended).
    duration_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    blinded: Mapped[bool] = mapped_column(Boolean, default=True)
    block_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_pairs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wash_in_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Secret seed of the allocation sequence (permuted blocks / N-of-1 block orders).
    allocation_seed: Mapped[str] = mapped_column(String(40))
    #: Extra instrument item texts supplied by the study (e.g. a licensed STAI), JSON.
    instrument_text: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Researcher] = relationship(back_populates="studies")
    arms: Mapped[list[StudyArm]] = relationship(
        order_by="StudyArm.position", cascade="all, delete-orphan"
    )
    items: Mapped[list[StudyItem]] = relationship(
        order_by="StudyItem.position", cascade="all, delete-orphan"
    )
    visits: Mapped[list[StudyVisit]] = relationship(
        order_by="StudyVisit.day", cascade="all, delete-orphan"
    )


class StudyArm(Base):
    """An arm (parallel, observational) or a phase (N-of-1)."""

    __tablename__ = "study_arm"
    __table_args__ = (UniqueConstraint("study_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer)


class StudyItem(Base):
    """One daily question; ``key`` is the diary column it is exported to."""

    __tablename__ = "study_item"
    __table_args__ = (UniqueConstraint("study_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # vas likert yesno number bristol text
    label: Mapped[str] = mapped_column(String(300))
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    low_anchor: Mapped[str] = mapped_column(String(80), default="")
    high_anchor: Mapped[str] = mapped_column(String(80), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: An answer at or above this value is risky (shows crisis resources, flags the participant).
    risky_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    position: Mapped[int] = mapped_column(Integer)


class StudyVisit(Base):
    """A scheduled visit questionnaire: instrument(s) due on ``day`` for ``window_days`` days."""

    __tablename__ = "study_visit"
    __table_args__ = (UniqueConstraint("study_id", "visit", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    visit: Mapped[str] = mapped_column(String(40))
    day: Mapped[int] = mapped_column(Integer)
    instrument: Mapped[str] = mapped_column(String(20))
    window_days: Mapped[int] = mapped_column(Integer, default=3)


class Participant(Base):
    __tablename__ = "participant"
    __table_args__ = (
        UniqueConstraint("study_id", "code"),
        Index("uq_participant_enrol_key", "study_id", "enrol_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    arm: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sequence: Mapped[str | None] = mapped_column(String(40), nullable=True)
    enrolled: Mapped[dt.date] = mapped_column(Date)
    #: Calendar date of this participant's day 0.
    day0_date: Mapped[dt.date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    consented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The one-time key of the enrolment form that made this participant (migration 0003): a
    #: second submission of the same form finds this participant instead of adding one.
    enrol_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: When the current personal link was issued (enrolment or re-issue).
    link_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When and why the withdrawal was recorded (None for withdrawals before migration 0003).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    study: Mapped[Study] = relationship()


class Entry(Base):
    """The current answers of one participant-day (latest revision)."""

    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("participant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    first_submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Whether the latest answers came from a form that records an untouched slider as not
    #: answered (missing). False for entries stored before that option existed (migration 0002):
    #: their untouched sliders were saved as 50.
    records_unanswered: Mapped[bool] = mapped_column(Boolean, default=True)


class EntryRevision(Base):
    """Every accepted submission of a participant-day, in order; the edit history."""

    __tablename__ = "entry_revision"
    __table_args__ = (UniqueConstraint("entry_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Client-generated id of the submission, so a retried request is not stored twice.
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class VisitResponse(Base):
    __tablename__ = "visit_response"
    __table_args__ = (UniqueConstraint("participant_id", "visit", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    visit: Mapped[str] = mapped_column(String(40))
    instrument: Mapped[str] = mapped_column(String(20))
    day: Mapped[int] = mapped_column(Integer)
    answers: Mapped[list[int]] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PromptLog(Base):
    __tablename__ = "prompt_log"
    __table_args__ = (UniqueConstraint("participant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RiskFlag(Base):
    __tablename__ = "risk_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
