"""Authorization matrix: every route x every role, and CSRF on every state-changing route.

Roles: anonymous, the participant (personal-link cookie), the study's owner, another researcher,
and an administrator who does not own the study. The test fails if a route exists that the
matrix does not cover, so a new route cannot ship without an authorization decision.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from gutbrain.diary.api.deps import ParticipantDep
from gutbrain.diary.main import ROUTERS

from .conftest import PASSWORD, Diary

ROLES = ("anon", "participant", "owner", "other", "admin")
OK = "ok"


def _roles(anon, participant, owner, other, admin) -> dict[str, int | str]:
    return dict(zip(ROLES, (anon, participant, owner, other, admin), strict=True))


PUBLIC = _roles(OK, OK, OK, OK, OK)
RESEARCHERS = _roles(401, 401, OK, OK, OK)
OWNER_ONLY = _roles(401, 401, OK, 404, 404)  # another researcher's study does not exist for you
ADMIN_ONLY = _roles(401, 401, 403, 403, OK)
PARTICIPANT_ONLY = _roles(401, OK, 401, 401, 401)

# (method, path template) -> expected outcome per role: OK (2xx/3xx) or a status code.
MATRIX: dict[tuple[str, str], dict[str, int | str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): _roles(403, 403, 403, 403, 403),  # no pre-login CSRF pair: refused
    ("POST", "/logout"): RESEARCHERS,
    ("GET", "/account"): RESEARCHERS,
    ("POST", "/account/password"): RESEARCHERS,
    ("GET", "/admin/researchers"): ADMIN_ONLY,
    ("POST", "/admin/researchers"): ADMIN_ONLY,
    ("POST", "/admin/researchers/{researcher_id}/password"): ADMIN_ONLY,
    ("GET", "/studies"): RESEARCHERS,
    ("GET", "/studies/new"): RESEARCHERS,
    ("POST", "/studies"): RESEARCHERS,
    ("POST", "/studies/upload"): RESEARCHERS,
    ("GET", "/studies/{study_id}"): OWNER_ONLY,
    ("GET", "/studies/{study_id}/export"): OWNER_ONLY,
    ("POST", "/studies/{study_id}/participants"): OWNER_ONLY,
    ("GET", "/studies/{study_id}/participants/{participant_id}"): OWNER_ONLY,
    ("GET", "/studies/{study_id}/participants/{participant_id}/link"): OWNER_ONLY,
    ("POST", "/studies/{study_id}/participants/{participant_id}/link"): OWNER_ONLY,
    ("POST", "/studies/{study_id}/participants/{participant_id}/withdraw"): OWNER_ONLY,
    ("POST", "/studies/{study_id}/participants/{participant_id}/delete"): OWNER_ONLY,
    ("GET", "/p/{token}"): PUBLIC,  # the link itself is the credential
    ("GET", "/diary"): PARTICIPANT_ONLY,
    ("POST", "/diary/consent"): PARTICIPANT_ONLY,
    ("POST", "/diary/entry"): PARTICIPANT_ONLY,
    ("GET", "/diary/history"): PARTICIPANT_ONLY,
    ("GET", "/diary/saved"): PARTICIPANT_ONLY,
    ("GET", "/diary/visit/{visit}/{instrument}"): PARTICIPANT_ONLY,
    ("POST", "/diary/visit/{visit}/{instrument}"): PARTICIPANT_ONLY,
}

#: Served by the app itself, public: the static files and the API description.
SERVED_APART = ("/static", "/openapi.json")

# Destructive routes run last, in this order.
LAST = (
    ("GET", "/p/{token}"),  # after this the client holds the participant's cookie
    ("POST", "/studies/{study_id}/participants/{participant_id}/withdraw"),
    ("POST", "/studies/{study_id}/participants/{participant_id}/delete"),
    ("POST", "/logout"),
)


def _app_routes(diary: Diary) -> set[tuple[str, str]]:
    # Everything the app serves besides /static and the public /openapi.json comes from ROUTERS
    # (checked first).
    served = [r for r in diary.app.routes if getattr(r, "path", None) not in SERVED_APART]
    assert len(served) == len(ROUTERS)
    out = set()
    for router in ROUTERS:
        for r in router.routes:
            assert isinstance(r, APIRoute)
            for m in r.methods:
                out.add((m, r.path))
    return out


def test_matrix_covers_every_route(diary):
    assert _app_routes(diary) == set(MATRIX)


STUDY_TOML = b"""name = "x"
design = "observational"
start = 2026-03-02
day0 = "first day"
consent = "ok"
[[arms]]
label = "all"
"""


def _world(diary: Diary, role: str):
    """Owner's study with two participants; returns the client for ``role`` and the context."""
    owner = diary.new_client()
    ocsrf = diary.login(owner, "owner@example.org")
    sid = diary.create_study(owner, ocsrf, visits="baseline 0 PHQ-9")
    link = diary.enrol(owner, ocsrf, sid)
    diary.enrol(owner, ocsrf, sid)  # P002: the target of withdraw/delete
    from sqlalchemy import select

    from gutbrain.diary.models import Participant, Researcher

    with diary.app.state.diary.db.session(write=False) as s:
        pid2 = s.scalar(select(Participant.id).where(Participant.code == "P002"))
        rid = s.scalar(select(Researcher.id).where(Researcher.email == "other@example.org"))
    ctx = {
        "study_id": sid,
        "participant_id": pid2,
        "researcher_id": rid,
        "token": link.removeprefix("/p/"),
        "visit": "baseline",
        "instrument": "PHQ-9",
    }
    client, csrf = diary.new_client(), ""
    if role == "participant":
        client, csrf = diary.participant(link)
    elif role in ("owner", "other", "admin"):
        client = owner if role == "owner" else diary.new_client()
        csrf = ocsrf if role == "owner" else diary.login(client, f"{role}@example.org")
    return client, csrf, ctx


