"""Health check and the front door."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from sqlalchemy import text

from gutbrain.diary.api.deps import ReadSessionDep

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz(session: ReadSessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/studies", status_code=303)
