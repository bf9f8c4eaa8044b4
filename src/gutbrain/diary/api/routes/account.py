"""A researcher's own account: the account page and the password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import ResearcherAuthDep, SessionDep, StateDep, too_many
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors, researcher_form
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.core.security import MIN_PASSWORD_LENGTH, verify_password
from gutbrain.diary.crud.researchers import set_password
from gutbrain.diary.models import Researcher
from gutbrain.errors import DataError

router = APIRouter(prefix="/account", tags=["account"])

#: Messages of the account page after a redirect (``?done=...``), fixed texts only.
DONE = {"password": "Your password is changed; your other log-in sessions are ended."}


@router.get("", response_class=HTMLResponse, responses=errors(401, 422) | LOGIN_REDIRECT)
def account_page(request: Request, auth: ResearcherAuthDep, done: str = "") -> Response:
    return render(
        request,
        "account.html",
        {"me": auth.researcher, "message": DONE.get(done), "min_length": MIN_PASSWORD_LENGTH},
        csrf_subject=auth.session_hash,
    )


@router.post("/password", **researcher_form(303, 422, 429))
def change_password(
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    state: StateDep,
    current: Annotated[str, Form(max_length=1000)] = "",
    new: Annotated[str, Form(max_length=1000)] = "",
    repeat: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Change the logged-in researcher's password (the current one is asked again); every other
    session of the account is ended."""
    researcher = session.get(Researcher, auth.researcher.id)
    assert researcher is not None  # the session's account exists (sessions cascade with it)
    # Wrong current passwords count with the account's failed log-ins (the same growing delays),
    # so a stolen session cannot guess the password here without limit.
    account = researcher.email.strip().lower()
    wait = state.login_accounts.retry_after(account)
    if wait > 0:
        raise too_many(wait, "wrong passwords")
    try:
        if not verify_password(researcher.password_hash, current):
            state.login_accounts.fail(account)
            raise DataError("current: the current password is wrong")
        state.login_accounts.reset(account)
        if new != repeat:
            raise DataError("repeat: the two new passwords differ")
        set_password(session, researcher=researcher, password=new, keep_session=auth.session_hash)
    except DataError as exc:
        session.rollback()
        if wants_json(request):
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return render(
            request,
            "account.html",
            {"me": auth.researcher, "error": str(exc), "min_length": MIN_PASSWORD_LENGTH},
            status_code=422,
            csrf_subject=auth.session_hash,
        )
    session.commit()
    return RedirectResponse("/account?done=password", status_code=303)
