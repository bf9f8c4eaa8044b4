"""Researcher actions on participants: enrol (link shown once), detail, withdraw, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gutbrain.diary.api.deps import NowDep, ResearcherAuthDep, SessionDep
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors, researcher_form
from gutbrain.diary.api.params import ParticipantId, StudyId
from gutbrain.diary.api.render import render
from gutbrain.diary.crud.entries import entries_of, revision_rows, risk_flags_of
from gutbrain.diary.crud.participants import (
    delete_participant,
    enrol_participant,
    get_participant,
    withdraw,
)
from gutbrain.diary.crud.prompts import prompts_of
from gutbrain.diary.crud.studies import get_study, study_clock
from gutbrain.diary.models import Participant, Study
from gutbrain.errors import DataError

router = APIRouter(prefix="/studies/{study_id}/participants", tags=["participants"])


def _own_study(session: Session, auth: ResearcherAuthDep, study_id: int) -> Study:
    study = get_study(session, owner=auth.researcher, study_id=study_id)
    if study is None:
        raise HTTPException(status_code=404, detail="no such study")
    return study


def _own_participant(session: Session, study: Study, participant_id: int) -> Participant:
    participant = get_participant(session, study=study, participant_id=participant_id)
    if participant is None:
        raise HTTPException(status_code=404, detail="no such participant in this study")
    return participant


@router.post("", **researcher_form(201, 404, 422))
def enrol(
    study_id: StudyId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    code: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    arm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    study = _own_study(session, auth, study_id)
    try:
        participant, token = enrol_participant(
            session,
            study=study,
            today=study_clock(study).local_date(now),
            code=code.strip() or None,
            email=email.strip() or None,
            arm=arm.strip() or None,
        )
    except DataError as exc:
        session.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from None
    session.commit()
    link = str(request.base_url).rstrip("/") + f"/p/{token}"
    return render(
        request,
        "enrolled.html",
        {"study": study, "participant": participant, "link": link, "me": auth.researcher},
        status_code=201,
        csrf_subject=auth.session_hash,
    )


@router.get(
    "/{participant_id}",
    response_class=HTMLResponse,
    responses=errors(401, 404, 422) | LOGIN_REDIRECT,
)
def participant_page(
    study_id: StudyId,
    participant_id: ParticipantId,
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
) -> Response:
    study = _own_study(session, auth, study_id)
    participant = _own_participant(session, study, participant_id)
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
) -> Response:
    study = _own_study(session, auth, study_id)
    participant = _own_participant(session, study, participant_id)
    today = (study_clock(study).local_date(now) - participant.day0_date).days
    withdraw(session, participant=participant, day=today)
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
    study = _own_study(session, auth, study_id)
    participant = _own_participant(session, study, participant_id)
    if confirm != participant.code:
        raise HTTPException(
            status_code=422,
            detail=f"type the participant code {participant.code!r} to confirm the deletion",
        )
    delete_participant(session, participant=participant)
    session.commit()
    return RedirectResponse(f"/studies/{study.id}", status_code=303)
