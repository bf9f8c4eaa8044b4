"""A read-only cache of study definitions for the participant hot path.

A study's definition (design, arms, items, visits) never changes after creation (the app has no
edit route), so each daily submission need not reload it: the cache keeps a detached copy with its
relationships loaded, and its daily items as checked :class:`ItemSpec` objects. Only participant
rows, which do change, are read on every request.
"""

from __future__ import annotations

import threading

from gutbrain.diary.core.db import Database
from gutbrain.diary.crud.studies import item_specs, load_study
from gutbrain.diary.items import ItemSpec
from gutbrain.diary.models import Study

__all__ = ["StudyCache"]


class StudyCache:
    """Studies by id, loaded once (see the module docstring), safe to share between threads."""

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
            study = load_study(session, study_id=study_id)
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
