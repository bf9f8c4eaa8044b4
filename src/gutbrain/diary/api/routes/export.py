"""One-click export of a study bundle (zip)."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from gutbrain.diary.api.deps import NowDep, ResearcherAuthDep, SessionDep
from gutbrain.diary.api.openapi import LOGIN_REDIRECT, errors
from gutbrain.diary.api.params import StudyId
from gutbrain.diary.crud.studies import get_study
from gutbrain.diary.export import export_zip

router = APIRouter(prefix="/studies/{study_id}", tags=["export"])


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
    }
    | errors(401, 404, 422)
    | LOGIN_REDIRECT,
)
def export(
    study_id: StudyId,
    auth: ResearcherAuthDep,
    session: SessionDep,
    now: NowDep,
    panel: bool = False,  # also the multi-omics panel panel.h5mu (docs/omics.md)
) -> Response:
    study = get_study(session, owner=auth.researcher, study_id=study_id)
    if study is None:
        raise HTTPException(status_code=404, detail="no such study")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", study.name).strip("-").lower() or "study"
    folder = f"{slug}-{now.date().isoformat()}"
    data = export_zip(session, study=study, folder=folder, panel=panel)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{folder}.zip"'},
    )