def _body(method: str, path: str, csrf: str) -> dict:
    if method == "GET":
        return {"params": {"day": 0}} if path == "/diary/saved" else {}
    data = {"csrf": csrf}
    if path == "/studies":
        data |= {
            "name": "n",
            "design": "observational",
            "arms": "all",
            "start": "2026-03-02",
            "consent_text": "ok",
        }
    elif path == "/admin/researchers":
        data |= {"email": "fresh@example.org", "password": "long enough pw"}
    elif path.endswith("/delete"):
        data |= {"confirm": "P002"}
    elif path.endswith("/withdraw"):
        data |= {"reason": "moved away", "confirm": "yes"}
    elif path.endswith("/link"):
        data |= {"confirm": "yes"}
    elif path == "/account/password":
        data |= {"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD}
    elif path.endswith("/password"):
        data |= {"password": "long enough pw", "confirm": "yes"}
    elif path == "/diary/consent":
        data |= {"agree": "yes"}
    elif path == "/diary/entry":
        data |= {"a_negative_affect": "10", "a_positive_affect": "50"}
    elif path.startswith("/diary/visit"):
        data |= {f"item_{i}": "0" for i in range(1, 10)}
    elif path == "/login":
        data = {"email": "owner@example.org", "password": "x"}
    kw: dict = {"data": data}
    if path == "/studies/upload":
        kw["files"] = {"study_toml": ("study.toml", STUDY_TOML)}
    return kw


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(diary, role):
    client, csrf, ctx = _world(diary, role)
    order = [k for k in MATRIX if k not in LAST] + list(LAST)
    failures = []
    for method, template in order:
        path = template.format(**ctx)
        r = client.request(method, path, follow_redirects=False, **_body(method, template, csrf))
        want = MATRIX[(method, template)][role]
        ok = 200 <= r.status_code < 400 if want == OK else r.status_code == want
        if not ok:
            failures.append(
                f"{method} {template} as {role}: {r.status_code} (want {want}) {r.text[:120]}"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["participant", "owner"])
def test_state_changing_routes_need_csrf(diary, role):
    client, csrf, ctx = _world(diary, role)
    for (method, template), expect in MATRIX.items():
        if method != "POST" or expect[role] != OK:
            continue
        kw = _body(method, template, csrf)
        kw["data"]["csrf"] = "forged"
        r = client.post(template.format(**ctx), follow_redirects=False, **kw)
        assert r.status_code == 403, (template, r.status_code, r.text[:200])
        assert "CSRF" in r.json()["detail"]


def test_participants_cannot_see_each_other(diary):
    owner = diary.client
    csrf = diary.login(owner, "owner@example.org")
    sid = diary.create_study(owner, csrf)
    a, acsrf = diary.participant(diary.enrol(owner, csrf, sid))
    b, _bcsrf = diary.participant(diary.enrol(owner, csrf, sid))
    a.post(
        "/diary/entry", data={"csrf": acsrf, "a_negative_affect": "77", "a_positive_affect": "11"}
    )
    assert ">77<" in a.get("/diary/history").text
    assert ">77<" not in b.get("/diary/history").text
    # B's page cannot be used to write as A: A's CSRF token is bound to A's link
    r = b.post(
        "/diary/entry", data={"csrf": acsrf, "a_negative_affect": "1", "a_positive_affect": "1"}
    )
    assert r.status_code == 403


def test_researcher_cookie_is_not_a_participant_credential(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    diary.create_study(diary.client, csrf)
    r = diary.client.get("/diary")
    assert r.status_code == 401
    assert r.json()["detail"] == "open your personal study link to continue"


def test_a_token_in_another_routes_path_is_not_a_participant_link(diary):
    """Only ``GET /p/{token}`` reads its path's token; any other page needs the cookie."""
    csrf = diary.login(diary.client, "owner@example.org")
    link = diary.enrol(diary.client, csrf, diary.create_study(diary.client, csrf))
    token = link.rsplit("/", 1)[-1]

    @diary.app.get("/elsewhere/{token}")
    async def elsewhere(token: str, auth: ParticipantDep) -> dict[str, str]:
        return {"token_hash": auth.token_hash}

    browser = diary.new_client()
    assert browser.get(f"/elsewhere/{token}").status_code == 401
    browser.get(link)  # the link sets the cookie
    assert browser.get(f"/elsewhere/{token}").status_code == 200
