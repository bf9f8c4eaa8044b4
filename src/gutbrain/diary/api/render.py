"""Rendering helpers shared by the routes: templates, content negotiation, CSRF in pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from gutbrain.diary.api.errorpage import error_page
from gutbrain.diary.core.security import csrf_token
from gutbrain.diary.schedule import local_time as _local_time
from gutbrain.diary.schemas import ErrorBody, ErrorItem

__all__ = ["error_response", "local_time", "render", "templates", "wants_json"]

templates = Jinja2Templates(directory=str(resources.files("gutbrain.diary") / "templates"))
templates.env.globals["disclaimer"] = "Research and teaching only. Not medical advice."


def local_time(
    value: dt.datetime, study: Any, *, seconds: bool = False, fmt: str | None = None
) -> str:
    """The ``local`` template filter: ``value`` in the study's time zone, labelled (see
    :func:`gutbrain.diary.schedule.local_time`); ``fmt`` replaces the date-and-time format."""
    return _local_time(
        value, study.timezone, fmt or ("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    )


templates.env.filters["local"] = local_time


def wants_json(request: Request) -> bool:
    """True unless the client asks for HTML (browsers do); API clients and scripts get JSON."""
    return "text/html" not in request.headers.get("accept", "")


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    csrf_subject: str | None = None,
) -> HTMLResponse:
    """Render template ``name``; ``csrf_subject`` adds the matching CSRF token as ``csrf``."""
    ctx = dict(context or {})
    if csrf_subject is not None:
        ctx["csrf"] = csrf_token(request.app.state.diary.secret_key, csrf_subject)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def error_response(
    request: Request,
    status_code: int,
    detail: str,
    errors: Sequence[ErrorItem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An error answer: an :class:`ErrorBody` for API clients, the error page for browsers."""
    if wants_json(request):
        body = ErrorBody(detail=detail, errors=list(errors))
        return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers=headers)
    page = error_page(request.url.path, status_code)
    response = render(
        request,
        "error.html",
        {"status": status_code, "detail": detail, "page": page},
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response
