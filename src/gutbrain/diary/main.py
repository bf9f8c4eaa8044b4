"""The application factory: ``create_app(settings)`` returns the diary's FastAPI app.

Start-up applies the packaged migrations, starts the group-commit writer and the prompt-log
sweep; shutdown drains the writer so every queued submission is committed or answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import gc
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gutbrain.diary.api.deps import AppState, LoginRequired
from gutbrain.diary.api.openapi import build_openapi
from gutbrain.diary.api.render import error_response, wants_json
from gutbrain.diary.api.routes import (
    account,
    admin,
    auth,
    diary,
    export,
    participants,
    studies,
    system,
)
from gutbrain.diary.core.db import Database, migrate
from gutbrain.diary.core.ratelimit import Backoff, RateLimiter
from gutbrain.diary.core.settings import Settings, proxy_entries, resolve_secret_key
from gutbrain.diary.core.studycache import StudyCache
from gutbrain.diary.core.tokenlookup import ParticipantReader
from gutbrain.diary.core.writer import Writer
from gutbrain.diary.crud.prompts import record_reminders, sweep_prompts
from gutbrain.diary.models import utcnow
from gutbrain.diary.reminders import send_reminder_smtp, send_reminders
from gutbrain.diary.schemas import ErrorItem
from gutbrain.errors import DataError

__all__ = ["ROUTERS", "create_app"]

#: Every router of the app; the authorization-matrix test walks these. Routes are matched in
#: order and no two routers share a path, so the participant pages (the hot path) come first.
ROUTERS = tuple(
    m.router for m in (diary, system, auth, account, admin, studies, participants, export)
)

log = logging.getLogger("gutbrain.diary")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


API_DESCRIPTION = (
    "The daily-diary app of gutbrain: server-rendered pages for participants and researchers. "
    "Every page also answers API clients: a request without `Accept: text/html` gets JSON "
    "errors, all of one shape (`ErrorBody`). State-changing requests need the page's CSRF "
    "token (form field `csrf` or header `X-CSRF-Token`). See docs/diary.md."
)

_COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_CSP_HEADER = (b"content-security-policy", CSP.encode())
_NO_STORE = (b"cache-control", b"no-store")
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_OURS = frozenset(k for k, _v in (*_COMMON_HEADERS, _NO_STORE, _HSTS))


class SecurityHeaders:
    """Adds security headers to every response (a plain ASGI middleware: cheap per request).

    The headers are added as pre-encoded pairs and replace any a response set itself, except the
    Content-Security-Policy, which a response may set for itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_COMMON_HEADERS)
        if not scope["path"].startswith("/static/"):
            extra.append(_NO_STORE)
        if scope.get("scheme") == "https":
            extra.append(_HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _OURS]
                if not any(k.lower() == b"content-security-policy" for k, _v in headers):
                    headers.append(_CSP_HEADER)
                headers.extend(extra)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# FastAPI releases with native OpenTelemetry look up the global providers (environment reads) on
