"""Typed dependencies: database sessions, the clock, the logged-in researcher, the participant.

Routes declare what they need (``session: SessionDep``, ``researcher: ResearcherDep``,
``participant: ParticipantDep``); authentication, CSRF checks and rate limits live here only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from gutbrain.diary.core.db import Database
from gutbrain.diary.core.ratelimit import RateLimiter
from gutbrain.diary.core.security import check_csrf, hash_token
from gutbrain.diary.core.settings import Settings
from gutbrain.diary.core.studycache import StudyCache
from gutbrain.diary.core.tokenlookup import ParticipantReader, ParticipantSnapshot
from gutbrain.diary.core.writer import Writer
from gutbrain.diary.crud.researchers import session_researcher
from gutbrain.diary.models import Researcher, Study

RESEARCHER_COOKIE = "gb_session"
PARTICIPANT_COOKIE = "gb_p"
PRELOGIN_COOKIE = "gb_pre"


@dataclass
class AppState:
    """Everything the app holds for its lifetime (``app.state.diary``)."""

    settings: Settings
    db: Database
    writer: Writer
    secret_key: str
    clock: Callable[[], dt.datetime]
    login_limiter: RateLimiter
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


def client_address(request: Request, state: AppState) -> str:
    if state.settings.trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
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


async def researcher_csrf(request: Request, state: StateDep, auth: ResearcherAuthDep) -> None:
    """Reject a state-changing researcher request without the session's CSRF token."""
    form = await request.form()
    token = form.get("csrf") or request.headers.get("x-csrf-token")
    if not check_csrf(state.secret_key, auth.session_hash, str(token) if token else None):
        raise HTTPException(
            status_code=403, detail="invalid or missing CSRF token; reload the page"
        )


ResearcherCsrf = Depends(researcher_csrf)


@dataclass(frozen=True)
class ParticipantAuth:
    participant: ParticipantSnapshot
    study: Study
    token_hash: str


async def get_participant_auth(request: Request, state: StateDep) -> ParticipantAuth:
    """The participant of the personal-link cookie; 401 without one, 429 when guessing.

    On SQLite the look-up (one indexed read of a WAL database, which never waits for writers;
    see :mod:`gutbrain.diary.core.tokenlookup`) runs on the event loop; on a networked database it
    goes to the thread pool.
    """
    address = client_address(request, state)
    if state.token_limiter.blocked(address):
        raise HTTPException(status_code=429, detail="too many invalid links; wait a minute")
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not token:
        raise HTTPException(status_code=401, detail="open your personal study link to continue")
    digest = hash_token(token)
    reader = state.participants
    participant = (
        reader.get(digest) if reader.on_loop else await run_in_threadpool(reader.get, digest)
    )
    if participant is None:
        state.token_limiter.hit(address)
        raise HTTPException(
            status_code=401, detail="this link is not valid (any more); ask the study team"
        )
    study = state.studies.get(participant.study_id)  # cached after the first request
    return ParticipantAuth(participant, study, digest)


ParticipantAuthDep = Annotated[ParticipantAuth, Depends(get_participant_auth)]


def _check_participant_csrf(
    request: Request, state: AppState, auth: ParticipantAuth, form: FormData
) -> None:
    token = form.get("csrf") or request.headers.get("x-csrf-token")
    if not check_csrf(state.secret_key, auth.token_hash, str(token) if token else None):
        raise HTTPException(
            status_code=403, detail="invalid or missing CSRF token; reload the page"
        )


async def participant_csrf(request: Request, state: StateDep, auth: ParticipantAuthDep) -> None:
    _check_participant_csrf(request, state, auth, await request.form())


ParticipantCsrf = Depends(participant_csrf)


@dataclass(frozen=True)
class ParticipantPost:
    """A participant's state-changing request: authenticated, CSRF-checked, form parsed."""

    auth: ParticipantAuth
    state: AppState
    now: dt.datetime
    form: FormData


async def get_participant_post(request: Request) -> ParticipantPost:
    """The checks of ``ParticipantAuthDep`` + ``ParticipantCsrf`` + ``NowDep`` in one dependency.

    Same checks, same order (429/401 for the link, then 403 for CSRF). The daily submission is
    the hot path, and FastAPI's bookkeeping per declared dependency cost more than the checks.
    """
    state = await get_state(request)
    auth = await get_participant_auth(request, state)
    form = await request.form()
    _check_participant_csrf(request, state, auth, form)
    return ParticipantPost(auth, state, state.clock(), form)


ParticipantPostDep = Annotated[ParticipantPost, Depends(get_participant_post)]
