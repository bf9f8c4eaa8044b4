"""Questionnaires at visits: published test-retest reliability, recall windows, score ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe import (
    RESPONSE_MODELS,
    administer,
    draw_respondents,
    response_model,
    true_scores,
)

# Published ranges for the STAI (STAI manual, via EVIDENCE.md): the model uses the midpoints.
STAI_RANGES = {"STAI-state": (0.16, 0.62), "STAI-trait": (0.65, 0.86)}


def _population_at_true_scores(inst, scores: np.ndarray) -> pd.DataFrame:
    """One latent day per person whose construct gives the wanted true score.

    Constructs are weighted sums with weights +-1 (one column) or +-0.5 on NA and PA with
    offset 0.5 (STAI); setting each column to c (positive weight) or 1 - c (negative weight),
    on its 0-1 scale, gives construct c in both cases.
    """
    c = np.clip(np.asarray(inst.construct_for_score(scores)), 0.0, 1.0)
    frame = pd.DataFrame({"participant": [f"p{i:05d}" for i in range(len(scores))], "day": 0})
    for col, weight in inst.weights:
        scale = 100.0 if col in ("negative_affect", "positive_affect") else 1.0
        frame[col] = scale * (c if weight > 0 else 1.0 - c)
    return frame


@pytest.mark.parametrize("name", sorted(RESPONSE_MODELS))
def test_retest_reliability_reproduces_the_published_figure(name):
    """Two administrations with an unchanged latent state correlate as published.

    Reference: each instrument's ``retest_r`` in instruments.toml (PHQ-9 0.74, PMC7525967;
    PANAS 1 week PA 0.79, NA 0.81; STAI trait 0.65-0.86 and state 0.16-0.62, midpoints; GAD-7
    ICC 0.83, Spitzer 2006; others as cited there). The population's true scores have SD
    ref_sd * sqrt(r): the latent part has variance r ref_sd^2 - person_sd^2 and the stable person
    offsets (one respondent table for both administrations) the rest. The latent part is centred
    in the score range the latent can reach, so that clipping touches few people. Tolerance
    0.02: with n = 20,000 the SE of r is at most 0.006, rounding to integers adds 1/12 to the
    error variance (r drops by < 0.005), and clipping at the score and latent bounds lowers r by
    about 0.01 (PSWQ and BDI-II).
    """
    inst = response_model(name)
    r_published = inst.instrument.retest_r
    rng = np.random.default_rng(2024)
    reach_lo = max(inst.instrument.min, inst.intercept)
    reach_hi = min(inst.instrument.max, inst.intercept + inst.slope)
    n = 20_000
    latent_sd = np.sqrt(r_published * inst.ref_sd**2 - inst.person_sd**2)
    scores = rng.normal((reach_lo + reach_hi) / 2, latent_sd, n)
    frame = _population_at_true_scores(inst, scores)
    people = draw_respondents(frame["participant"], rng)
    first = administer(frame, {"test": 0}, [name], rng, respondent=people)
    second = administer(frame, {"retest": 0}, [name], rng, respondent=people)
    r = np.corrcoef(first["score"], second["score"])[0, 1]
    assert r == pytest.approx(r_published, abs=0.02)
    if name in STAI_RANGES:
        lo, hi = STAI_RANGES[name]
        assert lo <= r <= hi


def test_person_offsets_are_stable_and_scaled_by_person_sd(latent):
    """The respondent table's z moves a person's true score by person_sd * z at every visit;
    without a table, true_scores leaves the offset out."""
    frame = latent(2, range(28))
    people = pd.DataFrame(
        {name: [1.5, -2.0] for name in RESPONSE_MODELS}, index=pd.Index(["p00000", "p00001"])
    )
    names = ["PANAS-NA", "PSWQ", "HAMD-17"]
    bare = true_scores(frame, {"pre": 6, "post": 27}, names)
    moved = true_scores(frame, {"pre": 6, "post": 27}, names, respondent=people)
    shift = moved["true_score"] - bare["true_score"]
    tau = moved["instrument"].map({n: response_model(n).person_sd for n in names})
    z = moved["participant"].map({"p00000": 1.5, "p00001": -2.0})
    np.testing.assert_allclose(shift, tau * z, rtol=1e-12)
    assert response_model("PSWQ").person_sd > 10  # most of PSWQ's spread is stable self-description


def test_respondent_table_problems_are_data_errors(latent):
    frame = latent(2, range(14))
    full = draw_respondents(["p00000", "p00001"], np.random.default_rng(1))
    rng = np.random.default_rng(0)
    with pytest.raises(DataError, match=r"participant 'p00001'.*'PANAS-NA'"):
        administer(frame, {"v": 13}, ["PANAS-NA"], rng, respondent=full.iloc[:1])
    with pytest.raises(DataError, match=r"no column 'PSWQ'"):
        administer(frame, {"v": 13}, ["PSWQ"], rng, respondent=full.drop(columns="PSWQ"))
    with pytest.raises(DataError, match=r"'p00000' appears twice"):
        administer(frame, {"v": 13}, ["PSWQ"], rng, respondent=pd.concat([full, full]))


def test_draw_respondents_per_person_streams_do_not_depend_on_company():
    """With one Generator per person, a person's offsets do not depend on who else is drawn."""
    seqs = [np.random.SeedSequence(7, spawn_key=(k,)) for k in range(3)]
    three = draw_respondents(["a", "b", "c"], [np.random.default_rng(s) for s in seqs])
    one = draw_respondents(["c"], [np.random.default_rng(seqs[2])])
    pd.testing.assert_series_equal(three.loc["c"], one.loc["c"])
    assert list(three.columns) == list(RESPONSE_MODELS)
    with pytest.raises(ParameterError, match="2 generators for 3 participants"):
        draw_respondents(["a", "b", "c"], [np.random.default_rng(s) for s in seqs[:2]])


