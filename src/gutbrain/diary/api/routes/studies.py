"""Studies: list, create (form or study.toml), and the per-study dashboard."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import (
    NowDep,
    ResearcherAuthDep,
    ResearcherDep,
    SessionDep,
)
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, STUDY_FORM, errors, researcher_form
from gutbrain.diary.api.params import StudyId
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.core.security import new_token
from gutbrain.diary.crud.studies import create_study, get_study, list_studies
from gutbrain.diary.dashboard import build_dashboard
from gutbrain.diary.models import Study
from gutbrain.diary.schemas import StudyCreate
from gutbrain.diary.studyform import OPTIONAL_ITEMS, study_from_form
from gutbrain.diary.studytoml import study_from_toml
from gutbrain.errors import DataError

router = APIRouter(prefix="/studies", tags=["studies"])

MAX_TOML_BYTES = 256 * 1024


@router.get("", response_class=HTMLResponse, responses=errors(401) | LOGIN_REDIRECT)
def studies_page(
    request: Request, researcher: ResearcherDep, auth: ResearcherAuthDep, session: SessionDep
) -> Response:
    return render(
        request,
        "studies.html",
        {"studies": list_studies(session, owner=researcher), "me": researcher},
        csrf_subject=auth.session_hash,
    )


def _new_page(
    request: Request,
    auth: ResearcherAuthDep,
    *,
    error: str | None = None,
    form: dict | None = None,
    status_code: int = 200,
    now: NowDep,
) -> Response:
    return render(
        request,
        "study_new.html",
        {
            "error": error,
            "form": form or {"start": now.date().isoformat(), "design": "nof1", "blinded": "1"},
            "optional_items": OPTIONAL_ITEMS,
            "me": auth.researcher,
        },
        status_code=status_code,
        csrf_subject=auth.session_hash,
    )


@router.get("/new", response_class=HTMLResponse, responses=errors(401) | LOGIN_REDIRECT)
def new_study_page(request: Request, auth: ResearcherAuthDep, now: NowDep) -> Response:
    return _new_page(request, auth, now=now)


def _store(session: SessionDep, researcher: ResearcherDep, spec: StudyCreate) -> Response:
    study = create_study(session, owner=researcher, spec=spec)
    session.commit()
    return RedirectResponse(f"/studies/{study.id}", status_code=303)


@router.post("", **researcher_form(303, 422, openapi_extra=STUDY_FORM))
async def create_from_form(
    request: Request, auth: ResearcherAuthDep, session: SessionDep, now: NowDep
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        spec = study_from_form(form)
    except DataError as exc:
        if wants_json(request):
            raise
        return _new_page(request, auth, error=str(exc), form=form, status_code=422, now=now)
    return _store(session, auth.researcher, spec)


@router.post("/upload", **researcher_form(303, 413, 422))
async def create_from_toml(
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    study_toml: UploadFile,
) -> Response:
    data = await study_toml.read(MAX_TOML_BYTES + 1)
    if len(data) > MAX_TOML_BYTES:
        raise HTTPException(
            status_code=413, detail=f"study.toml is larger than {MAX_TOML_BYTES} bytes"
        )
    try:
        spec = study_from_toml(data, source=study_toml.filename or "study.toml")
    except DataError as exc:
        if wants_json(request):
            raise
        return _new_page(request, auth, error=str(exc), status_code=422, now=now)
    return _store(session, auth.researcher, spec)


def dashboard_response(
    request: Request,
    auth: ResearcherAuthDep,
    session: SessionDep,
    study: Study,
    now: NowDep,
    *,
    error: str | None = None,
    enrol_form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The study's dashboard; ``error`` is shown above the enrolment form, which is filled
    with ``enrol_form`` (the fields of the refused post).

    The enrolment form carries a fresh one-time ``enrol_key`` on every rendering, so a second
    post of the same form adds no participant (see the enrol route).
    """
    return render(
        request,
        "dashboard.html",
        {
            "study": study,
            "dash": build_dashboard(session, study=study, now=now),
            "me": auth.researcher,
            "enrol_key": new_token(),
            "error": error,
            "enrol_form": enrol_form or {},
        },
        status_code=status_code,
        csrf_subject=auth.session_hash,
    )


@router.get(
    "/{study_id}", response_class=HTMLResponse, responses=errors(401, 404, 422) | LOGIN_REDIRECT
)
def dashboard_page(
    study_id: StudyId, request: Request, auth: ResearcherAuthDep, session: SessionDep, now: NowDep
) -> Response:
    study = get_study(session, owner=auth.researcher, study_id=study_id)
    if study is None:
        raise HTTPException(status_code=404, detail="no such study")
    return dashboard_response(request, auth, session, study, now)
