"""Every kind of study the app creates exports a bundle that ``gutbrain.io.read_bundle`` accepts.

Each test builds a study through the real pages (web form or ``study.toml`` upload), enrols
participants, submits diary entries and visit questionnaires as participants do, downloads the
export and reads it with :func:`gutbrain.io.read_bundle`, the reader the analysis uses; then it
checks the tables hold exactly what was submitted.

Expected visit scores are worked out by hand from each instrument's published scoring, not with
the app's scoring code: PHQ-9 and GAD-7 are item sums (Kroenke et al. 2001; Spitzer et al. 2006);
PANAS positive affect is items 1, 3, 5, 9, 10, 12, 14, 16, 17, 19 and negative affect the other
ten (Watson, Clark & Tellegen 1988); STAI Form Y-1 reverses items 1, 2, 5, 8, 10, 11, 15, 16, 19,
20 as 5 - answer (Spielberger 1983).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from gutbrain.diary.items import ItemSpec, validate_answers
from gutbrain.diary.models import Entry, Participant
from gutbrain.diary.studytoml import study_from_toml
from gutbrain.errors import DataError
from gutbrain.io import StudyBundle, read_bundle

from .conftest import Diary


def entry(client, csrf, **answers: str) -> None:
    data = {"csrf": csrf, **{f"a_{k}": v for k, v in answers.items()}}
    r = client.post("/diary/entry", data=data, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text


def visit(client, csrf, name: str, instrument: str, answers: list[int]) -> None:
    data = {"csrf": csrf, **{f"item_{i}": str(a) for i, a in enumerate(answers, 1)}}
    r = client.post(
        f"/diary/visit/{name}/{instrument}", data=data, headers={"accept": "application/json"}
    )
    assert r.status_code == 200, r.text


def pid_of(diary: Diary, code: str) -> int:
    with diary.app.state.diary.db.session(write=False) as s:
        pid = s.scalar(select(Participant.id).where(Participant.code == code))
    assert pid is not None
    return pid


def export(diary: Diary, sid: int, tmp_path: Path) -> tuple[StudyBundle, zipfile.ZipFile]:
    """Download the export, unzip it and read it with gutbrain.io.read_bundle."""
    r = diary.client.get(f"/studies/{sid}/export")
    assert r.status_code == 200, r.text
    z = zipfile.ZipFile(io.BytesIO(r.content))
    roots = {n.split("/", 1)[0] for n in z.namelist()}
    assert len(roots) == 1
    z.extractall(tmp_path)
    return read_bundle(tmp_path / roots.pop()), z


def upload(diary: Diary, csrf: str, text: str) -> int:
    r = diary.client.post(
        "/studies/upload", data={"csrf": csrf}, files={"study_toml": ("study.toml", text.encode())}
    )
    assert r.status_code == 200, r.text
    m = re.search(r"/studies/(\d+)$", str(r.url))
    assert m, r.url
    return int(m.group(1))


def column(bundle: StudyBundle, name: str, table: str = "diary") -> list[object]:
    """A column as plain Python values, missing cells as None (NaN compares unequal)."""
    s = getattr(bundle, table)[name]
    return [None if pd.isna(v) else v for v in s.tolist()]


# --- parallel ----------------------------------------------------------------------------------


def test_parallel_with_every_form_item_visits_withdrawn_and_deleted(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client,
        csrf,
        name="Probiotic parallel",
        design="parallel",
        arms="placebo: maltodextrin\nprobiotic: Ecologic Barrier 5e9 CFU/day",
        item_stool_form="1",
        item_adherence="1",
        item_stress="1",
        item_sleep_hours="1",
        item_notes="1",
        visits="baseline 0 PHQ-9 GAD-7 PANAS STAI-state\npost 2 PHQ-9",
    )
    # codes P001 ... P004; P004 never answers
    p1, p2, p3, _p4 = (diary.participant(diary.enrol(diary.client, csrf, sid)) for _ in range(4))

    full = dict(stool_form="4", adherence="yes", stress="30", sleep_hours="7.5")
    entry(*p1, negative_affect="20", positive_affect="70", notes='slept badly, "ok"', **full)
    entry(*p2, negative_affect="55", positive_affect="40", **full)
    entry(*p3, negative_affect="10", positive_affect="90", **full)
    visit(*p1, "baseline", "PHQ-9", [0, 1, 2, 3, 0, 1, 2, 3, 0])  # sum 12
    visit(*p1, "baseline", "GAD-7", [3] * 7)  # sum 21, the maximum
    visit(*p1, "baseline", "PANAS", [5, 1] * 10)  # odd-numbered items 5, even-numbered 1
    visit(*p1, "baseline", "STAI-state", [4] * 20)  # 10 reversed items score 1: 10 + 40 = 50
    visit(*p2, "baseline", "PHQ-9", [0] * 9)

    diary.clock.advance(days=1)
    entry(*p1, negative_affect="25", positive_affect="65")  # optional items skipped
    r = diary.client.post(
        f"/studies/{sid}/participants/{pid_of(diary, 'P002')}/withdraw",
        data={"csrf": csrf, "reason": "too busy, said on the phone", "confirm": "yes"},
    )
    assert r.status_code == 200
    r = diary.client.post(
        f"/studies/{sid}/participants/{pid_of(diary, 'P003')}/delete",
        data={"csrf": csrf, "confirm": "P003"},
    )
    assert r.status_code == 200

    diary.clock.advance(days=1)
    entry(*p1, negative_affect="0", positive_affect="100", adherence="no", sleep_hours="0")
    visit(*p1, "post", "PHQ-9", [1] * 9)

    bundle, z = export(diary, sid, tmp_path)

    meta = bundle.study
    assert (meta.name, meta.design, meta.start) == (
        "Probiotic parallel",
        "parallel",
        dt.date(2026, 3, 2),
    )
    assert [(a.label, a.description) for a in meta.arms] == [
        ("placebo", "maltodextrin"),
        ("probiotic", "Ecologic Barrier 5e9 CFU/day"),
    ]
    assert meta.instruments == ("diary", "PHQ-9", "GAD-7", "PANAS-NA", "PANAS-PA", "STAI-state")

    parts = bundle.participants
    assert column(bundle, "participant", "participants") == ["P001", "P002", "P004"]
    assert set(parts["arm"]) <= {"placebo", "probiotic"}
    assert column(bundle, "withdrawn_day", "participants") == [None, 1, None]
    assert column(bundle, "enrolled", "participants") == [pd.Timestamp("2026-03-02")] * 3

    d = bundle.diary
    assert list(d.columns) == [
        "participant",
        "day",
        "date",
        "negative_affect",
        "positive_affect",
        "stool_form",
        "adherence",
        "stress",
        "sleep_hours",
        "notes",
        "submitted_at",
    ]
    assert list(zip(d["participant"], d["day"], strict=True)) == [
        ("P001", 0),
        ("P001", 1),
        ("P001", 2),
        ("P002", 0),
    ]
    assert d["negative_affect"].tolist() == [20.0, 25.0, 0.0, 55.0]
    assert d["positive_affect"].tolist() == [70.0, 65.0, 100.0, 40.0]
    assert column(bundle, "stool_form") == [4, None, None, 4]
    assert column(bundle, "adherence") == [1, None, 0, 1]
    assert column(bundle, "stress") == [30.0, None, None, 30.0]
    assert column(bundle, "sleep_hours") == [7.5, None, 0.0, 7.5]
    assert column(bundle, "notes") == ['slept badly, "ok"', None, None, None]
    assert d["stool_form"].dtype == "Int64" and d["adherence"].dtype == "Int64"
    assert column(bundle, "date") == [pd.Timestamp(f"2026-03-0{i}") for i in (2, 3, 4, 2)]
    assert d["submitted_at"].notna().all()

    v = bundle.visits
    assert v is not None
    keys = zip(v["participant"], v["visit"], v["instrument"], strict=True)
    scores = dict(zip(keys, v["score"], strict=True))
    assert scores == {
        ("P001", "baseline", "PHQ-9"): 12.0,
        ("P001", "baseline", "GAD-7"): 21.0,
        # PA items 1, 3, 5, 9, 17, 19 are odd (5 each) and 10, 12, 14, 16 even (1 each);
        # NA items 7, 11, 13, 15 are odd and 2, 4, 6, 8, 18, 20 even.
        ("P001", "baseline", "PANAS-PA"): 6 * 5 + 4 * 1,
        ("P001", "baseline", "PANAS-NA"): 4 * 5 + 6 * 1,
        ("P001", "baseline", "STAI-state"): 50.0,
        ("P002", "baseline", "PHQ-9"): 0.0,
        ("P001", "post", "PHQ-9"): 9.0,
    }
    phq = v.query("participant == 'P001' and visit == 'baseline' and instrument == 'PHQ-9'")
    items = phq[[f"item_{i}" for i in range(1, 10)]].iloc[0].tolist()
    assert items == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert v.loc[v["instrument"] == "PHQ-9", "item_10"].isna().all()

    names = {n.split("/", 1)[1] for n in z.namelist()}
    assert names == {
        "study.toml",
        "participants.csv",
        "diary.csv",
        "visits.csv",
        "app/prompt_log.csv",
        "app/entry_history.csv",
        "app/risk_flags.csv",
        "app/withdrawals.csv",
    }
    withdrawals = pd.read_csv(z.open(f"{z.namelist()[0].split('/', 1)[0]}/app/withdrawals.csv"))
    assert withdrawals.to_dict("records") == [
        {
            "participant": "P002",
            "withdrawn_day": 1,
            "withdrawn_at": "2026-03-03T12:00:00+00:00",
            "reason": "too busy, said on the phone",
        }
    ]
    everything = b"".join(z.read(n) for n in z.namelist())
    assert b"P003" not in everything  # deleted means gone, from the app records too


# --- N-of-1 ------------------------------------------------------------------------------------


def test_nof1_blinded_with_run_in_and_wash_in(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client, csrf, blinded="1", run_in_days="2", wash_in_days="1", item_adherence="1"
    )  # phases A, B; 2 pairs of 2-day blocks: days 0-7, run-in days -2 and -1
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    for day in range(-2, 8):
        entry(pc, pcsrf, negative_affect=str(40 - day), positive_affect="50", adherence="yes")
        diary.clock.advance(days=1)

    bundle, _ = export(diary, sid, tmp_path)

    assert bundle.study.design == "nof1"
    assert [(p.label, p.description) for p in bundle.study.phases] == [
        ("A", "placebo"),
        ("B", "probiotic"),
    ]
    assert bundle.study.nof1 == {"block_days": 2, "wash_in_days": 1}
    assert bundle.study.days == (-2, 7)  # 2 run-in days, then 2 pairs of 2-day blocks
    assert bundle.study.arms == ()
    sequence = bundle.participants["sequence"].iloc[0]
    assert len(sequence) == 4 and sorted(sequence[:2]) == sorted(sequence[2:]) == ["A", "B"]
    assert "arm" not in bundle.participants.columns
    d = bundle.diary
    assert d["day"].tolist() == list(range(-2, 8))
    assert column(bundle, "phase") == [None, None] + [sequence[day // 2] for day in range(8)]
    assert d["negative_affect"].tolist() == [float(40 - day) for day in range(-2, 8)]
    assert column(bundle, "adherence") == [1] * 10
    assert column(bundle, "date")[2] == pd.Timestamp("2026-03-04")  # day 0 after 2 run-in days


TOML_NOF1 = """
name = "Unblinded N-of-1 with custom items"
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
block_days = 1
pairs = 2
blinded = false
[[diary.items]]
key = "mood_likert"
kind = "likert"
label = "Overall mood today?"
min = 1
max = 7
low = "very bad"
high = "very good"
[[diary.items]]
key = "took_dose"
kind = "yesno"
label = "Did you take today's sachet?"
[[diary.items]]
key = "steps"
kind = "number"
label = "Steps walked today (thousands)?"
[[diary.items]]
key = "stool_form"
kind = "bristol"
label = "Stool form today?"
[[diary.items]]
key = "craving"
kind = "vas"
label = "Sugar craving today?"
risky_at = 90
[[diary.items]]
key = "journal"
kind = "text"
label = "Anything else?"
[[visits]]
visit = "baseline"
day = 0
instruments = ["PANAS"]
"""


def test_nof1_unblinded_from_toml_with_every_item_kind(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = upload(diary, csrf, TOML_NOF1)
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid, code="ind-01"))
    assert "Current phase" in pc.get("/diary").text  # unblinded
    answers = [
        dict(
            mood_likert="7",
            took_dose="yes",
            steps="-0.5",
            stool_form="1",
            craving="95",
            journal='Zürich, ünïcødé; a "quoted" word\nand a second line',
        ),
        dict(
            mood_likert="1",
            took_dose="no",
            steps="12345.25",
            stool_form="7",
            craving="0",
            journal="NA",
        ),
        dict(mood_likert="", took_dose="", steps="", stool_form="", craving="", journal=""),
    ]
    for day, extra in enumerate(answers):
        entry(pc, pcsrf, negative_affect=str(day), positive_affect=str(99 - day), **extra)
        if day == 0:
            visit(pc, pcsrf, "baseline", "PANAS", [1] * 20)  # NA = PA = 10, the minimum
        diary.clock.advance(days=1)

    bundle, z = export(diary, sid, tmp_path)

    assert bundle.study.day0 == "first day of block 1"
    assert bundle.study.nof1 == {"block_days": 1}
    assert bundle.study.instruments == ("diary", "PANAS-NA", "PANAS-PA")
    sequence = bundle.participants["sequence"].iloc[0]
    assert column(bundle, "participant", "participants") == ["ind-01"]
    assert column(bundle, "phase") == list(sequence[:3])
    assert column(bundle, "mood_likert") == [7, 1, None]
    assert column(bundle, "took_dose") == [1, 0, None]
    assert column(bundle, "steps") == [-0.5, 12345.25, None]
    assert column(bundle, "stool_form") == [1, 7, None]
    assert column(bundle, "craving") == [95.0, 0.0, None]
    assert column(bundle, "journal") == [answers[0]["journal"], "NA", None]
    d = bundle.diary
    assert d["mood_likert"].dtype == "Int64" and d["took_dose"].dtype == "Int64"
    assert d["steps"].dtype == "float64" and d["craving"].dtype == "float64"
    assert d["journal"].dtype == "str"
    v = bundle.visits
    assert v is not None and sorted(zip(v["instrument"], v["score"], strict=True)) == [
        ("PANAS-NA", 10.0),
        ("PANAS-PA", 10.0),
    ]
    root = z.namelist()[0].split("/")[0]
    flags = pd.read_csv(io.BytesIO(z.read(f"{root}/app/risk_flags.csv")))
    assert flags[["day", "value"]].values.tolist() == [[0, 95.0]]


# --- observational -----------------------------------------------------------------------------


def test_observational_groups_chosen_at_enrolment(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(
        diary.client,
        csrf,
        name="Diet cohort",
        design="observational",
        arms="omnivore\nvegetarian: no meat or fish",
        item_stress="1",
    )
    links = [
        diary.enrol(diary.client, csrf, sid, code="veg-1", arm="vegetarian"),
        diary.enrol(diary.client, csrf, sid, code="omni-1"),  # no group given: the first
    ]
    for i, link in enumerate(links):
        pc, pcsrf = diary.participant(link)
        entry(pc, pcsrf, negative_affect=str(10 * i), positive_affect="50", stress="")

    bundle, _ = export(diary, sid, tmp_path)

    assert bundle.study.design == "observational"
    assert [(a.label, a.description) for a in bundle.study.arms] == [
        ("omnivore", ""),
        ("vegetarian", "no meat or fish"),
    ]
    assert column(bundle, "arm", "participants") == ["vegetarian", "omnivore"]
    assert column(bundle, "negative_affect") == [0.0, 10.0]
    assert column(bundle, "stress") == [None, None]  # never answered: an all-missing column
    assert bundle.visits is None


# --- studies with nothing in them yet ----------------------------------------------------------


@pytest.mark.parametrize("design", ["parallel", "nof1", "observational"])
def test_study_without_participants_exports_an_empty_bundle(diary, tmp_path, design):
    csrf = diary.login(diary.client, "owner@example.org")
    fields = {"design": design, "visits": "baseline 0 GAD-7", "item_notes": "1"}
    if design != "nof1":
        fields["arms"] = "control: usual care\ntreated: probiotic"
    sid = diary.create_study(diary.client, csrf, **fields)
    bundle, _ = export(diary, sid, tmp_path)
    assert len(bundle.participants) == len(bundle.diary) == 0
    assert bundle.visits is not None and len(bundle.visits) == 0
    assert bundle.study.design == design


def test_export_study_toml_holds_only_bundle_keys(diary):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = upload(diary, csrf, TOML_NOF1)
    z = zipfile.ZipFile(io.BytesIO(diary.client.get(f"/studies/{sid}/export").content))
    meta = tomllib.loads(z.read(z.namelist()[0].split("/")[0] + "/study.toml").decode())
    assert set(meta) == {
        "name",
        "design",
        "start",
        "day0",
        "instruments",
        "days",
        "phases",
        "nof1",
        "columns",
    }
    assert meta["start"] == dt.date(2026, 3, 2)  # a TOML date, not a string
    assert meta["days"] == [0, 3]  # 2 pairs of two 1-day blocks, no run-in
    # the custom items' kinds, so the CSV reads back as stored (affect items are in the spec)
    assert meta["columns"] == {
        "diary": {
            "mood_likert": "int",
            "took_dose": "int",
            "steps": "float",
            "craving": "float",
            "journal": "text",
        }
    }


def test_invalid_bundle_is_refused_with_the_readers_message(diary):
    """A study stored before the app checked items against the bundle format (here: an
    adherence item scored 1-5, while the bundle's adherence column is 0/1) is not exported."""
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_adherence="1")
    pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
    entry(pc, pcsrf, negative_affect="1", positive_affect="2", adherence="yes")
    with diary.app.state.diary.db.session() as s, s.begin():
        e = s.scalar(select(Entry))
        assert e is not None
        e.values = {**e.values, "adherence": 3}  # as a 1-5 likert "adherence" item would store
    r = diary.client.get(f"/studies/{sid}/export", headers={"accept": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "the export is not a valid study bundle: diary table: row 1, column 'adherence': 3 is "
        "out of range; expected 0 to 1"
    )


# --- what the app refuses so that exports stay valid -------------------------------------------

TOML_BASE = TOML_NOF1.split("[[diary.items]]")[0]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            'key = "sleep_hours"\nkind = "number"',
            "daily item 'sleep_hours': the study bundle's sleep_hours column holds 0 to 24 (hours "
            "slept last night), but the item allows -inf to inf; set min and max within that "
            "range or use another key",
        ),
        (
            'key = "adherence"\nkind = "likert"\nmin = 1\nmax = 5',
            "adherence column holds 0 to 1 (1 if the day's dose was taken), but the item allows "
            "1 to 5",
        ),
        (
            'key = "stool_form"\nkind = "vas"',
            "stool_form column holds whole numbers; use kind likert, yesno or bristol, not 'vas'",
        ),
        (
            'key = "stress"\nkind = "number"\nmin = 0\nmax = 200',
            "stress column holds 0 to 100 (perceived stress today, 0-100), but the item allows 0 "
            "to 200",
        ),
        ('key = "stress"\nkind = "text"', "stress column holds numbers; a text item needs"),
        (
            'key = "negative_affect"\nkind = "likert"\nmin = 1\nmax = 7',
            "daily item 'negative_affect' must be kind 'vas' (a 0-100 scale, as the analysis "
            "reads it), not 'likert'",
        ),
    ],
)
def test_items_the_bundle_cannot_hold_are_refused_at_creation(item, message):
    with pytest.raises(DataError, match=re.escape(message)):
        study_from_toml(TOML_BASE + f'[[diary.items]]\n{item}\nlabel = "?"\n')


