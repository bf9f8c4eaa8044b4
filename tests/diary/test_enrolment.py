"""Enrolment done properly (issue #24 items 2 and 3): post/redirect/get, the one-time enrolment
key, the link page (copy button, QR code), re-issue, withdrawal with a reason, password change
and reset, blinded period labels and times in the study's zone."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gutbrain.diary.api.deps import LINK_REFUSED
from gutbrain.diary.models import Participant, ResearcherSession

from .conftest import BASE, LINK, PASSWORD, Diary, csrf_of
from .test_not_answered import _alembic

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}
KEY = re.compile(r'name="enrol_key" value="([^"]+)"')


def _count(diary: Diary) -> int:
    with diary.app.state.diary.db.session(write=False) as s:
        n = s.scalar(select(func.count()).select_from(Participant))
    assert n is not None
    return n


def _study(diary: Diary, **fields: str) -> tuple[str, int]:
    csrf = diary.login(diary.client, "owner@example.org")
    return csrf, diary.create_study(diary.client, csrf, **fields)


def _pid(diary: Diary, code: str) -> int:
    with diary.app.state.diary.db.session(write=False) as s:
        pid = s.scalar(select(Participant.id).where(Participant.code == code))
    assert pid is not None
    return pid


def test_enrolment_redirects_and_a_reload_adds_no_participant(diary):
    csrf, sid = _study(diary)
    dash = diary.client.get(f"/studies/{sid}").text
    key = KEY.search(dash)
    assert key
    r = diary.client.post(
        f"/studies/{sid}/participants",
        data={"csrf": csrf, "enrol_key": key.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page_url = r.headers["location"]
    assert page_url == f"/studies/{sid}/participants/{_pid(diary, 'P001')}/link"
    first = diary.client.get(page_url)
    link = LINK.search(first.text)
    assert link and link.group(1).startswith(f"{BASE}/p/")
    assert '<svg width="' in first.text and 'class="qr"' in first.text  # the QR code, inline
    assert 'data-copy="personal-link"' in first.text
    again = diary.client.get(page_url)  # a reload: a GET, the same link, nobody added
    assert LINK.search(again.text).group(1) == link.group(1)  # type: ignore[union-attr]
    assert _count(diary) == 1
    # without the short-lived cookie (another browser of the same researcher) no link is shown
    other = diary.new_client()
    diary.login(other, "owner@example.org")
    gone = other.get(page_url).text
    assert LINK.search(gone) is None and "issue a new link" in gone


def test_a_second_post_of_the_same_form_adds_no_participant(diary):
    csrf, sid = _study(diary)
    key = KEY.search(diary.client.get(f"/studies/{sid}").text).group(1)  # type: ignore[union-attr]
    data = {"csrf": csrf, "enrol_key": key, "code": "K-1"}
    first = LINK.search(diary.client.post(f"/studies/{sid}/participants", data=data).text)
    second = LINK.search(diary.client.post(f"/studies/{sid}/participants", data=data).text)
    assert _count(diary) == 1
    # the first answer was lost to the double submit: its link is replaced by the one shown now
    assert first and second and first.group(1) != second.group(1)
    assert diary.new_client().get(first.group(1)).status_code == 404
    assert diary.new_client().get(second.group(1)).status_code == 200
    # once the participant has consented, the same form post re-issues nothing
    diary.participant(second.group(1).removeprefix(BASE))
    late = diary.client.post(f"/studies/{sid}/participants", data=data, follow_redirects=False)
    assert late.status_code == 303 and "set-cookie" not in late.headers
    shown = LINK.search(diary.client.get(late.headers["location"]).text)  # the cookie of `second`
    assert shown and shown.group(1) == second.group(1)
    assert diary.new_client().get(second.group(1)).status_code == 200
    assert _count(diary) == 1


def test_a_code_already_used_is_a_clear_message_on_the_dashboard(diary):
    csrf, sid = _study(diary)
    diary.enrol(diary.client, csrf, sid, code="P-7")
    r = diary.client.post(
        f"/studies/{sid}/participants",
        data={"csrf": csrf, "code": "P-7", "email": "a@example.org"},
        headers=HTML,
    )
    assert r.status_code == 422
    assert "participant code &#39;P-7&#39; is already enrolled in this study" in r.text
    assert "Enrol a participant" in r.text and 'value="a@example.org"' in r.text
    assert _count(diary) == 1


def test_reissue_revokes_the_old_link(diary):
    csrf, sid = _study(diary)
    old = diary.enrol(diary.client, csrf, sid)
    browser, _pcsrf = diary.participant(old)  # holds the old link in its cookie
    pid = _pid(diary, "P001")
    url = f"/studies/{sid}/participants/{pid}/link"
    r = diary.client.post(url, data={"csrf": csrf}, headers=JSON)
    assert r.status_code == 422 and "old link stops working" in r.json()["detail"]
    r = diary.client.post(url, data={"csrf": csrf, "confirm": "yes"})
    new = LINK.search(r.text).group(1).removeprefix(BASE)  # type: ignore[union-attr]
    assert new != old
    refused = diary.new_client().get(old, headers=HTML)
    assert refused.status_code == 404 and "replaced it with a new link" in refused.text
    assert diary.new_client().get(old).json()["detail"] == LINK_REFUSED
    assert browser.get("/diary").status_code == 401  # the old cookie no longer works
    assert diary.new_client().get(new).status_code == 200
    page = diary.client.get(f"/studies/{sid}/participants/{pid}").text
    assert "Link issued: 2026-03-02 12:00 UTC" in page


def test_withdraw_needs_confirmation_and_a_reason(diary):
    csrf, sid = _study(diary)
    diary.enrol(diary.client, csrf, sid)
    pid = _pid(diary, "P001")
    url = f"/studies/{sid}/participants/{pid}/withdraw"
    r = diary.client.post(url, data={"csrf": csrf, "reason": "moved"}, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"].startswith("confirm:")
    r = diary.client.post(url, data={"csrf": csrf, "reason": "  ", "confirm": "yes"}, headers=JSON)
    assert r.status_code == 422 and "give a reason" in r.json()["detail"]
    with diary.app.state.diary.db.session(write=False) as s:
        assert s.get(Participant, pid).withdrawn_day is None  # type: ignore[union-attr]
    r = diary.client.post(url, data={"csrf": csrf, "reason": " moved abroad ", "confirm": "yes"})
    assert r.status_code == 200
    with diary.app.state.diary.db.session(write=False) as s:
        p = s.get(Participant, pid)
        assert p is not None and p.withdrawn_reason == "moved abroad" and p.withdrawn_day == 0
    page = diary.client.get(f"/studies/{sid}/participants/{pid}").text
    assert "Reason: moved abroad" in page and "2026-03-02 12:00 UTC" in page


def _sessions(diary: Diary, email: str) -> int:
    with diary.app.state.diary.db.session(write=False) as s:
        from gutbrain.diary.models import Researcher

        rid = s.scalar(select(Researcher.id).where(Researcher.email == email))
        n = s.scalar(
            select(func.count())
            .select_from(ResearcherSession)
            .where(ResearcherSession.researcher_id == rid)
        )
    assert n is not None
    return n


def _log_in(client, email: str, password: str):
    page = client.get("/login")
    data = {"email": email, "password": password, "csrf": csrf_of(page.text)}
    return client.post("/login", data=data)


def test_password_change(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    elsewhere = diary.new_client()
    diary.login(elsewhere, "owner@example.org")
    assert _sessions(diary, "owner@example.org") == 2

    def change(current: str, new: str, repeat: str):
        data = {"csrf": csrf, "current": current, "new": new, "repeat": repeat}
        return diary.client.post("/account/password", data=data, headers=JSON)

    assert (
        change("wrong password", "a new long password", "a new long password")
        .json()["detail"]
        .startswith("current:")
    )
    assert change(PASSWORD, "a new long password", "another").json()["detail"].startswith("repeat")
    assert "at least 10" in change(PASSWORD, "short", "short").json()["detail"]
    r = change(PASSWORD, "a new long password", "a new long password")
    assert r.status_code == 200 and str(r.url).endswith("/account?done=password")
    assert "Your password is changed" in r.text
    assert _sessions(diary, "owner@example.org") == 1  # the other session is ended
    assert elsewhere.get("/studies", headers=JSON).status_code == 401
    fresh = diary.new_client()
    assert _log_in(fresh, "owner@example.org", PASSWORD).status_code == 401
    r = _log_in(fresh, "owner@example.org", "a new long password")
    assert r.status_code == 200 and str(r.url).endswith("/studies")


def test_admin_resets_a_password(diary):
    victim = diary.new_client()
    diary.login(victim, "other@example.org")
    csrf = diary.login(diary.client, "admin@example.org")
    with diary.app.state.diary.db.session(write=False) as s:
        from gutbrain.diary.models import Researcher

        rid = s.scalar(select(Researcher.id).where(Researcher.email == "other@example.org"))
    url = f"/admin/researchers/{rid}/password"
    r = diary.client.post(url, data={"csrf": csrf, "password": "reset password 1"}, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"].startswith("confirm:")
    r = diary.client.post(
        "/admin/researchers/999999/password",
        data={"csrf": csrf, "password": "reset password 1", "confirm": "yes"},
        headers=JSON,
    )
    assert r.status_code == 404
    r = diary.client.post(
        url, data={"csrf": csrf, "password": "reset password 1", "confirm": "yes"}
    )
    assert r.status_code == 200 and "The password is reset" in r.text
    assert _sessions(diary, "other@example.org") == 0
    assert victim.get("/studies", headers=JSON).status_code == 401
    assert _log_in(victim, "other@example.org", "reset password 1").status_code == 200


def test_blinded_nof1_participant_sees_period_numbers_only(diary):
    csrf, sid = _study(diary, blinded="1")
    pc, _ = diary.participant(diary.enrol(diary.client, csrf, sid))
    pages = [pc.get(p).text for p in ("/diary", "/diary/history")]
    assert "Period 1 of 4" in pages[0]
    for text in pages:
        assert "probiotic" not in text and "placebo" not in text and "Current phase" not in text
    diary.clock.advance(days=2)
    assert "Period 2 of 4" in pc.get("/diary").text
    researcher = diary.client.get(f"/studies/{sid}/participants/{_pid(diary, 'P001')}").text
    assert re.search(r"Sequence: [AB]{4}", researcher) and "blinded" in researcher


def test_unblinded_nof1_participant_sees_the_phase(diary):
    csrf, sid = _study(diary)  # the form's blinded box is not ticked
    pc, _ = diary.participant(diary.enrol(diary.client, csrf, sid))
    text = pc.get("/diary").text
    assert "Current phase:" in text and "Period 1 of 4" in text


def test_times_are_in_the_study_zone(diary):
    # 12:00 UTC on 2 March 2026 is 04:00 in Los Angeles (PST, UTC-8); the window opens at 09:00
    csrf, sid = _study(diary, timezone="America/Los_Angeles", window_open="09:00", window_hours="2")
    pc, _ = diary.participant(diary.enrol(diary.client, csrf, sid))
    text = pc.get("/diary").text
    assert "Monday 02 March at 09:00 PST" in text and "America/Los_Angeles time" in text
    assert "UTC" not in text
    page = diary.client.get(f"/studies/{sid}/participants/{_pid(diary, 'P001')}").text
    assert "consent: 2026-03-02 04:00 PST" in page
    assert "Times in the study's zone, America/Los_Angeles" in page


def test_migration_0003_keeps_the_data_of_an_old_database(diary):
    """Upgrading (and downgrading) adds and drops columns in place: on SQLite, copying the
    participant table would drop the old one and cascade to every entry."""
    csrf, sid = _study(diary)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    pc.post(
        "/diary/entry", data={"csrf": pcsrf, "a_negative_affect": "20", "a_positive_affect": "70"}
    )
    engine = diary.app.state.diary.db.engine
    migrate_to = {"down": "0002", "up": "head"}
    for direction, revision in migrate_to.items():
        _alembic(engine, "downgrade" if direction == "down" else "upgrade", revision)
        with engine.connect() as conn:
            cols = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(participant)")}
            entries = conn.exec_driver_sql("SELECT count(*) FROM entry").scalar()
            revisions = conn.exec_driver_sql("SELECT count(*) FROM entry_revision").scalar()
        assert (entries, revisions) == (1, 1), direction
        new = {"enrol_key", "link_issued_at", "withdrawn_at", "withdrawn_reason"}
        assert (new <= cols) == (direction == "up"), direction


def test_participant_form_posts_redirect_to_a_confirmation(diary):
    csrf, sid = _study(diary, visits="baseline 0 PHQ-9")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    data = {"csrf": pcsrf, "a_negative_affect": "20", "a_positive_affect": "70"}
    r = pc.post("/diary/entry", data=data, headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/diary/saved?day=0"
    for _reload in range(2):  # a reload of the confirmation posts nothing
        page = pc.get("/diary/saved?day=0", headers=HTML)
        assert "Your answers for day 0 are saved (version 1)" in page.text
        assert "Support is available now" not in page.text
    assert pc.get("/diary/saved?day=1", headers=JSON).status_code == 404  # nothing on day 1
    answers = {f"item_{i}": "0" for i in range(1, 10)}
    r = pc.post("/diary/visit/baseline/PHQ-9", data={"csrf": pcsrf, **answers}, headers=HTML)
    assert str(r.url).endswith("/diary/saved?instrument=PHQ-9")
    assert "Your PHQ-9 answers are saved." in r.text
    assert pc.get("/diary/saved?instrument=GAD-7", headers=JSON).status_code == 404


def test_the_same_form_posted_at_once_adds_one_participant(diary, monkeypatch):
    """Two posts of one form racing (PostgreSQL): the look-up of the second misses the first,
    whose row then stops the second at the unique index; the second leads to the first's page."""
    from gutbrain.diary.api.routes import participants as routes

    csrf, sid = _study(diary)
    data = {"csrf": csrf, "enrol_key": "race-key", "code": "R-1"}
    assert diary.client.post(f"/studies/{sid}/participants", data=data).status_code == 200
    found = routes.participant_by_enrol_key
    misses = [1]  # the next look-up misses, as the racing post's did

    def lookup(session, **kw):
        return None if misses and misses.pop() else found(session, **kw)

    monkeypatch.setattr(routes, "participant_by_enrol_key", lookup)
    r = diary.client.post(
        f"/studies/{sid}/participants", data=data | {"code": "R-2"}, follow_redirects=False
    )
    assert r.status_code == 303 and "set-cookie" not in r.headers
    assert r.headers["location"] == f"/studies/{sid}/participants/{_pid(diary, 'R-1')}/link"
    assert _count(diary) == 1


def test_wrong_current_passwords_are_limited_like_log_ins(diary):
    """A stolen session cannot guess the password on the change form without limit: wrong current
    passwords count with the account's failed log-ins, and after the free ones the form answers
    429 with Retry-After, even for the right password."""
    csrf = diary.login(diary.client, "owner@example.org")
    free = diary.app.state.diary.login_accounts.free
    data = {"csrf": csrf, "current": "wrong password", "new": "x" * 12, "repeat": "x" * 12}
    for _ in range(free):
        r = diary.client.post("/account/password", data=data, headers=JSON)
        assert r.status_code == 422
    data["current"] = PASSWORD
    r = diary.client.post("/account/password", data=data, headers=JSON)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
