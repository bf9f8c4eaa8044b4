"""Health check and the front door."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from gutbrain.diary.api.deps import StateDep

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz(state: StateDep) -> dict[str, str]:
    state.db.ping()
    return {"status": "ok"}


@router.get("/", status_code=303, response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/studies", status_code=303)
