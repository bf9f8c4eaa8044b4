"""Typed dependencies: database sessions, the clock, the logged-in researcher, the participant.

Routes declare what they need (``session: SessionDep``, ``researcher: ResearcherDep``,
``participant: ParticipantDep``); authentication, CSRF checks and rate limits live here only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from gutbrain.diary.core.db import Database
from gutbrain.diary.core.ratelimit import Backoff, RateLimiter
from gutbrain.diary.core.security import check_csrf, hash_token
from gutbrain.diary.core.settings import Settings
from gutbrain.diary.core.studycache import StudyCache
from gutbrain.diary.core.tokenlookup import ParticipantReader
from gutbrain.diary.core.writer import Writer
from gutbrain.diary.crud.participants import ParticipantSnapshot
from gutbrain.diary.crud.researchers import session_researcher
from gutbrain.diary.models import Researcher, Study

RESEARCHER_COOKIE = "gb_session"
PARTICIPANT_COOKIE = "gb_p"
PRELOGIN_COOKIE = "gb_pre"
DEVICE_COOKIE = "gb_device"


@dataclass
class AppState:
    """Everything the app holds for its lifetime (``app.state.diary``)."""

    settings: Settings
    db: Database
    writer: Writer
    secret_key: str
    clock: Callable[[], dt.datetime]
    login_clients: RateLimiter
    login_accounts: Backoff
    login_devices: Backoff
    token_limiter: RateLimiter
    studies: StudyCache
    participants: ParticipantReader


# Trivial dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in the thread
# pool, a round trip that cost more than the whole participant look-up on the hot path.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.diary
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    with state.db.session(write=True) as session:
        yield session


def get_read_session(state: StateDep) -> Iterator[Session]:
    with state.db.session(write=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


async def get_now(state: StateDep) -> dt.datetime:
    return state.clock()


NowDep = Annotated[dt.datetime, Depends(get_now)]


def client_address(request: Request) -> str:
    """The client's address: a trusted proxy's ``X-Forwarded-For`` is already applied."""
    return request.client.host if request.client else "unknown"


class LoginRequired(Exception):
    """Raised by dependencies on pages; turned into a redirect to the login page."""


@dataclass(frozen=True)
class ResearcherAuth:
    researcher: Researcher
    session_hash: str


def get_researcher_auth(request: Request, state: StateDep, now: NowDep) -> ResearcherAuth:
    token = request.cookies.get(RESEARCHER_COOKIE)
    if not token:
        raise LoginRequired
    with state.db.session(write=False) as session:
        found = session_researcher(session, token=token, now=now)
        if found is None:
            raise LoginRequired
        researcher, digest = found
        session.expunge(researcher)
    return ResearcherAuth(researcher, digest)


ResearcherAuthDep = Annotated[ResearcherAuth, Depends(get_researcher_auth)]


async def get_researcher(auth: ResearcherAuthDep) -> Researcher:
    return auth.researcher


ResearcherDep = Annotated[Researcher, Depends(get_researcher)]


async def get_admin(researcher: ResearcherDep) -> Researcher:
    if not researcher.is_admin:
        raise HTTPException(status_code=403, detail="only administrators can manage accounts")
    return researcher


AdminDep = Annotated[Researcher, Depends(get_admin)]


CSRF_REFUSED = "invalid or missing CSRF token; reload the page"
#: The answer to an unknown personal link (mistyped, or replaced by a newer one).
LINK_REFUSED = (
    "This personal link does not work: it is mistyped, or the study team has replaced it with a "
    "new link. Please ask the study team for your current link."
)


def require_csrf(request: Request, form: FormData, secret_key: str, subject: str) -> None:
    """403 unless the form field ``csrf`` (or the ``X-CSRF-Token`` header) matches ``subject``."""
    token = form.get("csrf") or request.headers.get("x-csrf-token")
    if not check_csrf(secret_key, subject, str(token) if token else None):
        raise HTTPException(status_code=403, detail=CSRF_REFUSED)


async def researcher_csrf(request: Request, state: StateDep, auth: ResearcherAuthDep) -> None:
    """Reject a state-changing researcher request without the session's CSRF token."""
    require_csrf(request, await request.form(), state.secret_key, auth.session_hash)


