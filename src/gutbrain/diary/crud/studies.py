"""Studies: creation from a validated definition, and owner-scoped lookups."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gutbrain.diary.items import ItemSpec
from gutbrain.diary.models import Researcher, Study, StudyArm, StudyItem, StudyVisit
from gutbrain.diary.schedule import StudyClock
from gutbrain.diary.schemas import StudyCreate


def create_study(session: Session, *, owner: Researcher, spec: StudyCreate) -> Study:
    """Store a checked study definition, owned by ``owner``, with a fresh allocation seed."""
    spec.check()
    study = Study(
        owner_id=owner.id,
        name=spec.name,
        design=spec.design,
        start=spec.start,
        day0=spec.day0,
        consent_text=spec.consent_text,
        timezone=spec.timezone,
        window_open=spec.window_open,
        window_hours=spec.window_hours,
        run_in_days=spec.run_in_days,
        duration_days=spec.duration_days,
        blinded=spec.blinded,
        block_days=spec.block_days if spec.design == "nof1" else None,
        n_pairs=spec.n_pairs if spec.design == "nof1" else None,
        wash_in_days=spec.wash_in_days if spec.design == "nof1" else None,
        allocation_seed=str(secrets.randbits(63)),
        instrument_text=dict(spec.instrument_text),
    )
    study.arms = [
        StudyArm(label=a.label, description=a.description, position=i)
        for i, a in enumerate(spec.arms)
    ]
    study.items = [
        StudyItem(
            key=s.key,
            kind=s.kind,
            label=s.label,
            min_value=s.min_value,
            max_value=s.max_value,
            low_anchor=s.low_anchor,
            high_anchor=s.high_anchor,
            required=s.required,
            risky_at=s.risky_at,
            position=i,
        )
        for i, s in enumerate(spec.item_specs())
    ]
    study.visits = [
        StudyVisit(visit=v.visit, day=v.day, instrument=inst, window_days=v.window_days)
        for v in spec.visits
        for inst in v.instruments
    ]
    session.add(study)
    session.flush()
    return study


def list_studies(session: Session, *, owner: Researcher) -> list[Study]:
    return list(session.scalars(select(Study).where(Study.owner_id == owner.id).order_by(Study.id)))


def get_study(session: Session, *, owner: Researcher, study_id: int) -> Study | None:
    """The study if ``owner`` owns it; None otherwise (callers answer 404 either way)."""
    return session.scalar(select(Study).where(Study.id == study_id, Study.owner_id == owner.id))


def load_study(session: Session, *, study_id: int) -> Study:
    """The study with its arms, items and visits loaded, detached from ``session``."""
    study = session.scalars(
        select(Study)
        .where(Study.id == study_id)
        .options(selectinload(Study.arms), selectinload(Study.items), selectinload(Study.visits))
    ).one()
    session.expunge_all()
    return study


def item_specs(study: Study) -> list[ItemSpec]:
    return [
        ItemSpec(
            key=i.key,
            kind=i.kind,
            label=i.label,
            min_value=i.min_value,
            max_value=i.max_value,
            low_anchor=i.low_anchor,
            high_anchor=i.high_anchor,
            required=i.required,
            risky_at=i.risky_at,
        )
        for i in study.items
    ]


def study_clock(study: Study) -> StudyClock:
    return StudyClock(study.timezone, study.window_open, study.window_hours)
