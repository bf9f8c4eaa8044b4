"""Account management for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from gutbrain.diary.api.deps import AdminDep, ResearcherAuthDep, SessionDep
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors, researcher_form
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.crud.researchers import create_researcher, list_researchers
from gutbrain.errors import DataError

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/researchers", response_class=HTMLResponse, responses=errors(401, 403) | LOGIN_REDIRECT
)
def researchers_page(
    request: Request, admin: AdminDep, auth: ResearcherAuthDep, session: SessionDep
) -> Response:
    return render(
        request,
        "researchers.html",
        {"researchers": list_researchers(session), "me": admin},
        csrf_subject=auth.session_hash,
    )


@router.post("/researchers", **researcher_form(201, 422))
def add_researcher(
    request: Request,
    admin: AdminDep,
    auth: ResearcherAuthDep,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    error = message = None
    try:
        create_researcher(session, email=email, password=password, is_admin=is_admin)
        session.commit()
        message = f"account {email.strip().lower()} created"
    except DataError as exc:
        session.rollback()
        if wants_json(request):
            raise
        error = str(exc)
    return render(
        request,
        "researchers.html",
        {"researchers": list_researchers(session), "me": admin, "error": error, "message": message},
        status_code=422 if error else 201,
        csrf_subject=auth.session_hash,
    )