ResearcherCsrf = Depends(researcher_csrf)


#: A parsed form with no fields, the ``form`` of a participant's GET request.
_NO_FORM = FormData()


@dataclass(frozen=True)
class ParticipantAuth:
    """An authenticated participant request: who, in which study, and the request's context.

    Attributes
    ----------
    participant
        The participant of the personal link.
    study
        Their study (from the study cache).
    token_hash
        The link token's digest, the subject of the participant's CSRF tokens.
    state
        The app state.
    now
        The request's time (the app clock).
    form
        The parsed, CSRF-checked form of a state-changing request; empty for GET.
    """

    participant: ParticipantSnapshot
    study: Study
    token_hash: str
    state: AppState
    now: dt.datetime
    form: FormData


async def get_participant(request: Request) -> ParticipantAuth:
    """The participant of the cookie that ``GET /p/{token}`` set: every page but the link.

    See :func:`authenticate` for the checks and their order.
    """
    return await authenticate(request, request.cookies.get(PARTICIPANT_COOKIE), link=False)


async def get_link_participant(request: Request, token: str) -> ParticipantAuth:
    """The participant of the personal link ``GET /p/{token}`` itself (its path's token).

    Only the link route depends on this, so no other route's ``{token}`` is taken for a link.
    """
    return await authenticate(request, token, link=True)


async def authenticate(request: Request, token: str | None, *, link: bool) -> ParticipantAuth:
    """The participant whose personal-link ``token`` this is: the one way one is authenticated.

    ``link`` tells the link itself (``GET /p/{token}``) from the cookie on every other page.
    Checks, in order: 401 without a cookie; for an unknown link or cookie, 429 while the client
    address has sent too many unknown ones, else 404 (link) or 401 (cookie), counted against the
    address; then, for any method but GET, 403 without the form's CSRF token. A valid link or
    cookie is never refused by the limit: participants behind one proxy share an address, and
    one of them (or anyone) sending bad links must not lock the others out.

    On SQLite the look-up (one indexed read of a WAL database, which never waits for writers;
    see :mod:`gutbrain.diary.core.tokenlookup`) runs on the event loop; on a networked database
    it goes to the thread pool. This is one function rather than several dependencies (state,
    clock, form, CSRF) because on the daily submission, the hot path, FastAPI's bookkeeping per
    declared dependency cost more than the checks.
    """
    state: AppState = request.app.state.diary
    if not token:
        raise HTTPException(status_code=401, detail="open your personal study link to continue")
    digest = hash_token(token)
    reader = state.participants
    participant = (
        reader.get(digest) if reader.on_loop else await run_in_threadpool(reader.get, digest)
    )
    if participant is None:
        address = client_address(request)
        wait = state.token_limiter.retry_after(address)
        if wait > 0:
            raise HTTPException(
                status_code=429,
                detail="too many invalid links; wait a minute",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        state.token_limiter.hit(address)
        if link:
            raise HTTPException(status_code=404, detail=LINK_REFUSED)
        raise HTTPException(status_code=401, detail=LINK_REFUSED)
    form = _NO_FORM
    if request.method != "GET":
        form = await request.form()
        require_csrf(request, form, state.secret_key, digest)
    study = state.studies.get(participant.study_id)  # cached after the first request
    return ParticipantAuth(participant, study, digest, state, state.clock(), form)


ParticipantDep = Annotated[ParticipantAuth, Depends(get_participant)]
LinkParticipantDep = Annotated[ParticipantAuth, Depends(get_link_participant)]


def too_many(wait: float, what: str) -> HTTPException:
    """The 429 answer after ``what`` (e.g. "failed log-ins"), with ``Retry-After`` in whole
    seconds of ``wait``."""
    seconds = math.ceil(wait)
    return HTTPException(
        status_code=429,
        detail=f"too many {what}; try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )
