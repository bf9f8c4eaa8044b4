"""Unit tests of the diary's pure parts: items, questionnaires, allocation, schedule, TOML."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from gutbrain.diary.allocation import nof1_sequence, parallel_arm
from gutbrain.diary.core.ratelimit import RateLimiter
from gutbrain.diary.items import DEFAULT_ITEMS, ItemSpec, is_risky, validate_answers
from gutbrain.diary.questionnaires import QUESTIONNAIRES, get_instrument, risky_items, score
from gutbrain.diary.schedule import StudyClock, phase_for_day
from gutbrain.diary.studytoml import study_from_toml
from gutbrain.errors import DataError


def test_default_items_are_na_pa_vas():
    assert [(s.key, s.kind, s.min_value, s.max_value) for s in DEFAULT_ITEMS] == [
        ("negative_affect", "vas", 0.0, 100.0),
        ("positive_affect", "vas", 0.0, 100.0),
    ]


def test_validate_answers_types_and_ranges():
    specs = [
        *DEFAULT_ITEMS,
        ItemSpec("stool_form", "bristol", "stool?"),
        ItemSpec("adherence", "yesno", "taken?"),
        ItemSpec("sleep_hours", "number", "sleep?", min_value=0, max_value=24),
        ItemSpec("notes", "text", "notes?"),
    ]
    out = validate_answers(
        specs,
        {
            "negative_affect": "12",
            "positive_affect": 80,
            "stool_form": "4",
            "adherence": "yes",
            "sleep_hours": "7.5",
            "notes": "",
        },
    )
    assert out == {
        "negative_affect": 12,
        "positive_affect": 80,
        "stool_form": 4,
        "adherence": 1,
        "sleep_hours": 7.5,
        "notes": None,
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"negative_affect": "101", "positive_affect": "1"},
            "negative_affect: '101' is out of range",
        ),
        ({"negative_affect": "5.5", "positive_affect": "1"}, "must be a whole number"),
        ({"negative_affect": "x", "positive_affect": "1"}, "'x' is not a number"),
        ({"negative_affect": "nan", "positive_affect": "1"}, "'nan' is not a number"),
        # strict parsing: other scripts' digits and Python's digit separators are refused
        ({"negative_affect": "٣", "positive_affect": "1"}, "'٣' is not a number"),
        ({"negative_affect": "7_0", "positive_affect": "1"}, "'7_0' is not a number"),
        ({"negative_affect": "1e400", "positive_affect": "1"}, "not a finite number"),
        ({"positive_affect": "1"}, "negative_affect: an answer is required"),
        ({"negative_affect": "1", "positive_affect": "1", "mood": "3"}, "unknown item(s) ['mood']"),
    ],
)
def test_validate_answers_rejects_with_named_item(raw, message):
    with pytest.raises(DataError, match=re.escape(message)):
        validate_answers(DEFAULT_ITEMS, raw)


def test_item_spec_checks():
    with pytest.raises(DataError, match="not allowed"):
        ItemSpec("Day", "vas", "x")
    with pytest.raises(DataError, match="not allowed"):
        ItemSpec("csrf", "vas", "x")
    with pytest.raises(DataError, match="needs min and max"):
        ItemSpec("stress", "likert", "x")
    with pytest.raises(DataError, match="2 to 11 points"):
        ItemSpec("stress", "likert", "x", min_value=1, max_value=20)
    spec = ItemSpec("stress", "likert", "x", min_value=1, max_value=7, risky_at=7)
    assert is_risky(spec, 7) and not is_risky(spec, 6) and not is_risky(spec, None)


def test_phq9_score_and_item9_risk():
    # Kroenke et al. 2001: the total is the plain sum of nine 0-3 items (0-27).
    phq = QUESTIONNAIRES["PHQ-9"]
    assert score(phq, [3] * 9) == {"PHQ-9": 27}
    assert score(phq, [0] * 9) == {"PHQ-9": 0}
    assert risky_items(phq, [0] * 8 + [1]) == [("PHQ-9 item 9", 1)]
    assert risky_items(phq, [3] * 8 + [0]) == []


def test_gad7_range():
    gad = QUESTIONNAIRES["GAD-7"]
    assert score(gad, [3] * 7) == {"GAD-7": 21}


def test_panas_splits_pa_and_na():
    # Watson et al. 1988: PA items 1,3,5,9,10,12,14,16,17,19; NA the other ten.
    panas = QUESTIONNAIRES["PANAS"]
    answers = [5 if i in (1, 3, 5, 9, 10, 12, 14, 16, 17, 19) else 1 for i in range(1, 21)]
    assert score(panas, answers) == {"PANAS-NA": 10, "PANAS-PA": 50}


def test_stai_state_reverses_anxiety_absent_items():
    # Spielberger 1983: items 1,2,5,8,10,11,15,16,19,20 are reversed; range 20-80.
    stai = QUESTIONNAIRES["STAI-state"]
    calm = [4 if i in (1, 2, 5, 8, 10, 11, 15, 16, 19, 20) else 1 for i in range(1, 21)]
    assert score(stai, calm) == {"STAI-state": 20}
    anxious = [1 if i in (1, 2, 5, 8, 10, 11, 15, 16, 19, 20) else 4 for i in range(1, 21)]
    assert score(stai, anxious) == {"STAI-state": 80}


def test_forms_come_from_the_instrument_registry():
    assert list(QUESTIONNAIRES) == ["PHQ-9", "GAD-7", "PANAS", "STAI-state"]
    panas = QUESTIONNAIRES["PANAS"]
    assert panas.items[:4] == ("Interested", "Distressed", "Excited", "Upset")
    assert len(panas.items) == 20 and panas.values == (1, 2, 3, 4, 5)
    assert panas.outputs == ("PANAS-NA", "PANAS-PA")
    stai = QUESTIONNAIRES["STAI-state"]
    assert stai.licensed_text and stai.items[0] == "STAI Form Y-1, item 1 (licensed text)"
    assert QUESTIONNAIRES["PHQ-9"].first_value == 0


def test_study_supplied_item_texts():
    inst = get_instrument("STAI-state", {"STAI-state": [f"text {i}" for i in range(20)]})
    assert inst.items[0] == "text 0" and not inst.licensed_text
    with pytest.raises(DataError, match="has 3 items; expected 20"):
        get_instrument("STAI-state", {"STAI-state": ["a", "b", "c"]})


def test_parallel_allocation_balanced_in_blocks_and_reproducible():
    arms = ["placebo", "probiotic"]
    first = [parallel_arm(arms, seed=7, index=i) for i in range(40)]
    assert first == [parallel_arm(arms, seed=7, index=i) for i in range(40)]
    for b in range(10):
        assert Counter(first[4 * b : 4 * b + 4]) == {"placebo": 2, "probiotic": 2}
    assert first != [parallel_arm(arms, seed=8, index=i) for i in range(40)]


def test_nof1_sequences_pair_each_phase():
    seqs = {nof1_sequence(["A", "B"], n_pairs=2, seed=3, index=i) for i in range(64)}
    assert seqs == {"ABAB", "ABBA", "BAAB", "BABA"}
    for s in seqs:
        assert sorted(s[:2]) == ["A", "B"] and sorted(s[2:]) == ["A", "B"]


def test_phase_for_day():
    assert [phase_for_day("ABBA", 3, d) for d in (-1, 0, 2, 3, 6, 9, 12)] == [
        None, "A", "A", "B", "B", "A", None,
    ]  # fmt: skip


def test_window_crosses_midnight_in_study_timezone():
    clock = StudyClock("Europe/Amsterdam", "20:00", 6)
    day0 = dt.date(2026, 3, 2)
    w = clock.window(day0, 0)
    assert w.opens == dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)  # CET = UTC+1
    assert w.expires == dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)
    # 00:30 local the next day still belongs to day 0's window
    assert clock.current(day0, dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)).day == 0
    assert clock.current(day0, dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)) is None
    assert clock.current(day0, dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)) is None
    assert clock.next_window(day0, dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)).day == 1


def test_bad_timezone_and_window():
    with pytest.raises(DataError, match="timezone 'Mars/Base'"):
        StudyClock("Mars/Base")
    with pytest.raises(DataError, match="window_open '25:00'"):
        StudyClock("UTC", "25:00")


def test_rate_limiter_window():
    t = [0.0]
    rl = RateLimiter(2, 10, clock=lambda: t[0])
    rl.hit("k")
    assert not rl.blocked("k")
    rl.hit("k")
    assert rl.blocked("k")
    t[0] = 10.5
    assert not rl.blocked("k")


TOML = """
name = "JS-style N-of-1"
design = "nof1"
start = 2026-03-02
day0 = "first intervention day"
consent = "I agree."
[[phases]]
label = "A"
description = "placebo"
[[phases]]
label = "B"
description = "probiotic"
[nof1]
block_days = 7
pairs = 2
wash_in_days = 2
blinded = false
[diary]
timezone = "Europe/Paris"
window_open = "18:00"
window_hours = 8
[[diary.items]]
key = "stress"
kind = "vas"
label = "How stressed?"
risky_at = 95
[[visits]]
visit = "baseline"
day = 0
instruments = ["PHQ-9", "PANAS"]
"""


def test_study_toml_parses():
    s = study_from_toml(TOML)
    assert s.design == "nof1" and s.block_days == 7 and s.n_pairs == 2 and not s.blinded
    assert [i.key for i in s.items] == ["negative_affect", "positive_affect", "stress"]
    assert s.items[2].risky_at == 95
    assert s.visits[0].instruments == ["PHQ-9", "PANAS"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('design = "nof1"', 'design = "crossover"'), "does not run crossover studies"),
        (('label = "A"', 'label = "AA"'), r"phases\[1\].label = 'AA'; expected a single character"),
        (("pairs = 2", "pairs = 2\nfoo = 1"), "foo"),
        (("block_days = 7", "block_days = 0"), "block_days"),
        (('window_open = "18:00"', 'window_open = "6pm"'), "window_open"),
        (('"PHQ-9", "PANAS"', '"PHQ-9", "BDI"'), "= 'BDI'; expected an instrument"),
        (('kind = "vas"', 'kind = "slider"'), "kind"),
        (("[diary]", "x = [\n[diary]"), "is not valid TOML"),
    ],
)
def test_study_toml_errors_name_the_key(change, message):
    with pytest.raises(DataError, match=message):
        study_from_toml(TOML.replace(*change))


_PARALLEL = """
name = "P"
design = "parallel"
start = 2026-03-02
consent = "I agree."
[[arms]]
label = "a"
[[arms]]
label = "b"
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[nof1]\nblock_days = 0\n", r"^study\.toml: nof1\.block_days = 0; expected a value "),
        ("[nof1]\nwash_in_days = -1\n", r"^study\.toml: nof1\.wash_in_days = -1; expected "),
    ],
)
def test_block_bounds_hold_for_every_design(extra, message):
    with pytest.raises(DataError, match=message):
        study_from_toml(_PARALLEL + extra)


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (("[[phases]]", "[[arms]]"), lambda s: [a.label for a in s.arms] == ["A", "B"]),
        (("pairs = 2", "n_pairs = 2"), lambda s: s.n_pairs == 2),
        (("[diary]", "[diary]\nblinded = true"), lambda s: s.blinded),
        (("start = 2026-03-02", 'start = "2026-03-02"'), lambda s: s.start == dt.date(2026, 3, 2)),
    ],
)
def test_study_toml_accepts_what_it_always_did(change, check):
    """[[arms]] for phases, any field in [nof1] or [diary], a quoted start (as before the kit)."""
    assert check(study_from_toml(TOML.replace(*change)))


def test_a_parallel_study_may_name_its_arms_phases():
    s = study_from_toml(_PARALLEL.replace("[[arms]]", "[[phases]]"))
    assert s.design == "parallel" and [a.label for a in s.arms] == ["a", "b"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("risky_at = 95", 'min = "a"'),
            "study.toml: diary.items[1].min = 'a'; expected a valid number",
        ),
        (
            ('label = "B"', 'label = "B!"'),
            "study.toml: phases[2].label = 'B!'; expected a string matching pattern",
        ),
        (
            ("window_hours = 8", "window_hours = 0"),
            "study.toml: diary.window_hours = 0; expected a",
        ),
        (("pairs = 2", "pairs = 99"), "study.toml: nof1.pairs = 99; expected a value less than"),
        (("pairs = 2", "pairs = 2\nfoo = 1"), "study.toml: nof1.foo: unknown key"),
        (
            ("day = 0", "day = 0\nwindow_days = 0"),
            "study.toml: visits[1].window_days = 0; expected",
        ),
    ],
)
def test_schema_errors_name_the_file_key_and_value(change, message):
    with pytest.raises(DataError) as err:
        study_from_toml(TOML.replace(*change, 1))
    assert str(err.value).startswith(message)
