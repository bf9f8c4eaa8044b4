"""Researcher log-in and log-out (argon2 passwords, server-side sessions, rate-limited).

Failed log-ins are limited as OWASP's authentication guidance advises (settings in
:mod:`gutbrain.diary.core.settings`): per client address across all accounts (password spraying),
and per account with growing delays rather than a lock-out. A successful log-in sets a signed
device cookie; from that device the account's delay does not apply (only the device's own
failures count), so an attacker guessing passwords cannot keep the owner out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import (
    CSRF_REFUSED,
    DEVICE_COOKIE,
    PRELOGIN_COOKIE,
    RESEARCHER_COOKIE,
    AppState,
    NowDep,
    ReadSessionDep,
    ResearcherAuthDep,
    SessionDep,
    StateDep,
    client_address,
    too_many,
)
from gutbrain.diary.api.openapi import errors, researcher_form
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.core.security import check_csrf, device_cookie, device_of, new_token
from gutbrain.diary.crud.researchers import (
    any_researcher,
    authenticate,
    close_session,
    open_session,
)

router = APIRouter(tags=["auth"])

WRONG_PASSWORD = "wrong e-mail or password"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: StateDep, session: ReadSessionDep) -> Response:
    pre = request.cookies.get(PRELOGIN_COOKIE) or new_token()
    first_run = not any_researcher(session)
    response = render(request, "login.html", {"first_run": first_run}, csrf_subject="pre:" + pre)
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
    account = email.strip().lower()
    address = client_address(request)
    device = device_of(
        state.secret_key,
        request.cookies.get(DEVICE_COOKIE),
        account,
        state.settings.device_cookie_days * 86400,
    )
    wait = _wait(state, address, account, device)
    if wait > 0:
        raise too_many(wait, "failed log-ins")
    researcher = authenticate(session, email=email, password=password)
    if researcher is None:
        if device is not None:
            state.login_devices.fail(device)
        else:
            state.login_clients.hit(address)
            state.login_accounts.fail(account)
        if wants_json(request):
            raise HTTPException(status_code=401, detail=WRONG_PASSWORD)
        return render(
            request,
            "login.html",
            {"error": WRONG_PASSWORD, "email": email},
            status_code=401,
            csrf_subject="pre:" + pre,
        )
    state.login_accounts.reset(account)
    if device is not None:
        state.login_devices.reset(device)
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
    response.set_cookie(  # a new device cookie after every log-in (OWASP)
        DEVICE_COOKIE,
        device_cookie(state.secret_key, account),
        httponly=True,
        secure=state.settings.cookie_secure,
        samesite="strict",
        max_age=int(state.settings.device_cookie_days * 86400),
    )
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


def _wait(state: AppState, address: str, account: str, device: str | None) -> float:
    """Seconds this log-in attempt must wait before its password is checked (0: none).

    A device that logged in to ``account`` before waits only for its own failures; any other
    client waits while its address used up its failures (20 in 10 minutes by default, whichever
    accounts they were for) or while the account is in a delay after repeated failures.
    """
    if device is not None:
        return state.login_devices.retry_after(device)
    return max(state.login_clients.retry_after(address), state.login_accounts.retry_after(account))


@router.post("/logout", **researcher_form(303))
def logout(auth: ResearcherAuthDep, session: SessionDep) -> Response:
    close_session(session, token_hash=auth.session_hash)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(RESEARCHER_COOKIE)
    return response