def test_perceived_stress_above_one_is_read_and_pss10_clips_at_its_maximum(latent):
    """The model declares perceived stress 0-1+ (states.py): stressors beyond the reference day
    push it above 1, and PSS-10 reports its maximum, 40 (a trial used to stop with a range
    error on such a day)."""
    frame = latent(1, range(3), perceived_stress=1.5)
    v = administer(frame, {"v": 2}, ["PSS-10"], np.random.default_rng(0))
    assert v["score"].iloc[0] == 40


def test_population_builder_hits_the_true_scores():
    inst = response_model("STAI-state")
    scores = np.array([25.0, 50.0, 75.0])
    frame = _population_at_true_scores(inst, scores)
    got = true_scores(frame, {"v": 0}, ["STAI-state"])["true_score"].to_numpy()
    np.testing.assert_allclose(got, scores)


def test_healthy_adult_lands_near_published_norms(latent):
    """NA 7, PA 60 (KUP2010) and severities 0.1: PANAS-NA 12.8 (norm 16.0, Crawford & Henry
    2004, whose mean includes people above the floor), PANAS-PA 34 (norm 31.3), STAI-state 34.1
    (adult norm about 35), PHQ-9 3 (general population 2.9, Kocalevent 2013)."""
    names = ["PANAS-NA", "PANAS-PA", "STAI-state", "PHQ-9"]
    t = true_scores(latent(1, range(14)), {"v": 13}, names).set_index("instrument")
    assert t.at["PANAS-NA", "true_score"] == pytest.approx(12.8)
    assert t.at["PANAS-PA", "true_score"] == pytest.approx(34.0)
    assert t.at["STAI-state", "true_score"] == pytest.approx(34.1)
    assert t.at["PHQ-9", "true_score"] == pytest.approx(3.0)


def test_recall_window_is_respected(latent):
    """PANAS-NA reads the past 7 days; PHQ-9 the past 14; STAI-state only the visit day."""
    na = np.r_[np.full(7, 80.0), np.full(7, 20.0)]
    dep = np.r_[np.full(7, 0.8), np.full(7, 0.2)]
    frame = latent(1, range(14), negative_affect=na, depression_severity=dep)
    t = true_scores(frame, {"v": 13}, ["PANAS-NA", "PHQ-9", "STAI-state"]).set_index("instrument")
    assert t.at["PANAS-NA", "true_score"] == pytest.approx(10 + 0.4 * 20)
    phq = response_model("PHQ-9")
    assert t.at["PHQ-9", "true_score"] == pytest.approx(phq.intercept + phq.slope * 0.5)
    assert t.at["STAI-state", "true_score"] == pytest.approx(20 + 60 * (0.1 + 0.2))


def test_schedule_frame_and_output_table(latent):
    frame = latent(3, range(-7, 29))
    schedule = pd.DataFrame(
        {"participant": ["p00000", "p00001", "p00002"], "visit": "post", "day": [27, 28, 28]}
    )
    visits = administer(frame, schedule, ["PANAS-NA", "STAI-trait"], np.random.default_rng(0))
    assert list(visits.columns) == ["participant", "visit", "day", "instrument", "score"]
    assert len(visits) == 6
    assert visits["score"].dtype == np.int64


def test_same_seed_same_scores(latent):
    frame = latent(30, range(28), depression_severity=np.linspace(0, 1, 30 * 28))
    a = administer(frame, {"b": 13, "p": 27}, ["PHQ-9", "HAMD-17"], np.random.default_rng(5))
    b = administer(frame, {"b": 13, "p": 27}, ["PHQ-9", "HAMD-17"], np.random.default_rng(5))
    pd.testing.assert_frame_equal(a, b)


