"""Items record "not answered" (issue 24, item 1).

An untouched slider is sent with ``unanswered_<key>`` beside its resting position: the item is
stored as missing, refused when required, shown as "not answered", and exported as an empty
cell that ``gutbrain.io.read_bundle`` and ``gutbrain analyze`` treat as missing. Entries stored
before the option existed (migration 0002) keep their values and are marked in the export.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select
from typer.testing import CliRunner

from gutbrain.analysis.nof1 import nof1_series
from gutbrain.cli import app as cli_app
from gutbrain.diary.export import BEFORE_NOT_ANSWERED
from gutbrain.diary.items import DEFAULT_ITEMS, ItemSpec, form_answers, validate_answers
from gutbrain.diary.models import Entry
from gutbrain.errors import DataError

from .conftest import Diary
from .test_export_bundle import export, upload

JSON = {"accept": "application/json"}
STRESS = ItemSpec(key="stress", kind="vas", label="Stress today?")


def post(client, csrf: str, **fields: str):
    return client.post("/diary/entry", data={"csrf": csrf, **fields}, headers=JSON)


def stored_values(diary: Diary) -> list[dict[str, object]]:
    with diary.app.state.diary.db.session(write=False) as s:
        return [e.values for e in s.scalars(select(Entry).order_by(Entry.day))]


# --- the form's fields -------------------------------------------------------------------------


def test_unanswered_field_makes_the_slider_missing_whatever_its_position():
    raw = form_answers(
        [
            ("csrf", "x"),
            ("client_id", "c1"),
            ("a_negative_affect", "50"),
            ("a_positive_affect", "50"),
            ("a_stress", "50"),
            ("unanswered_stress", "1"),
        ]
    )
    assert raw == {"negative_affect": "50", "positive_affect": "50", "stress": ""}
    values = validate_answers((*DEFAULT_ITEMS, STRESS), raw)
    assert values == {"negative_affect": 50, "positive_affect": 50, "stress": None}


def test_required_untouched_slider_is_refused_with_a_hint():
    raw = form_answers([("a_negative_affect", "50"), ("unanswered_negative_affect", "1")])
    with pytest.raises(DataError) as err:
        validate_answers(DEFAULT_ITEMS, raw | {"positive_affect": "40"})
    assert str(err.value) == (
        'negative_affect: an answer is required (move the slider; "Not answered" must be clear)'
    )


def test_unanswered_key_the_study_does_not_ask_is_unknown():
    raw = form_answers(
        [("a_negative_affect", "1"), ("a_positive_affect", "2"), ("unanswered_x", "1")]
    )
    with pytest.raises(DataError, match=r"unknown item\(s\) \['x'\]"):
        validate_answers(DEFAULT_ITEMS, raw)


# --- through the app ---------------------------------------------------------------------------


def test_untouched_sliders_are_refused_or_stored_missing_and_shown(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_stress="1")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    page = pc.get("/diary").text
    for key in ("negative_affect", "positive_affect", "stress"):  # a fresh form: all unanswered
        assert f'name="unanswered_{key}" value="1" checked' in page
    assert page.count(">not answered</output>") == 3

    untouched = {f"a_{k}": "50" for k in ("negative_affect", "positive_affect", "stress")}
    skip_all = {f"unanswered_{k}": "1" for k in ("negative_affect", "positive_affect", "stress")}
    r = post(pc, pcsrf, **untouched, **skip_all)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        'negative_affect: an answer is required (move the slider; "Not answered" must be clear); '
        'positive_affect: an answer is required (move the slider; "Not answered" must be clear)'
    )
    assert stored_values(diary) == []

    # the participant moves the required sliders (one of them to 50) and leaves stress untouched
    r = post(pc, pcsrf, **untouched, unanswered_stress="1")
    assert r.status_code == 200, r.text
    assert stored_values(diary) == [{"negative_affect": 50, "positive_affect": 50, "stress": None}]
    page = pc.get("/diary").text  # editing today's answers: stress still reads not answered
    assert 'name="unanswered_stress" value="1" checked' in page
    assert 'name="unanswered_negative_affect" value="1">' in page
    assert page.count(">not answered</output>") == 1
    assert 'data-for="a_negative_affect">50</output>' in page
    history = pc.get("/diary/history").text
    assert "<td>50</td><td>50</td><td>not answered</td>" in history


def _alembic(engine, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gutbrain.diary") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_entries_from_before_the_option_are_kept_and_marked_in_the_export(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    # day 0 as the old form sent it: both sliders at their resting 50, no unanswered_ fields
    assert post(pc, pcsrf, a_negative_affect="50", a_positive_affect="50").status_code == 200
    # the database as it was before migration 0002, then upgraded
    engine = diary.app.state.diary.db.engine
    _alembic(engine, "downgrade", "0001")
    _alembic(engine, "upgrade", "head")
    diary.clock.advance(days=1)
    assert post(pc, pcsrf, a_negative_affect="30", a_positive_affect="60").status_code == 200

    bundle, z = export(diary, sid, tmp_path / "first")
    root = z.namelist()[0].split("/")[0]
    d = bundle.diary
    assert d["negative_affect"].tolist() == [50.0, 30.0]  # left as stored
    assert d[BEFORE_NOT_ANSWERED].tolist() == [1, 0]
    meta = tomllib.loads(z.read(f"{root}/study.toml").decode())
    assert meta["columns"]["diary"][BEFORE_NOT_ANSWERED] == "int"

    # revised after the upgrade: the entry's answers now come from the new form
    diary.clock.advance(days=-1)
    assert post(pc, pcsrf, a_negative_affect="45", a_positive_affect="55").status_code == 200
    bundle, z = export(diary, sid, tmp_path / "revised")
    assert BEFORE_NOT_ANSWERED not in bundle.diary
    assert bundle.study.columns is None


TOML_OPTIONAL_AFFECT = """
name = "N-of-1 with optional affect"
design = "nof1"
start = 2026-03-02
day0 = "first day of block 1"
consent = "I agree."
[[phases]]
label = "A"
description = "placebo"
[[phases]]
label = "B"
description = "probiotic"
[nof1]
block_days = 3
pairs = 2
[[diary.items]]
key = "negative_affect"
kind = "vas"
label = "How negative did you feel today?"
[[diary.items]]
key = "positive_affect"
kind = "vas"
label = "How positive did you feel today?"
"""


def test_missing_negative_affect_is_missing_in_the_export_and_the_analysis(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = upload(diary, csrf, TOML_OPTIONAL_AFFECT)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid, code="P1"))
    na = [40, 35, None, 30, 25, 28, 26, None, 20, 22, 24, 21]  # 12 days: 6 per phase
    for day, value in enumerate(na):
        fields = {"a_negative_affect": "50", "a_positive_affect": str(60 + day)}
        if value is None:
            fields["unanswered_negative_affect"] = "1"
        else:
            fields["a_negative_affect"] = str(value)
        assert post(pc, pcsrf, **fields).status_code == 200
        diary.clock.advance(days=1)

    bundle, z = export(diary, sid, tmp_path)
    root = z.namelist()[0].split("/")[0]
    exported = bundle.diary["negative_affect"]
    assert exported.isna().tolist() == [v is None for v in na]
    assert exported.dropna().tolist() == [float(v) for v in na if v is not None]

    out = tmp_path / "analysis"
    result = CliRunner().invoke(cli_app, ["analyze", str(tmp_path / root), "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    (person,) = json.loads((out / "results.json").read_text())["nof1"]["participants"]
    assert person["n"] == 10  # the two unanswered days are left out, not read as 0 or 50
    assert person["mean"] == pytest.approx(nof1_series(bundle).posteriors["P1"].mean)


def test_the_form_field_is_documented_in_the_openapi_schema(diary):
    schema = diary.client.get("/openapi.json").json()
    body = schema["paths"]["/diary/entry"]["post"]["requestBody"]["content"]
    props = json.dumps(body)
    assert "^unanswered_" in props and "not answered" in props
