"""API and page tests: status codes and messages of every researcher and participant flow."""

from __future__ import annotations

import io
import logging
import zipfile

import pandas as pd
import pytest
from sqlalchemy import func, select

from gutbrain.diary.api.deps import LINK_REFUSED
from gutbrain.diary.core.security import hash_token
from gutbrain.diary.crud.prompts import record_reminders, sweep_prompts
from gutbrain.diary.models import Entry, EntryRevision, Participant, PromptLog, VisitResponse
from gutbrain.diary.reminders import send_reminders

from .conftest import PASSWORD, Diary, csrf_of


def _count(diary: Diary, model) -> int:
    with diary.app.state.diary.db.session(write=False) as s:
        return s.scalar(select(func.count()).select_from(model))


def entry(client, csrf, na="20", pa="70", **extra):
    data = {"csrf": csrf, "a_negative_affect": na, "a_positive_affect": pa, **extra}
    return client.post("/diary/entry", data=data, headers={"accept": "application/json"})


# --- researchers -------------------------------------------------------------------------------


def test_login_wrong_password_is_401(diary):
    c = diary.client
    csrf = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": "owner@example.org", "password": "nope", "csrf": csrf})
    assert r.status_code == 401
    assert r.json() == {"detail": "wrong e-mail or password", "errors": []}
    r = c.post(
        "/login",
        data={"email": "owner@example.org", "password": "nope", "csrf": csrf},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 401 and "wrong e-mail or password" in r.text


def test_login_requires_csrf(diary):
    diary.client.get("/login")
    r = diary.client.post("/login", data={"email": "owner@example.org", "password": PASSWORD})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


def test_login_missing_field_is_422(diary):
    r = diary.client.post("/login", data={"email": "owner@example.org"})
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["loc"] == ["body", "password"]
    assert body["detail"] == "password: Field required"


def test_pages_redirect_to_login_and_post_needs_session(diary):
    r = diary.client.get("/studies", follow_redirects=False, headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert diary.client.get("/studies").status_code == 401
    r = diary.client.post("/studies", data={"name": "x"})
    assert r.status_code == 401
    assert r.json() == {"detail": "log in first", "errors": []}


def test_password_is_argon2_hashed(diary):
    from gutbrain.diary.models import Researcher

    with diary.app.state.diary.db.session(write=False) as s:
        h = s.scalar(
            select(Researcher.password_hash).where(Researcher.email == "owner@example.org")
        )
    assert h.startswith("$argon2id$") and PASSWORD not in h


def test_logout_ends_session(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    r = diary.client.post("/logout", data={"csrf": csrf})
    assert r.status_code == 200 and "Researcher log-in" in r.text
    assert diary.client.get("/studies").json() == {"detail": "log in first", "errors": []}


def test_create_study_form_validation_is_422_with_message(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    r = diary.client.post(
        "/studies",
        data={
            "csrf": csrf,
            "name": "X",
            "design": "nof1",
            "arms": "A: a\nB: b",
            "start": "2026-03-02",
            "consent_text": "ok",
            "block_days": "",
            "n_pairs": "2",
        },
        headers={"accept": "text/html"},
    )
    assert r.status_code == 422
    assert "design &#39;nof1&#39; needs block_days and n_pairs" in r.text
    r = diary.client.post(
        "/studies",
        data={
            "csrf": csrf,
            "name": "X",
            "design": "parallel",
            "arms": "only: one",
            "start": "2026-03-02",
            "consent_text": "ok",
        },
    )
    assert r.status_code == 422 and "needs at least two arms" in r.json()["detail"]


def test_create_study_from_toml_upload(diary):
    from .test_units import TOML

    csrf = diary.login(diary.client, "owner@example.org")
    r = diary.client.post(
        "/studies/upload", data={"csrf": csrf}, files={"study_toml": ("study.toml", TOML.encode())}
    )
    assert r.status_code == 200 and "JS-style N-of-1" in r.text
    bad = TOML.replace('design = "nof1"', 'design = "cohort"')
    r = diary.client.post(
        "/studies/upload", data={"csrf": csrf}, files={"study_toml": ("mine.toml", bad.encode())}
    )
    assert r.status_code == 422 and "design" in r.text


def test_enrol_link_shown_once_and_stored_hashed(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    link = diary.enrol(diary.client, csrf, sid, code="P-7")
    token = link.removeprefix("/p/")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    with diary.app.state.diary.db.session(write=False) as s:
        p = s.scalar(select(Participant).where(Participant.code == "P-7"))
        assert p.token_hash == hash_token(token)
        assert p.sequence in {"ABAB", "ABBA", "BAAB", "BABA"}
    dash = diary.client.get(f"/studies/{sid}").text
    assert token not in dash
    r = diary.client.post(f"/studies/{sid}/participants", data={"csrf": csrf, "code": "P-7"})
    assert r.status_code == 422
    assert r.json()["detail"] == "participant code 'P-7' is already enrolled in this study"


# --- participants ------------------------------------------------------------------------------


def test_bad_link_is_404_and_rate_limited(make_app):
    d = make_app(token_attempts=3)
    c = d.new_client()
    for _ in range(3):
        r = c.get("/p/not-a-real-token")
        assert r.status_code == 404
        assert r.json()["detail"] == LINK_REFUSED
    assert c.get("/p/not-a-real-token").status_code == 429


def test_consent_required_before_entries(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid), consent=False)
    assert "Information and consent" in pc.get("/diary").text
    r = entry(pc, pcsrf)
    assert r.status_code == 403
    assert r.json()["detail"] == "please read and accept the consent first"
    r = pc.post("/diary/consent", data={"csrf": pcsrf})
    assert r.status_code == 422
    r = pc.post("/diary/consent", data={"csrf": pcsrf, "agree": "yes"})
    assert r.status_code == 200 and "Send today" in r.text


def test_entry_edit_keeps_history_without_duplicates(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    r1 = entry(pc, pcsrf, na="10", pa="60")
    assert r1.status_code == 200
    assert r1.json()["revision"] == 1 and r1.json()["day"] == 0
    r2 = entry(pc, pcsrf, na="15", pa="65")
    assert r2.json()["revision"] == 2
    assert _count(diary, Entry) == 1
    assert _count(diary, EntryRevision) == 2
    with diary.app.state.diary.db.session(write=False) as s:
        e = s.scalar(select(Entry))
        assert e.values == {"negative_affect": 15, "positive_affect": 65}
        revs = s.scalars(select(EntryRevision).order_by(EntryRevision.revision)).all()
        assert [r.values["negative_affect"] for r in revs] == [10, 15]
    page = pc.get("/diary").text
    assert "You already answered today (version 2)" in page
    assert 'value="15"' in page


def test_retry_with_same_client_id_is_not_a_new_revision(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    a = entry(pc, pcsrf, client_id="abc")
    b = entry(pc, pcsrf, client_id="abc")
    assert a.json()["revision"] == b.json()["revision"] == 1
    assert _count(diary, EntryRevision) == 1


def test_entry_validation_422_names_item(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_stool_form="1")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    r = entry(pc, pcsrf, na="101", a_stool_form="9")
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "negative_affect: '101' is out of range; expected 0 to 100; "
        "stool_form: '9' is out of range; expected 1 to 7"
    )
    r = entry(pc, pcsrf, a_mood="3")
    assert r.status_code == 422 and "unknown item(s) ['mood']" in r.json()["detail"]
    assert _count(diary, Entry) == 0


def test_entries_follow_days_and_window(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client, csrf, window_open="18:00", window_hours="8", timezone="UTC"
    )
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    # 12:00: before today's window
    r = entry(pc, pcsrf)
    assert r.status_code == 409
    assert r.json()["detail"] == "today's diary is not open now; it has expired or not opened yet"
    assert "The next one opens on" in pc.get("/diary").text
    diary.clock.advance(hours=7)  # 19:00 day 0
    assert entry(pc, pcsrf).json()["day"] == 0
    diary.clock.advance(hours=5, minutes=30)  # 00:30 next calendar day, still day 0's window
    assert entry(pc, pcsrf).json()["day"] == 0
    diary.clock.advance(hours=2)  # 02:30: day 0's window closed at 02:00
    assert entry(pc, pcsrf).status_code == 409
    diary.clock.advance(hours=16)  # 18:30 day 1
    assert entry(pc, pcsrf).json()["day"] == 1


def test_nof1_phase_shown_only_when_unblinded(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    blind = diary.create_study(diary.client, csrf, blinded="1")
    open_ = diary.create_study(diary.client, csrf, name="open")
    pb, _ = diary.participant(diary.enrol(diary.client, csrf, blind))
    po, _ = diary.participant(diary.enrol(diary.client, csrf, open_))
    assert "Current phase" not in pb.get("/diary").text
    assert "Current phase: <strong>" in po.get("/diary").text


def test_study_end_and_withdrawal_close_the_diary(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)  # 2 pairs x 2 phases x 2 days = days 0-7
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    diary.clock.advance(days=8)
    r = entry(pc, pcsrf)
    assert (
        r.status_code == 409
        and r.json()["detail"] == "the diary period of this study has ended; thank you"
    )
    p2, p2csrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    with diary.app.state.diary.db.session(write=False) as s:
        pid = s.scalar(select(Participant.id).where(Participant.code == "P002"))
    diary.client.post(
        f"/studies/{sid}/participants/{pid}/withdraw",
        data={"csrf": csrf, "reason": "moved away", "confirm": "yes"},
    )
    r = entry(p2, p2csrf)
    assert r.status_code == 409 and "left this study" in r.json()["detail"]


def test_risky_item_shows_crisis_and_flags(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_stress="1", item_stress_risky_at="90")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    ok = entry(pc, pcsrf, a_stress="50").json()
    assert ok["risk"] is False and ok["crisis_text"] is None
    r = pc.post(
        "/diary/entry",
        data={"csrf": pcsrf, "a_negative_affect": "90", "a_positive_affect": "5", "a_stress": "95"},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 200
    assert "Support is available now" in r.text and "116 123" in r.text
    dash = diary.client.get(f"/studies/{sid}").text
    assert "⚑ flagged" in dash and "item stress = 95" in dash


def test_phq9_item9_visit_shows_crisis_and_flags(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, visits="baseline 0 PHQ-9 PANAS")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    page = pc.get("/diary").text
    assert "Questionnaire due: PHQ-9 (baseline)" in page
    form = pc.get("/diary/visit/baseline/PHQ-9")
    assert "better off dead" in form.text
    r = pc.post(
        "/diary/visit/baseline/PHQ-9",
        data={"csrf": pcsrf, "item_1": "1"},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 422 and "please answer item(s) [2, 3, 4, 5, 6, 7, 8, 9]" in r.text
    answers = {f"item_{i}": "0" for i in range(1, 9)} | {"item_9": "1"}
    r = pc.post(
        "/diary/visit/baseline/PHQ-9",
        data={"csrf": pcsrf, **answers},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 200 and "Support is available now" in r.text
    r = pc.post("/diary/visit/baseline/PHQ-9", data={"csrf": pcsrf, **answers})
    assert r.status_code == 404  # no longer due
    assert "PHQ-9 item 9 = 1" in diary.client.get(f"/studies/{sid}").text
    assert _count(diary, VisitResponse) == 1


def test_participant_history_plot(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    for day in range(3):
        entry(pc, pcsrf, na=str(10 + day), pa="60")
        diary.clock.advance(days=1)
    page = pc.get("/diary/history").text
    assert '<svg class="chart"' in page and "negative: 3 points, last 12 on day 2" in page


def test_dashboard_compliance_and_dropouts(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client,
        csrf,
        duration_days="10",
        design="parallel",
        arms="placebo: maltodextrin\nprobiotic: 5e9 CFU",
    )
    a, acsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    _b, _ = diary.participant(diary.enrol(diary.client, csrf, sid))
    for _ in range(4):
        entry(a, acsrf)
        diary.clock.advance(days=1)
    dash = diary.client.get(f"/studies/{sid}").text
    assert "100% (4/4)" in dash  # P001 answered days 0-3
    assert "0% (0/4)" in dash and "dropout (4 days missed)" in dash
    assert "Mean daily negative affect by arm" in dash


def test_prompt_log_sweep_expires_and_reminds(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid, email="p@example.org"))
    pc.get("/diary")  # opened, day 0
    entry(pc, pcsrf)
    diary.clock.advance(days=2)  # day 1 missed, day 2 open
    sent = []
    db = diary.app.state.diary.db
    with db.session() as s, s.begin():
        res = sweep_prompts(s, now=diary.clock())
    assert (res.scheduled, res.expired, len(res.due)) == (2, 1, 1)

    def fake_send(to, subject, body):
        sent.append((to, body))

    ids = send_reminders(res.due, fake_send)
    with db.session() as s, s.begin():
        record_reminders(s, prompt_ids=ids, now=diary.clock())
    assert sent[0][0] == "p@example.org" and "/p/" not in sent[0][1]
    assert "open until Thursday 05 March at 00:00 UTC" in sent[0][1]  # the study's zone: UTC
    with db.session() as s, s.begin():  # a second sweep: nothing new, no second reminder
        again = sweep_prompts(s, now=diary.clock())
    assert (again.scheduled, again.expired, again.due) == (0, 0, ())

    def failing_send(to, subject, body):
        raise OSError("smtp down")

    assert send_reminders(res.due, failing_send) == []
    with diary.app.state.diary.db.session(write=False) as s:
        rows = {r.day: r for r in s.scalars(select(PromptLog))}
    assert rows[0].opened_at is not None and rows[0].submitted_at is not None
    assert rows[1].expired_at is not None and rows[1].submitted_at is None
    assert rows[2].reminder_sent_at is not None and rows[2].expired_at is None


def test_export_bundle_contents(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_adherence="1", visits="baseline 0 PANAS")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid, email="secret@example.org"))
    for day in range(3):
        entry(pc, pcsrf, na=str(20 + day), pa="50", a_adherence="yes" if day else "no")
        diary.clock.advance(days=1)
    r = diary.client.get(f"/studies/{sid}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = {n.split("/", 1)[1] for n in z.namelist()}
    assert {
        "study.toml",
        "participants.csv",
        "diary.csv",
        "visits.csv",
        "app/prompt_log.csv",
        "app/entry_history.csv",
        "app/risk_flags.csv",
    } <= names
    everything = b"".join(z.read(n) for n in z.namelist())
    assert b"secret@example.org" not in everything
    root = z.namelist()[0].split("/")[0]
    diary_df = pd.read_csv(io.BytesIO(z.read(f"{root}/diary.csv")))
    assert list(diary_df.columns) == [
        "participant",
        "day",
        "date",
        "phase",
        "negative_affect",
        "positive_affect",
        "adherence",
        "submitted_at",
    ]
    assert diary_df["day"].tolist() == [0, 1, 2]
    assert diary_df["adherence"].tolist() == [0, 1, 1]
    import tomllib

    meta = tomllib.loads(z.read(f"{root}/study.toml").decode())
    assert meta["design"] == "nof1" and meta["nof1"] == {"block_days": 2}
    assert [p["label"] for p in meta["phases"]] == ["A", "B"]
    assert set(meta) == {"name", "design", "start", "day0", "instruments", "days", "phases", "nof1"}
    assert meta["days"] == [0, 7]  # 2 pairs of two 2-day blocks


def test_delete_participant_erases_everything(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    entry(pc, pcsrf)
    entry(pc, pcsrf)
    with diary.app.state.diary.db.session(write=False) as s:
        pid = s.scalar(select(Participant.id))
    r = diary.client.post(
        f"/studies/{sid}/participants/{pid}/delete", data={"csrf": csrf, "confirm": "nope"}
    )
    assert (
        r.status_code == 422
        and r.json()["detail"] == "type the participant code 'P001' to confirm the deletion"
    )
    r = diary.client.post(
        f"/studies/{sid}/participants/{pid}/delete", data={"csrf": csrf, "confirm": "P001"}
    )
    assert r.status_code == 200
    for model in (Participant, Entry, EntryRevision, PromptLog):
        assert _count(diary, model) == 0, model
    assert pc.get("/diary").status_code == 401


def test_security_headers_and_cookie_flags(diary):
    r = diary.client.get("/login")
    h = r.headers
    assert "default-src 'self'" in h["content-security-policy"]
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert h["cache-control"] == "no-store"
    assert h["strict-transport-security"].startswith("max-age=")
    page = diary.client.get("/login")
    resp = diary.client.post(
        "/login",
        data={"email": "owner@example.org", "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie


def test_participant_cookie_flags_and_link_redirect(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    link = diary.enrol(diary.client, csrf, sid)
    r = diary.new_client().get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie


def test_no_token_in_logs(diary, caplog):
    from gutbrain.diary.core.logs import RedactFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s "%s %s"',
        ("1.2.3.4", "GET", "/p/AbC_123-xyz"),
        None,
    )
    RedactFilter().filter(record)
    assert "AbC_123-xyz" not in record.getMessage() and "/p/<redacted>" in record.getMessage()
    caplog.set_level(logging.DEBUG)
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    link = diary.enrol(diary.client, csrf, sid, email="who@example.org")
    pc, pcsrf = diary.participant(link)
    entry(pc, pcsrf)
    server_logs = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    assert link.removeprefix("/p/") not in server_logs and "who@example.org" not in server_logs


def test_admin_creates_accounts(diary):
    csrf = diary.login(diary.client, "admin@example.org")
    r = diary.client.post(
        "/admin/researchers",
        data={"csrf": csrf, "email": "new@example.org", "password": "long enough pw"},
    )
    assert r.status_code == 200 and str(r.url).endswith("/admin/researchers?done=created")
    assert "The account is created." in r.text and "new@example.org" in r.text
    r = diary.client.post(
        "/admin/researchers",
        data={"csrf": csrf, "email": "new@example.org", "password": "long enough pw"},
    )
    assert r.status_code == 422 and "already exists" in r.text
    r = diary.client.post(
        "/admin/researchers", data={"csrf": csrf, "email": "x@example.org", "password": "short"}
    )
    assert r.status_code == 422 and "at least 10 characters" in r.text


@pytest.mark.parametrize("path", ["/healthz", "/static/style.css", "/static/draft.js"])
def test_public_endpoints(diary, path):
    assert diary.client.get(path).status_code == 200