def test_row_order_of_the_latent_frame_does_not_matter(latent):
    """A sorted frame is read as it is and a shuffled one is sorted first: the same scores."""
    frame = latent(12, range(28), negative_affect=np.linspace(0, 100, 12 * 28))
    shuffled = frame.sample(frac=1.0, random_state=4)
    names = ["PANAS-NA", "STAI-state", "PSWQ"]
    a = administer(frame, {"b": 6, "p": 27}, names, np.random.default_rng(5))
    b = administer(shuffled, {"b": 6, "p": 27}, names, np.random.default_rng(5))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a["instrument"].unique()) == names  # instrument by instrument, as drawn


@settings(max_examples=40, deadline=None)
@given(
    dep=st.floats(0, 1),
    anx=st.floats(0, 1),
    stress=st.floats(0, 1),
    na=st.floats(0, 100),
    pa=st.floats(0, 100),
    seed=st.integers(0, 2**32 - 1),
)
def test_scores_always_inside_instrument_ranges(dep, anx, stress, na, pa, seed):
    frame = pd.DataFrame(
        {
            "participant": "a",
            "day": [0, 1],
            "depression_severity": dep,
            "anxiety_severity": anx,
            "perceived_stress": stress,
            "negative_affect": na,
            "positive_affect": pa,
        }
    )
    visits = administer(frame, {"v": 1}, list(RESPONSE_MODELS), np.random.default_rng(seed))
    for rec in visits.itertuples():
        inst = RESPONSE_MODELS[rec.instrument].instrument
        assert inst.min <= rec.score <= inst.max


def test_visit_without_latent_days_is_a_data_error(latent):
    with pytest.raises(DataError, match="day 40"):
        administer(latent(1, range(14)), {"late": 40}, ["PANAS-NA"], np.random.default_rng(0))


def test_self_view_day_without_latent_days_is_a_data_error(latent):
    with pytest.raises(DataError, match=r"first visit .*up to day -30"):
        administer(latent(1, range(14)), {"v": 13}, ["PANAS-NA"], np.random.default_rng(0), -30)


def test_unknown_instrument_is_a_parameter_error(latent):
    with pytest.raises(ParameterError, match="HADS"):
        administer(latent(1, range(14)), {"v": 3}, ["HADS"], np.random.default_rng(0))


def test_missing_latent_column_names_it(latent):
    frame = latent(1, range(3)).drop(columns="perceived_stress")
    with pytest.raises(DataError, match="perceived_stress"):
        administer(frame, {"v": 2}, ["PSS-10"], np.random.default_rng(0))


def _stepped_na(before: float, after: float) -> pd.DataFrame:
    """One person, days -7..27, latent NA ``before`` until day 13 and ``after`` from day 14."""
    days = np.arange(-7, 28)
    na = np.where(days < 14, before, after)
    return pd.DataFrame(
        {"participant": "p1", "day": days, "negative_affect": na, "positive_affect": 60.0}
    )


@pytest.mark.parametrize("name", ["PANAS-NA", "STAI-state"])
def test_a_change_between_visits_moves_the_score_by_the_experience_weight(name):
    """PANAS-NA ('past week', w = 0.5) moves by half a latent change; STAI-state ('right now',
    w = 1) by all of it (Robinson & Clore 2002's accessibility model; weights assumed,
    response_models.csv). The pre visit reads only the baseline either way."""
    inst = response_model(name)
    flat = true_scores(_stepped_na(20.0, 20.0), {"pre": -1, "post": 27}, [name])
    step = true_scores(_stepped_na(20.0, 40.0), {"pre": -1, "post": 27}, [name])
    lived = inst.slope * 0.20 * dict(inst.weights)["negative_affect"]  # all of the change
    moved = step["true_score"].to_numpy() - flat["true_score"].to_numpy()
    assert moved[0] == pytest.approx(0.0, abs=1e-12)
    assert moved[1] == pytest.approx(inst.experience_weight * lived, rel=1e-12)
    assert inst.experience_weight == (0.5 if name == "PANAS-NA" else 1.0)


def test_visits_administered_one_at_a_time_share_the_first_visits_self_view():
    """The trial engine administers each visit on its own; ``self_view_day`` gives the post
    visit the same self-view as when both visits are administered together."""
    frame = _stepped_na(20.0, 40.0)
    both = true_scores(frame, {"pre": -1, "post": 27}, ["PANAS-NA"])
    alone = true_scores(frame, {"post": 27}, ["PANAS-NA"], self_view_day=-1)
    assert alone["true_score"].iloc[0] == both["true_score"].iloc[1]
    # without it, the post visit is its own first visit and reads the lived week only
    own = true_scores(frame, {"post": 27}, ["PANAS-NA"])
    assert own["true_score"].iloc[0] == pytest.approx(10.0 + 40.0 * 0.40)


def test_experience_weight_outside_0_1_is_rejected():
    import dataclasses

    with pytest.raises(ParameterError, match=r"experience_weight = 0\.0; expected 0 < w <= 1"):
        dataclasses.replace(response_model("PANAS-NA"), experience_weight=0.0)
