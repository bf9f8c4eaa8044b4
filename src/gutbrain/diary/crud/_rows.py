"""The one "rows of these participants" read that the export and the dashboard share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

__all__ = ["rows_of"]

M = TypeVar("M")


def rows_of(
    session: Session, model: type[M], participant_ids: Sequence[int], *order: Any
) -> list[M]:
    """Rows of ``model`` whose ``participant_id`` is in ``participant_ids``, sorted by ``order``."""
    if not participant_ids:
        return []
    column = getattr(model, "participant_id")  # noqa: B009 - every such model has one
    return list(session.scalars(select(model).where(column.in_(participant_ids)).order_by(*order)))