@pytest.mark.parametrize(
    "item",
    [
        'key = "sleep_hours"\nkind = "number"\nmin = 0\nmax = 24',
        'key = "sleep_hours"\nkind = "number"\nmin = 4\nmax = 12',
        'key = "stress"\nkind = "likert"\nmin = 0\nmax = 10',
        'key = "adherence"\nkind = "yesno"',
        'key = "stool_form"\nkind = "likert"\nmin = 1\nmax = 7',
        'key = "stool_form"\nkind = "bristol"',
    ],
)
def test_items_that_fit_the_bundle_columns_are_accepted(item):
    study = study_from_toml(TOML_BASE + f'[[diary.items]]\n{item}\nlabel = "?"\n')
    assert study.items[-1].key in ("sleep_hours", "stress", "adherence", "stool_form")


def test_empty_day0_is_refused():
    with pytest.raises(DataError, match="day0"):
        study_from_toml(TOML_BASE.replace('day0 = "first day of block 1"', 'day0 = " "'))


def test_half_open_number_item_names_its_range():
    spec = ItemSpec("steps", "number", "steps?", min_value=0)
    message = "steps: '-1' is out of range; expected 0 to inf"
    with pytest.raises(DataError, match=re.escape(message)):
        validate_answers([spec], {"steps": "-1"})


def test_free_text_answers_that_look_like_numbers_stay_text(diary, tmp_path):
    csrf = diary.login(diary.client, "owner@example.org")
    sid = diary.create_study(diary.client, csrf, item_notes="1")
    for notes in ("007", "12"):  # "12" looks like a number even to a careful reader
        pc, pcsrf = diary.participant(diary.enrol(diary.client, csrf, sid))
        entry(pc, pcsrf, negative_affect="1", positive_affect="2", notes=notes)
    bundle, _ = export(diary, sid, tmp_path)
    assert column(bundle, "notes") == ["007", "12"]
    assert bundle.diary["notes"].dtype == "str"
    assert bundle.study.declared("diary") == {"notes": "text"}  # from the item's kind
