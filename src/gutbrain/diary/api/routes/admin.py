"""Account management for administrators: list and add accounts, reset a password.

Every form post answers with a redirect to the accounts page (post/redirect/get), which shows
what was done; a refused post shows the page again with the error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import AdminDep, ResearcherAuthDep, SessionDep
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors, researcher_form
from gutbrain.diary.api.params import ResearcherId
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.core.security import MIN_PASSWORD_LENGTH
from gutbrain.diary.crud.researchers import create_researcher, list_researchers, set_password
from gutbrain.diary.models import Researcher
from gutbrain.errors import DataError

router = APIRouter(prefix="/admin", tags=["admin"])

#: Messages of the accounts page after a redirect (``?done=...``), fixed texts only.
DONE = {
    "created": "The account is created.",
    "reset": "The password is reset and the account's log-in sessions are ended. Give the new "
    "password to its owner, who should change it under My account.",
}


def _page(
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    *,
    error: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "researchers.html",
        {
            "researchers": list_researchers(session),
            "me": auth.researcher,
            "error": error,
            "message": message,
            "min_length": MIN_PASSWORD_LENGTH,
        },
        status_code=status_code,
        csrf_subject=auth.session_hash,
    )


@router.get(
    "/researchers", response_class=HTMLResponse, responses=errors(401, 403, 422) | LOGIN_REDIRECT
)
def researchers_page(
    request: Request, admin: AdminDep, auth: ResearcherAuthDep, session: SessionDep, done: str = ""
) -> Response:
    return _page(request, auth, session, message=DONE.get(done))


def _refused(
    request: Request, auth: ResearcherAuthDep, session: SessionDep, exc: DataError
) -> Response:
    session.rollback()
    if wants_json(request):
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return _page(request, auth, session, error=str(exc), status_code=422)


@router.post("/researchers", **researcher_form(303, 422))
def add_researcher(
    request: Request,
    admin: AdminDep,
    auth: ResearcherAuthDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    try:
        create_researcher(session, email=email, password=password, is_admin=is_admin)
    except DataError as exc:
        return _refused(request, auth, session, exc)
    session.commit()
    return RedirectResponse("/admin/researchers?done=created", status_code=303)


@router.post("/researchers/{researcher_id}/password", **researcher_form(303, 404, 422))
def reset_password(
    researcher_id: ResearcherId,
    request: Request,
    admin: AdminDep,
    auth: ResearcherAuthDep,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1000)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Set a new password for an account (``confirm=yes``) and end its log-in sessions."""
    researcher = session.get(Researcher, researcher_id)
    if researcher is None:
        raise HTTPException(status_code=404, detail="no such account")
    try:
        if confirm != "yes":
            raise DataError(f"confirm: tick the box to reset the password of {researcher.email}")
        set_password(session, researcher=researcher, password=password)
    except DataError as exc:
        return _refused(request, auth, session, exc)
    session.commit()
    return RedirectResponse("/admin/researchers?done=reset", status_code=303)
