"""Researcher actions on participants: enrol, show or re-issue the personal link, detail,
withdraw, delete.

Every form post answers with a redirect (post/redirect/get), so a reload never posts again. The
personal link travels from the post to the link page in a short-lived cookie scoped to that page:
the server keeps only the link's digest.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gutbrain.diary.api.deps import NowDep, ResearcherAuthDep, SessionDep
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors, researcher_form
from gutbrain.diary.api.params import ParticipantId, StudyId
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.api.routes.studies import dashboard_response
from gutbrain.diary.core.security import hash_token
from gutbrain.diary.crud.entries import entries_of, revision_rows, risk_flags_of
from gutbrain.diary.crud.participants import (
    REASON_MAX,
    delete_participant,
    enrol_participant,
    get_participant,
    participant_by_enrol_key,
    reissue_link,
    withdraw,
)
from gutbrain.diary.crud.prompts import prompts_of
from gutbrain.diary.crud.studies import get_study, study_clock
from gutbrain.diary.models import Participant, Study
from gutbrain.diary.qrcode import qr_svg
from gutbrain.errors import DataError

router = APIRouter(prefix="/studies/{study_id}/participants", tags=["participants"])
#: The route arguments of a researcher's page about one participant.
_PAGE: dict[str, Any] = {
    "response_class": HTMLResponse,
    "responses": errors(401, 404, 422) | LOGIN_REDIRECT,
}


def _own_study(session: Session, auth: ResearcherAuthDep, study_id: int) -> Study:
    study = get_study(session, owner=auth.researcher, study_id=study_id)
    if study is None:
        raise HTTPException(status_code=404, detail="no such study")
    return study


def _owned(
    session: Session, auth: ResearcherAuthDep, study_id: int, participant_id: int
) -> tuple[Study, Participant]:
    """The researcher's study and its participant (404 unless both exist and are theirs)."""
    study = _own_study(session, auth, study_id)
    participant = get_participant(session, study=study, participant_id=participant_id)
    if participant is None:
        raise HTTPException(status_code=404, detail="no such participant in this study")
    return study, participant


#: The cookie that carries a just-issued personal link from the enrolment (or re-issue) post to
#: the link page, so a reload of that page shows the link again and posts nothing.
LINK_COOKIE = "gb_link"
#: How long the link page can show a just-issued link, and how long after issuing a second post
#: of the same enrolment form (a double click, a retried request) re-issues the link it made.
LINK_SHOW_S = 600
YES = "yes"


def _link_page_url(study: Study, participant: Participant) -> str:
    return f"/studies/{study.id}/participants/{participant.id}/link"


def _show_link(
    request: Request, study: Study, participant: Participant, token: str | None
) -> Response:
    """Post/redirect/get: redirect to the link page, handing it ``token`` in a short-lived
    cookie scoped to that page (None: the link is not shown again)."""
    url = _link_page_url(study, participant)
    response = RedirectResponse(url, status_code=303)
    if token is not None:
        response.set_cookie(
            LINK_COOKIE,
            token,
            max_age=LINK_SHOW_S,
            path=url,
            httponly=True,
            secure=request.app.state.diary.settings.cookie_secure,
            samesite="strict",
        )
    return response


def _recent(participant: Participant, now: dt.datetime) -> bool:
    issued = participant.link_issued_at
    return issued is not None and (now - issued).total_seconds() < LINK_SHOW_S