# every request to see whether telemetry is configured. The diary exports none, so it is switched
# off where the option exists (older FastAPI releases have neither the option nor the cost).
_TELEMETRY_OFF: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    background: bool = True,
    tune_gc: bool = False,
) -> FastAPI:
    """Build the diary app.

    Parameters
    ----------
    settings
        Server settings; read from the environment when omitted.
    clock
        Returns the current UTC time; tests pass a controllable clock.
    background
        Run the periodic prompt-log sweep (tests call :func:`sweep_prompts` themselves).
    tune_gc
        Tune Python's cyclic garbage collector for a long-running server process after
        start-up (see :func:`tune_gc_for_serving`); ``gutbrain serve`` sets it.
    """
    settings = settings or Settings()

    def seconds() -> float:
        return clock().timestamp()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        migrate(db.engine)
        writer = Writer(db, max_batch=settings.writer_max_batch)
        writer.start()
        app.state.diary = AppState(
            settings=settings,
            db=db,
            writer=writer,
            secret_key=resolve_secret_key(settings),
            clock=clock,
            login_clients=RateLimiter(
                settings.login_client_attempts, settings.login_client_window_s, seconds
            ),
            login_accounts=login_backoff(settings, seconds),
            login_devices=login_backoff(settings, seconds),
            token_limiter=RateLimiter(settings.token_attempts, settings.token_window_s),
            studies=StudyCache(db),
            participants=ParticipantReader(db),
        )
        task = asyncio.create_task(_sweep_loop(app.state.diary)) if background else None
        if tune_gc:
            tune_gc_for_serving()
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            writer.stop()
            app.state.diary.participants.close()
            db.dispose()

    app = FastAPI(
        title="gutbrain diary",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description=API_DESCRIPTION,
        **_TELEMETRY_OFF,
    )
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        # Added last, so it runs first: the security headers (HSTS) and every route see the
        # client's scheme and address as the trusted proxy forwarded them.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=proxy_entries(settings.trusted_proxies)
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, ROUTERS)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    static_dir = resources.files("gutbrain.diary") / "static"
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET" and not wants_json(request):
            return RedirectResponse("/login", status_code=303)
        return error_response(request, 401, "log in first")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after this answer is sent. This handler runs
        # in Starlette's outermost error middleware, outside SecurityHeaders: add them here.
        response = error_response(request, 500, "an unexpected error stopped this request")
        pairs = [*_COMMON_HEADERS, _CSP_HEADER, _NO_STORE]
        if request.url.scheme == "https":
            pairs.append(_HSTS)
        for key, value in pairs:
            response.headers[key.decode()] = value.decode()
        return response

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> Response:
        return error_response(request, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            ErrorItem(loc=list(e.get("loc", ())), msg=e.get("msg", ""), type=e.get("type", ""))
            for e in exc.errors()
        ]
        text = "; ".join(f"{'.'.join(map(str, e.loc[1:]))}: {e.msg}" for e in errors)
        return error_response(request, 422, text, errors)

    return app


def login_backoff(settings: Settings, clock: Callable[[], float]) -> Backoff:
    """The growing delays of log-ins per account (or per known device), from ``settings``."""
    return Backoff(
        settings.login_account_free,
        settings.login_delay_s,
        settings.login_delay_max_s,
        settings.login_forget_s,
        clock,
    )


#: Allocations between young-generation collections while serving (Python's default is 700).
GC_GEN0_THRESHOLD = 20_000


def tune_gc_for_serving() -> None:
    """Keep the cyclic garbage collector's pauses out of request latencies.

    After start-up the heap holds some 230,000 long-lived container objects (modules, the app,
    SQLAlchemy's mappers). With default settings every full collection walks all of them (30 to
    300 ms measured on the reference 2-core machine, several per 10 s under load: the p99 of the
    load benchmark), and a young collection runs every 700 allocations (every few requests).
    :func:`gc.freeze` moves everything alive now into a permanent generation that collections
    skip (reference counting still frees those objects), and a larger young threshold makes
    collections rarer while each stays short. This changes when cycles are collected, never whether.
    """
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


async def _sweep_loop(state: AppState) -> None:
    send = send_reminder_smtp(state.settings) if state.settings.smtp_host else None
    while True:
        try:
            now = state.clock()
            result = await state.writer.run(functools.partial(sweep_prompts, now=now))
            reminded = 0
            if send is not None and result.due:
                sent = await run_in_threadpool(send_reminders, result.due, send)
                await state.writer.run(
                    functools.partial(record_reminders, prompt_ids=sent, now=state.clock())
                )
                reminded = len(sent)
            log.info(
                "prompt sweep: %d scheduled, %d expired, %d reminders",
                result.scheduled,
                result.expired,
                reminded,
            )
        except Exception:
            log.exception("prompt sweep failed")
        await asyncio.sleep(state.settings.sweep_interval_s)
