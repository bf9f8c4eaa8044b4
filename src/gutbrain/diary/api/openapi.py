"""The published API description, served at ``/openapi.json``.

FastAPI derives most of it from the routes. This module adds what it cannot see:

- every error status a route can answer, each with the one error body (:class:`ErrorBody`) for
  API clients and the error page for browsers (:func:`errors`);
- the three form bodies the code parses itself (the new-study form, the daily entry and a visit
  questionnaire: :data:`STUDY_FORM`, :data:`ENTRY_FORM`, :data:`VISIT_FORM`);
- the two cookies that authenticate (a researcher's session, a participant's link) as security
  schemes, and the ``csrf`` form field of every state-changing request, found from each route's
  dependencies (:func:`build_openapi`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from gutbrain.diary.api.deps import (
    ResearcherCsrf,
    get_participant,
    get_researcher_auth,
    researcher_csrf,
)
from gutbrain.diary.items import KEY_PATTERN, TEXT_MAX
from gutbrain.diary.schemas import ErrorBody
from gutbrain.diary.studyform import OPTIONAL_ITEMS

__all__ = [
    "ENTRY_FORM",
    "LOGIN_REDIRECT",
    "SAVED_REDIRECT",
    "STUDY_FORM",
    "VISIT_FORM",
    "build_openapi",
    "errors",
    "researcher_form",
]

#: The content of an HTML page (a browser's answer).
_HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
_ERROR_REF = "#/components/schemas/ErrorBody"

_MEANING = {
    400: "The form body could not be parsed.",
    401: "No valid session or personal link: log in, or open the personal link.",
    403: "Refused: CSRF token missing or wrong, not an administrator, or consent not yet given.",
    404: "No such study, participant, link or due questionnaire (or not yours).",
    409: "Today's diary is not open (not started, expired, finished or withdrawn).",
    413: "The uploaded study.toml is too large.",
    422: "An invalid field; ``detail`` names it, ``errors`` lists every one.",
    429: "Too many failed attempts; ``Retry-After`` says how many seconds to wait.",
}


#: A participant's form post: a browser (Accept: text/html) is redirected to the confirmation
#: page (post/redirect/get); API clients get the JSON acknowledgement (200).
SAVED_REDIRECT: dict[int | str, dict[str, Any]] = {
    303: {"description": "A browser's form post (Accept: text/html) goes to /diary/saved."}
}


def researcher_form(status: int, *codes: int, **extra: Any) -> dict[str, Any]:
    """The route arguments of a researcher's form post: the CSRF check, the success ``status``
    (303: a redirect, 201: a page) and the error statuses (400, 401 and 403, plus ``codes``)."""
    return {
        "dependencies": [ResearcherCsrf],
        "status_code": status,
        "response_class": RedirectResponse if status == 303 else HTMLResponse,
        "responses": errors(400, 401, 403, *codes),
        **extra,
    }


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Response documentation for error ``codes``: the error body, or the error page."""
    return {
        code: {
            "description": _MEANING[code],
            "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}, **deepcopy(_HTML)},
        }
        for code in codes
    }


#: A researcher page: a browser without a session is redirected to the log-in page.
LOGIN_REDIRECT: dict[int | str, dict[str, Any]] = {
    303: {"description": "A browser (Accept: text/html) without a session goes to /login."}
}

_FORM_NUMBER = {"type": "string", "pattern": "^ *[+-]?[0-9]+ *$"}
_CSRF = {
    "type": "string",
    "maxLength": 200,
    "description": "The CSRF token of the page the form came from (or the X-CSRF-Token header).",
}


def _form(
    properties: dict[str, Any], required: list[str], **extra: Any
) -> dict[str, dict[str, Any]]:
    schema = {"type": "object", "properties": properties, "required": required, **extra}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


