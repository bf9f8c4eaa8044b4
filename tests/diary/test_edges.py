"""The edge of the API (issue 24, item 6): bounded IDs and dates, strict numbers, one error body,
and the published schema. Each case here was a 500 or a silently wrong value before."""

from __future__ import annotations

import pytest

from .conftest import Diary

HUGE = "13297634450542696377352192"  # beyond SQLite's 64-bit integers (the fuzzer's find)
JSON = {"accept": "application/json"}


def _error_body(r, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str), body
    return body


@pytest.fixture
def owner(diary: Diary) -> tuple[Diary, str, int]:
    csrf = diary.login(diary.client, "owner@example.org")
    return diary, csrf, diary.create_study(diary.client, csrf)


@pytest.mark.parametrize("bad", [HUGE, str(2**63), "0", "-1", "7_0", "٣", "1e3"])
def test_ids_out_of_range_or_not_plain_digits_are_422(owner, bad):
    d, csrf, sid = owner
    c = d.client
    requests = [
        c.get(f"/studies/{bad}", headers=JSON),
        c.get(f"/studies/{bad}/export", headers=JSON),
        c.post(f"/studies/{bad}/participants", data={"csrf": csrf}, headers=JSON),
        c.get(f"/studies/{sid}/participants/{bad}", headers=JSON),
        c.post(f"/studies/{sid}/participants/{bad}/withdraw", data={"csrf": csrf}, headers=JSON),
        c.post(f"/studies/{sid}/participants/{bad}/delete", data={"csrf": csrf}, headers=JSON),
    ]
    for r in requests:
        body = _error_body(r, 422)
        assert body["errors"][0]["loc"][0] == "path", body


def test_the_largest_id_is_a_plain_404(owner):
    d, _csrf, _sid = owner
    body = _error_body(d.client.get(f"/studies/{2**63 - 1}", headers=JSON), 404)
    assert body == {"detail": "no such study", "errors": []}


def _new_study(owner, **fields: str):
    """Post the new-study form (a valid parallel study, changed by ``fields``) as an API client."""
    d, csrf, _sid = owner
    data = {
        "csrf": csrf,
        "name": "S",
        "design": "parallel",
        "arms": "A: a\nB: b",
        "start": "2026-03-02",
        "consent_text": "ok",
        **fields,
    }
    return d.client.post("/studies", data=data, headers=JSON)


@pytest.mark.parametrize("start", ["9999-12-31", "1999-12-31", "2100-01-01"])
def test_study_start_outside_the_century_is_refused(owner, start):
    body = _error_body(_new_study(owner, start=start), 422)
    assert f"start: {start!r}" in body["detail"] or start in body["detail"], body


def test_study_toml_start_9999_is_refused(owner):
    d, csrf, _sid = owner
    toml = b'name = "x"\ndesign = "parallel"\nstart = 9999-12-31\nconsent = "ok"\n'
    toml += b'[[arms]]\nlabel = "A"\n[[arms]]\nlabel = "B"\n'
    r = d.client.post(
        "/studies/upload",
        data={"csrf": csrf},
        files={"study_toml": ("study.toml", toml)},
        headers=JSON,
    )
    assert "9999-12-31" in _error_body(r, 422)["detail"]


@pytest.mark.parametrize("field", ["block_days", "n_pairs", "run_in_days", "window_hours"])
@pytest.mark.parametrize("text", ["٣", "7_0"])
def test_study_form_numbers_are_parsed_strictly(owner, field, text):
    nof1 = {"design": "nof1", "block_days": "7", "n_pairs": "2"}
    body = _error_body(_new_study(owner, **(nof1 | {field: text})), 422)
    assert f"{field}: {text!r} is not a" in body["detail"], body


def test_a_zero_hour_window_is_refused_not_replaced(owner):
    body = _error_body(_new_study(owner, window_hours="0"), 422)
    assert "window_hours" in body["detail"], body


@pytest.mark.parametrize("text", ["٣", "7_0", "0x10", "1,5"])
def test_daily_answers_are_parsed_strictly(owner, text):
    d, csrf, sid = owner
    pc, pcsrf = d.participant(d.enrol(d.client, csrf, sid))
    data = {"csrf": pcsrf, "a_negative_affect": text, "a_positive_affect": "70"}
    body = _error_body(pc.post("/diary/entry", data=data, headers=JSON), 422)
    assert f"negative_affect: {text!r} is not a number" in body["detail"]


def test_visit_answers_are_parsed_strictly(owner):
    d, csrf, _sid = owner
    sid = d.create_study(d.client, csrf, visits="baseline 0 GAD-7")
    pc, pcsrf = d.participant(d.enrol(d.client, csrf, sid))
    answers = {f"item_{i}": "1" for i in range(1, 8)} | {"item_3": "٣"}
    r = pc.post("/diary/visit/baseline/GAD-7", data={"csrf": pcsrf, **answers}, headers=JSON)
    assert "GAD-7 item 3: '٣' is not a whole number" in _error_body(r, 422)["detail"]


def test_every_error_has_the_one_shape(diary):
    c = diary.client
    assert _error_body(c.get("/no/such/page"), 404) == {"detail": "Not Found", "errors": []}
    assert _error_body(c.get("/studies"), 401)["detail"] == "log in first"
    body = _error_body(c.post("/login", data={}), 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "email"], ["body", "password"]]
    assert body["detail"] == "email: Field required; password: Field required"


def test_openapi_is_served_with_errors_security_and_forms(diary):
    spec = diary.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["components"]["securitySchemes"]) == {"researcherSession", "participantLink"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    json_schema = response["content"]["application/json"]["schema"]
                    assert json_schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
            if method == "post" and path != "/login":
                form = op["requestBody"]["content"]
                schema = next(iter(form.values()))["schema"]
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                assert "csrf" in schema["required"], path
    entry = spec["paths"]["/diary/entry"]["post"]
    assert "409" in entry["responses"]
    form = entry["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert "^a_[a-z][a-z0-9_]{0,39}$" in form["patternProperties"]
    study = spec["paths"]["/studies"]["post"]["requestBody"]["content"]
    assert {"name", "design", "arms", "start"} <= set(
        study["application/x-www-form-urlencoded"]["schema"]["required"]
    )