@router.post("", **researcher_form(303, 404, 422))
def enrol(
    study_id: StudyId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    code: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    arm: Annotated[str, Form(max_length=40)] = "",
    enrol_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Enrol a participant and redirect to the page that shows their personal link.

    ``enrol_key`` is the enrolment form's one-time key: a second post of the same form adds no
    participant. Within :data:`LINK_SHOW_S` of the first, before the participant consented, it
    re-issues the link (the first answer was lost to a double click or a retry, so nobody has
    the first link); later it leads to the link page, which offers a re-issue.
    """
    study = _own_study(session, auth, study_id)
    key = enrol_key.strip() or None
    if key is not None and (done := participant_by_enrol_key(session, study=study, key=key)):
        token = None
        if done.consented_at is None and _recent(done, now):
            token = reissue_link(session, participant=done, now=now)
            session.commit()
        return _show_link(request, study, done, token)
    try:
        participant, token = enrol_participant(
            session,
            study=study,
            today=study_clock(study).local_date(now),
            code=code.strip() or None,
            email=email.strip() or None,
            arm=arm.strip() or None,
            enrol_key=key,
            now=now,
        )
    except IntegrityError:  # the same form posted at the same instant (PostgreSQL): it won
        session.rollback()
        done = participant_by_enrol_key(session, study=study, key=key) if key else None
        if done is None:
            raise
        return _show_link(request, study, done, None)
    except DataError as exc:
        session.rollback()
        if wants_json(request):
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return dashboard_response(
            request,
            auth,
            session,
            study,
            now,
            error=str(exc),
            enrol_form={"code": code, "email": email, "arm": arm},
            status_code=422,
        )
    session.commit()
    return _show_link(request, study, participant, token)


@router.get("/{participant_id}/link", **_PAGE)
def link_page(
    study_id: StudyId,
    participant_id: ParticipantId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
) -> Response:
    """The just-issued personal link with a copy button and a QR code; once the short-lived
    cookie is gone (or holds another link) the page says so and offers a re-issue."""
    study, participant = _owned(session, auth, study_id, participant_id)
    token = request.cookies.get(LINK_COOKIE)
    link = qr = None
    if token and hash_token(token) == participant.token_hash:
        link = str(request.base_url).rstrip("/") + f"/p/{token}"
        qr = qr_svg(link, title=f"QR code of the personal link of {participant.code}")
    return render(
        request,
        "enrolled.html",
        {"study": study, "participant": participant, "link": link, "qr": qr, "me": auth.researcher},
        csrf_subject=auth.session_hash,
    )


@router.post("/{participant_id}/link", **researcher_form(303, 404, 422))
def reissue(
    study_id: StudyId,
    participant_id: ParticipantId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Issue a new personal link (``confirm=yes``); the old one stops working at once."""
    study, participant = _owned(session, auth, study_id, participant_id)
    if confirm != YES:
        raise HTTPException(
            status_code=422,
            detail="confirm: tick the box to confirm that the old link stops working",
        )
    token = reissue_link(session, participant=participant, now=now)
    session.commit()
    return _show_link(request, study, participant, token)


@router.get("/{participant_id}", **_PAGE)
def participant_page(
    study_id: StudyId,
    participant_id: ParticipantId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
) -> Response:
    study, participant = _owned(session, auth, study_id, participant_id)
    ids = [participant.id]
    return render(
        request,
        "participant.html",
        {
            "study": study,
            "participant": participant,
            "entries": entries_of(session, participant_id=participant.id),
            "revisions": revision_rows(session, participant_ids=ids),
            "prompts": prompts_of(session, participant_ids=ids),
            "flags": risk_flags_of(session, participant_ids=ids),
            "me": auth.researcher,
        },
        csrf_subject=auth.session_hash,
    )


@router.post("/{participant_id}/withdraw", **researcher_form(303, 404, 422))
def withdraw_participant(
    study_id: StudyId,
    participant_id: ParticipantId,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    reason: Annotated[str, Form(max_length=REASON_MAX)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Withdraw from today on, with a ``reason`` (kept and exported) and ``confirm=yes``."""
    study, participant = _owned(session, auth, study_id, participant_id)
    if confirm != YES:
        raise HTTPException(
            status_code=422, detail="confirm: tick the box to confirm the withdrawal"
        )
    today = (study_clock(study).local_date(now) - participant.day0_date).days
    withdraw(session, participant=participant, day=today, reason=reason, now=now)
    session.commit()
    return RedirectResponse(f"/studies/{study.id}", status_code=303)


@router.post("/{participant_id}/delete", **researcher_form(303, 404, 422))
def delete(
    study_id: StudyId,
    participant_id: ParticipantId,
    auth: ResearcherAuthDep,
    session: SessionDep,
    confirm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    study, participant = _owned(session, auth, study_id, participant_id)
    if confirm != participant.code:
        raise HTTPException(
            status_code=422,
            detail=f"type the participant code {participant.code!r} to confirm the deletion",
        )
    delete_participant(session, participant=participant)
    session.commit()
    return RedirectResponse(f"/studies/{study.id}", status_code=303)
