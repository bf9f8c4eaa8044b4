"""Researcher log-in and log-out (argon2 passwords, server-side sessions, rate-limited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import (
    CSRF_REFUSED,
    PRELOGIN_COOKIE,
    RESEARCHER_COOKIE,
    NowDep,
    ResearcherAuthDep,
    ResearcherCsrf,
    SessionDep,
    StateDep,
    client_address,
)
from gutbrain.diary.api.openapi import errors
from gutbrain.diary.api.render import render
from gutbrain.diary.core.security import check_csrf, new_token
from gutbrain.diary.crud.researchers import authenticate, close_session, open_session

router = APIRouter(tags=["auth"])


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: StateDep) -> Response:
    pre = request.cookies.get(PRELOGIN_COOKIE) or new_token()
    response = render(request, "login.html", {}, csrf_subject="pre:" + pre)
    response.set_cookie(
        PRELOGIN_COOKIE,
        pre,
        httponly=True,
        secure=state.settings.cookie_secure,
        samesite="strict",
        max_age=3600,
    )
    return response


@router.post(
    "/login",
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(400, 401, 403, 422, 429),
)
def login(
    request: Request,
    state: StateDep,
    session: SessionDep,
    now: NowDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    pre = request.cookies.get(PRELOGIN_COOKIE, "")
    if not pre or not check_csrf(state.secret_key, "pre:" + pre, csrf):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)
    key = f"{client_address(request, state)}|{email.strip().lower()}"
    if state.login_limiter.blocked(key):
        raise HTTPException(
            status_code=429, detail="too many failed log-ins; wait 15 minutes and try again"
        )
    researcher = authenticate(session, email=email, password=password)
    if researcher is None:
        state.login_limiter.hit(key)
        return render(
            request,
            "login.html",
            {"error": "wrong e-mail or password", "email": email},
            status_code=401,
            csrf_subject="pre:" + pre,
        )
    state.login_limiter.reset(key)
    token = open_session(
        session, researcher=researcher, now=now, hours=state.settings.session_hours
    )
    session.commit()
    response = RedirectResponse("/studies", status_code=303)
    response.set_cookie(
        RESEARCHER_COOKIE,
        token,
        httponly=True,
        secure=state.settings.cookie_secure,
        samesite="strict",
        max_age=int(state.settings.session_hours * 3600),
    )
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


@router.post(
    "/logout",
    dependencies=[ResearcherCsrf],
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(400, 401, 403),
)
def logout(auth: ResearcherAuthDep, session: SessionDep) -> Response:
    close_session(session, token_hash=auth.session_hash)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(RESEARCHER_COOKIE)
    return response
