"""The explorer's pages and its model endpoint, added to an app by :func:`add_explorer`.

- ``GET /explorer``: the page (choose an archetype, place interventions and stressors on a
  timeline, watch the axis and mood respond);
- ``POST /explorer/api/run``: runs the model for an :class:`ExplorerRequest`. Bounded: a body of
  at most :data:`MAX_BODY` bytes, the request limits of :mod:`gutbrain.explorer.request`, at
  most :data:`RUNS_PER_MINUTE` runs per client and minute (429 with ``Retry-After``), and one
  model run at a time in the process. Errors use the diary's one error shape (``ErrorBody``);
- ``GET /explorer/evidence``: the parameters and sources behind every plotted pathway;
- ``/static/explorer/``: the page's script and style, and ``plotly.min.js`` from the installed
  plotly package (nothing is fetched from elsewhere at run time).
"""

from __future__ import annotations

import asyncio
import os
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from plotly.offline import get_plotlyjs_version
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount, Route

from gutbrain.diary.api.deps import client_address
from gutbrain.diary.core.ratelimit import RateLimiter
from gutbrain.errors import GutbrainError
from gutbrain.explorer.evidence import QUANTITIES, evidence, strain_evidence
from gutbrain.explorer.request import (
    MAX_DAYS,
    MAX_MEMBERS,
    MAX_PEOPLE,
    MAX_PERSON_DAYS,
    ExplorerRequest,
)
from gutbrain.model.catalogues import antibiotics, archetypes, strains

__all__ = ["MAX_BODY", "RUNS_PER_MINUTE", "add_explorer"]

#: The largest request body (bytes); a full timeline is about 2 kB.
MAX_BODY = 16_384
#: Model runs per client address and minute.
RUNS_PER_MINUTE = 30
#: The page's policy: scripts from this server only; plotly sets inline styles on its plots.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_PACKAGE = resources.files("gutbrain.explorer")
_PLOTLY_JS = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
_PLOTLY_STAT = os.stat(_PLOTLY_JS)
templates = Jinja2Templates(directory=str(_PACKAGE / "templates"))
templates.env.globals["disclaimer"] = (
    "A research and teaching simulation of a model, not of you: not medical advice."
)


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 once it exceeds :data:`MAX_BODY` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"request body of {declared} bytes; at most {MAX_BODY}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"request body over {MAX_BODY} bytes")
    return bytes(body)


def _parse(body: bytes) -> ExplorerRequest:
    """The request, or the diary's 422 error shape naming each invalid field."""
    try:
        return ExplorerRequest.model_validate_json(body or b"{}")
    except ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e["loc"]), "msg": e["msg"].removeprefix("Value error, ")}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise RequestValidationError(errors) from None


def _page_context() -> dict[str, Any]:
    return {
        "archetypes": {k: a.description for k, a in archetypes().items()},
        "antibiotics": {k: a.label for k, a in antibiotics().items()},
        "strains": {k: s.label for k, s in strains().items()},
        "quantities": QUANTITIES,
        "limits": {
            "days": MAX_DAYS,
            "people": MAX_PEOPLE,
            "person_days": MAX_PERSON_DAYS,
            "members": MAX_MEMBERS,
        },
        "plotly_version": get_plotlyjs_version(),
    }


def _router(limiter: RateLimiter, one_at_a_time: asyncio.Semaphore) -> APIRouter:
    per_minute = limiter.limit

    router = APIRouter(prefix="/explorer", tags=["explorer"])

    @router.get("", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        response = templates.TemplateResponse(request, "explorer.html", _page_context())
        response.headers["content-security-policy"] = CSP
        return response

    @router.get("/evidence", response_class=HTMLResponse, include_in_schema=False)
    async def evidence_page(request: Request) -> HTMLResponse:
        rows = [(q, evidence(q)) for q in QUANTITIES]
        context = {"rows": rows, "strains": strain_evidence()}
        return templates.TemplateResponse(request, "evidence.html", context)

    @router.post("/api/run", include_in_schema=False)
    async def run(request: Request) -> JSONResponse:
        client = client_address(request)  # as forwarded by a trusted proxy (the diary's rule)
        wait = limiter.retry_after(client)
        if wait > 0:
            raise HTTPException(
                429,
                f"at most {per_minute} model runs a minute; try again in {wait:.0f} s",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        req = _parse(await _body(request))
        limiter.hit(client)
        from gutbrain.explorer.run import run_request  # loads the compiled model on first use

        async with one_at_a_time:
            try:
                data = await run_in_threadpool(run_request, req)
            except GutbrainError as exc:
                raise HTTPException(422, str(exc)) from None
        return JSONResponse(data)

    return router


async def _plotly_js(request: Request) -> Response:
    """plotly.min.js (4.8 MB) with an ETag; a browser that has it gets ``304 Not Modified``."""
    response = FileResponse(_PLOTLY_JS, media_type="text/javascript", stat_result=_PLOTLY_STAT)
    if request.headers.get("if-none-match") == response.headers["etag"]:
        return Response(status_code=304, headers={"etag": response.headers["etag"]})
    return response


def add_explorer(app: FastAPI, *, runs_per_minute: int = RUNS_PER_MINUTE) -> None:
    """Add the explorer's pages, endpoint and assets to ``app`` (the diary's, or any FastAPI app),
    allowing each client address ``runs_per_minute`` model runs a minute.

    The assets go first in the routing table, under ``/static/explorer/``, ahead of any
    ``/static`` mount of the app (the diary's), so they are served and cached like it.
    """
    app.include_router(_router(RateLimiter(runs_per_minute, 60.0), asyncio.Semaphore(1)))
    static = StaticFiles(directory=str(_PACKAGE / "static"))
    app.router.routes[:0] = [
        Route("/static/explorer/plotly.min.js", _plotly_js, methods=["GET", "HEAD"]),
        Mount("/static/explorer", static, name="explorer-static"),
    ]