#: ``POST /studies``: the new-study form (see :func:`gutbrain.diary.studyform.study_from_form`).
STUDY_FORM = _form(
    {
        "name": {"type": "string", "maxLength": 200},
        "design": {"type": "string", "enum": ["nof1", "parallel", "observational"]},
        "arms": {
            "type": "string",
            "description": "One arm or phase per line: 'label: description'.",
        },
        "start": {"type": "string", "format": "date", "description": "2000-01-01 to 2099-12-31."},
        "consent_text": {"type": "string", "maxLength": 20_000},
        "timezone": {"type": "string", "description": "An IANA time zone; default UTC."},
        "window_open": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        "window_hours": {"type": "string", "description": "Hours the prompt stays open, 0-48."},
        "run_in_days": _FORM_NUMBER,
        "duration_days": _FORM_NUMBER,
        "blinded": {"type": "string", "description": "Present (any value) for a blinded study."},
        "block_days": _FORM_NUMBER,
        "n_pairs": _FORM_NUMBER,
        "wash_in_days": _FORM_NUMBER,
        "visits": {
            "type": "string",
            "description": "One visit per line: 'visit day instrument ...'.",
        },
        **{field: {"type": "string"} for field in OPTIONAL_ITEMS},
        **{f"{field}_risky_at": {"type": "string"} for field in OPTIONAL_ITEMS},
    },
    ["name", "design", "arms", "start", "consent_text"],
)

#: ``POST /diary/entry``: one field ``a_<item key>`` per daily item of the study, and
#: ``unanswered_<item key>`` for each item left unanswered.
ENTRY_FORM = _form(
    {"client_id": {"type": "string", "maxLength": 64}},
    [],
    patternProperties={
        "^a_" + KEY_PATTERN.pattern.removeprefix("^"): {
            "type": "string",
            "maxLength": TEXT_MAX,
            "description": "The answer to daily item <key>; empty for a skipped optional item.",
        },
        "^unanswered_" + KEY_PATTERN.pattern.removeprefix("^"): {
            "type": "string",
            "description": "Present (any value): item <key> is not answered (an untouched "
            "slider), stored as missing whatever a_<key> holds; refused for a required item.",
        },
    },
)

#: ``POST /diary/visit/{visit}/{instrument}``: ``item_1`` ... ``item_n``, each a whole number.
VISIT_FORM = _form({}, [], patternProperties={"^item_[1-9][0-9]?$": _FORM_NUMBER})

#: Security schemes: which cookie authenticates which routes.
SECURITY_SCHEMES = {
    "researcherSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "gb_session",
        "description": "A researcher's session, set by POST /login.",
    },
    "participantLink": {
        "type": "apiKey",
        "in": "cookie",
        "name": "gb_p",
        "description": "A participant's personal-link token, set by GET /p/{token}.",
    },
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _add_csrf(schema: dict[str, Any], operation: dict[str, Any]) -> None:
    """Declare the required ``csrf`` form field of a state-changing request."""
    body = operation.setdefault(
        "requestBody",
        {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {}}}},
    )
    for media in body["content"].values():
        form = media["schema"]
        ref = form.get("$ref")
        if ref:
            form = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        form.setdefault("type", "object")
        form.setdefault("properties", {})["csrf"] = _CSRF
        form["required"] = sorted({*form.get("required", []), "csrf"})


def build_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> dict[str, Any]:
    """The app's OpenAPI document, with security schemes and CSRF fields added.

    ``routers`` are the app's routers (FastAPI keeps included routers' routes apart from
    ``app.routes``). A route that depends on :func:`get_researcher_auth` is marked as needing a
    researcher's session, one that depends on :func:`get_participant` a participant's cookie;
    one that depends on :func:`researcher_csrf`, and a participant's request by any method but
    GET (:func:`get_participant` checks its CSRF token), declares the ``csrf`` form field.
    """
    researcher, participant, csrf = get_researcher_auth, get_participant, researcher_csrf
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    _refs, defs = models_json_schema(
        [(ErrorBody, "serialization")], ref_template="#/components/schemas/{model}"
    )
    components.setdefault("schemas", {}).update(defs["$defs"])
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = set(_calls(route.dependant))
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            if researcher in calls:
                operation["security"] = [{"researcherSession": []}]
            elif participant in calls:
                operation["security"] = [{"participantLink": []}]
            if csrf in calls or (participant in calls and method != "GET"):
                _add_csrf(schema, operation)
    return schema
