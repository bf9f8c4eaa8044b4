"""A read-only cache of study definitions for the participant hot path.

A study's definition (design, arms, items, visits) never changes after creation (the app has no
edit route), so each daily submission need not reload it: the cache keeps a detached copy with its
relationships loaded, and its daily items as checked :class:`ItemSpec` objects. Only participant
rows, which do change, are read on every request.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gutbrain.diary.core.db import Database
from gutbrain.diary.crud.studies import item_specs
from gutbrain.diary.items import ItemSpec
from gutbrain.diary.models import Study

__all__ = ["StudyCache"]


class StudyCache:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._studies: dict[int, Study] = {}
        self._items: dict[int, tuple[ItemSpec, ...]] = {}
        self._lock = threading.Lock()

    def get(self, study_id: int) -> Study:
        study = self._studies.get(study_id)
        if study is not None:
            return study
        with self._db.session(write=False) as session:
            study = session.scalars(
                select(Study)
                .where(Study.id == study_id)
                .options(
                    selectinload(Study.arms), selectinload(Study.items), selectinload(Study.visits)
                )
            ).one()
            session.expunge_all()
        with self._lock:
            return self._studies.setdefault(study_id, study)

    def item_specs(self, study_id: int) -> list[ItemSpec]:
        """The study's daily items (built and checked once per study)."""
        specs = self._items.get(study_id)
        if specs is None:
            specs = tuple(item_specs(self.get(study_id)))
            with self._lock:
                specs = self._items.setdefault(study_id, specs)
        return list(specs)
