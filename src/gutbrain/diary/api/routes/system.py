"""Health check, the front door and the favicon."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import PARTICIPANT_COOKIE, RESEARCHER_COOKIE, StateDep

router = APIRouter(tags=["system"])

FAVICON = resources.files("gutbrain.diary") / "static" / "favicon.svg"


@router.get("/healthz")
def healthz(state: StateDep) -> dict[str, str]:
    state.db.ping()
    return {"status": "ok"}


@router.get("/", status_code=303, response_class=RedirectResponse)
def home(request: Request) -> RedirectResponse:
    """A participant's browser (it has the diary's cookie, no researcher's) goes to the diary."""
    cookies = request.cookies
    if PARTICIPANT_COOKIE in cookies and RESEARCHER_COOKIE not in cookies:
        return RedirectResponse("/diary", status_code=303)
    return RedirectResponse("/studies", status_code=303)


@router.get(
    "/favicon.ico",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}},
)
def favicon() -> FileResponse:
    """The icon browsers ask for by this name; pages also link to it as an SVG."""
    return FileResponse(str(FAVICON), media_type="image/svg+xml")
