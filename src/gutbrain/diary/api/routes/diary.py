"""The participant's pages: personal link, consent, today's entry, history, visit questionnaires.

A participant is identified only by the personal-link token, and every page authenticates through
one function (:func:`gutbrain.diary.api.deps.authenticate`): ``LinkParticipantDep`` on the link,
``ParticipantDep`` (the cookie) on every other page. ``GET /p/{token}`` moves the
token into an HttpOnly cookie and redirects, so it leaves the address bar and browser history;
every other page reads the cookie. All writes go through the group-commit writer and are answered
only after a durable commit.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from gutbrain.diary.api.deps import (
    PARTICIPANT_COOKIE,
    LinkParticipantDep,
    ParticipantAuth,
    ParticipantDep,
    ReadSessionDep,
)
from gutbrain.diary.api.openapi import ENTRY_FORM, SAVED_REDIRECT, VISIT_FORM, errors
from gutbrain.diary.api.params import StudyDay, Token, VisitName
from gutbrain.diary.api.render import render, wants_json
from gutbrain.diary.crud.entries import (
    entries_of,
    entry_for_day,
    submit_entry,
    submit_visit,
    visits_done,
)
from gutbrain.diary.crud.participants import record_consent
from gutbrain.diary.crud.prompts import mark_opened, prompt_opened
from gutbrain.diary.crud.studies import item_specs, study_clock
from gutbrain.diary.items import (
    ANSWER_PREFIX,
    UNANSWERED_PREFIX,
    form_answers,
    is_risky,
    validate_answers,
)
from gutbrain.diary.plots import Series, line_chart
from gutbrain.diary.questionnaires import (
    Questionnaire,
    get_instrument,
    parse_answers,
    risky_items,
)
from gutbrain.diary.schemas import EntryAck, VisitAck
from gutbrain.diary.timeline import ParticipantState, participant_state
from gutbrain.errors import DataError

router = APIRouter(tags=["diary"])

COOKIE_DAYS = 400


@router.get(
    "/p/{token}",
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(404, 422, 429),
)
async def open_link(token: Token, auth: LinkParticipantDep) -> Response:
    response = RedirectResponse("/diary", status_code=303)
    response.set_cookie(
        PARTICIPANT_COOKIE,
        token,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        secure=auth.state.settings.cookie_secure,
        samesite="lax",
    )
    return response


@router.get("/diary", response_class=HTMLResponse, responses=errors(401, 429))
async def diary_page(request: Request, auth: ParticipantDep) -> Response:
    p, study, state, now = auth.participant, auth.study, auth.state, auth.now
    if p.consented_at is None:
        return render(request, "consent.html", {"study": study}, csrf_subject=auth.token_hash)
    with state.db.session(write=False) as session:
        done = visits_done(session, participant_id=p.id)
        st = participant_state(study, p, now, done)
        entry = None
        opened = True
        if st.window is not None:
            entry = entry_for_day(session, participant_id=p.id, day=st.window.day)
            opened = prompt_opened(session, participant_id=p.id, day=st.window.day)
    if st.window is not None and not opened:
        window = st.window
        await state.writer.run(
            lambda s: mark_opened(s, participant_id=p.id, window=window, now=now)
        )
    next_window = None
    if st.window is None and st.status in ("closed", "not_started"):
        next_window = study_clock(study).next_window(p.day0_date, now)
    return render(
        request,
        "diary.html",
        {
            "study": study,
            "participant": p,
            "st": st,
            "items": item_specs(study),
            "entry": entry,
            "values": entry.values if entry else {},
            "show_phase": study.design == "nof1" and not study.blinded,
            "period": st.period if study.design == "nof1" else None,
            "next_window": next_window,
            "prefix": ANSWER_PREFIX,
            "unanswered_prefix": UNANSWERED_PREFIX,
        },
        csrf_subject=auth.token_hash,
    )


@router.post(
    "/diary/consent",
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(400, 401, 403, 422, 429),
)
async def consent(
    auth: ParticipantDep, agree: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    if agree != "yes":
        raise HTTPException(status_code=422, detail="tick the box to consent, or close this page")
    pid, now = auth.participant.id, auth.now
    await auth.state.writer.run(lambda s: record_consent(s, participant_id=pid, now=now))
    return RedirectResponse("/diary", status_code=303)


def _consented(auth: ParticipantAuth) -> None:
    if auth.participant.consented_at is None:
        raise HTTPException(status_code=403, detail="please read and accept the consent first")


@router.post(
    "/diary/entry",
    response_model=EntryAck,
    responses=SAVED_REDIRECT | errors(400, 401, 403, 409, 422, 429),
    openapi_extra=ENTRY_FORM,
)
async def post_entry(request: Request, auth: ParticipantDep) -> Response:
    state, now, form = auth.state, auth.now, auth.form
    _consented(auth)
    p, study = auth.participant, auth.study
    raw = form_answers(form.multi_items())
    client_id = str(form.get("client_id") or "")[:64] or None
    st = participant_state(study, p, now, set())  # visits do not matter here
    if st.window is None:
        messages = {
            "withdrawn": "you have left this study; thank you for taking part",
            "finished": "the diary period of this study has ended; thank you",
            "not_started": "your diary has not started yet",
        }
        raise HTTPException(
            status_code=409,
            detail=messages.get(
                st.status, "today's diary is not open now; it has expired or not opened yet"
            ),
        )
    specs = state.studies.item_specs(study.id)
    values = validate_answers(specs, raw)  # DataError -> 422 with the item named
    risks = [
        (f"item {s.key}", float(v))  # type: ignore[arg-type]
        for s in specs
        if is_risky(s, v := values.get(s.key))
    ]
    window = st.window
    ack = await state.writer.run(
        lambda s: submit_entry(
            s,
            participant_id=p.id,
            window=window,
            values=values,
            now=now,
            risks=risks,
            client_id=client_id,
        )
    )
    if not wants_json(request):  # a browser's plain form post: post/redirect/get
        return _saved(f"day={window.day}", bool(risks))
    crisis = state.settings.crisis_text if risks else None
    if crisis is not None:
        ack = ack.model_copy(update={"crisis_text": crisis})
    return JSONResponse(ack.model_dump(mode="json"))


def _saved(query: str, risk: bool) -> Response:
    return RedirectResponse(f"/diary/saved?{query}{'&risk=1' if risk else ''}", status_code=303)


@router.get("/diary/saved", response_class=HTMLResponse, responses=errors(401, 403, 404, 422, 429))
def saved_page(
    request: Request,
    auth: ParticipantDep,
    session: ReadSessionDep,
    day: StudyDay | None = None,
    instrument: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    risk: Annotated[bool, Query(description="Show the crisis resources (a risky answer).")] = False,
) -> Response:
    """The confirmation after a browser's plain form post: today's entry of ``day``, or the
    visit questionnaire ``instrument``, is saved (read back from the database)."""
    _consented(auth)
    pid = auth.participant.id
    crisis = auth.state.settings.crisis_text if risk else None
    context = {"study": auth.study, "crisis": crisis}
    if day is not None and (entry := entry_for_day(session, participant_id=pid, day=day)):
        return render(
            request,
            "saved.html",
            {**context, "day": day, "revision": entry.revision},
            csrf_subject=auth.token_hash,
        )
    if instrument is not None and instrument in {
        i for _v, i in visits_done(session, participant_id=pid)
    }:
        return render(
            request,
            "visit_saved.html",
            {**context, "name": instrument},
            csrf_subject=auth.token_hash,
        )
    raise HTTPException(status_code=404, detail="nothing saved with these details")


@router.get("/diary/history", response_class=HTMLResponse, responses=errors(401, 403, 429))
def history_page(request: Request, auth: ParticipantDep, session: ReadSessionDep) -> Response:
    _consented(auth)
    entries = entries_of(session, participant_id=auth.participant.id)
    series = [
        Series(
            label,
            [(e.day, float(e.values[key])) for e in entries if e.values.get(key) is not None],
        )
        for key, label in (("negative_affect", "negative"), ("positive_affect", "positive"))
    ]
    chart = line_chart(series, title="Your daily feelings", y_label="0-100")
    return render(
        request,
        "history.html",
        {"study": auth.study, "entries": entries, "chart": chart, "items": item_specs(auth.study)},
        csrf_subject=auth.token_hash,
    )


def _due_instrument(
    auth: ParticipantAuth, visit: str, instrument: str
) -> tuple[ParticipantState, Questionnaire]:
    _consented(auth)
    with auth.state.db.session(write=False) as session:
        st = participant_state(
            auth.study,
            auth.participant,
            auth.now,
            visits_done(session, participant_id=auth.participant.id),
        )
    if (visit, instrument) not in st.visits_due:
        raise HTTPException(
            status_code=404, detail="this questionnaire is not due (or was already done)"
        )
    inst = get_instrument(instrument, auth.study.instrument_text)
    return st, inst


@router.get(
    "/diary/visit/{visit}/{instrument}",
    response_class=HTMLResponse,
    responses=errors(401, 403, 404, 422, 429),
)
def visit_page(
    visit: VisitName, instrument: VisitName, request: Request, auth: ParticipantDep
) -> Response:
    _st, inst = _due_instrument(auth, visit, instrument)
    return render(
        request,
        "visit.html",
        {"study": auth.study, "visit": visit, "inst": inst},
        csrf_subject=auth.token_hash,
    )


@router.post(
    "/diary/visit/{visit}/{instrument}",
    response_model=VisitAck,
    responses=SAVED_REDIRECT | errors(400, 401, 403, 404, 422, 429),
    openapi_extra=VISIT_FORM,
)
async def post_visit(
    visit: VisitName, instrument: VisitName, request: Request, auth: ParticipantDep
) -> Response:
    st, inst = _due_instrument(auth, visit, instrument)
    form = {k: v for k, v in auth.form.items() if isinstance(v, str)}
    try:
        answers = parse_answers(inst, form)
    except DataError as exc:
        if wants_json(request):
            raise
        return render(
            request,
            "visit.html",
            {"study": auth.study, "visit": visit, "inst": inst, "error": str(exc), "answers": form},
            status_code=422,
            csrf_subject=auth.token_hash,
        )
    risks = [(src, float(v)) for src, v in risky_items(inst, answers)]
    pid, now = auth.participant.id, auth.now
    await auth.state.writer.run(
        lambda s: submit_visit(
            s,
            participant_id=pid,
            visit=visit,
            instrument=instrument,
            day=st.today,
            answers=answers,
            now=now,
            risks=risks,
        )
    )
    if not wants_json(request):  # a browser's plain form post: post/redirect/get
        return _saved(f"instrument={quote(instrument)}", bool(risks))
    crisis = auth.state.settings.crisis_text if risks else None
    return JSONResponse(VisitAck(risk=bool(risks), crisis_text=crisis).model_dump(mode="json"))
