"""Daily diary observation model: reporting noise structure, floor, compliance, missingness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logit

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe import DiaryModel, likert_from_vas, observe_diary
from gutbrain.observe.diary import AffectReporting

FULL_COMPLIANCE = {"compliance_mean": 1.0, "compliance_sd": 0.0, "mnar_log_odds_per_10": 0.0}


def _noise_structure(diary: pd.DataFrame, column: str, far_lag: int) -> tuple[float, float]:
    """(lag-1 autocorrelation of the state noise, ICC) from logit-scale reports.

    With a constant latent at 50 (logit 0) the report is z = u_i + e_it, so across people
    cov(z_t, z_t+1) = s_T^2 + phi s_S^2, cov at a far lag ~ s_T^2 and var(z) = s_T^2 + s_S^2.
    """
    wide = diary.pivot(index="participant", columns="day", values=column)
    # A report of 0 or 100 (about 1 in 10^5 at mid-scale) would give an infinite logit.
    z = logit(np.clip(wide.to_numpy() / 100.0, 0.005, 0.995))
    z = z - z.mean()
    var = np.mean(z * z)
    cov1 = np.mean(z[:, 1:] * z[:, :-1])
    cov_far = np.mean(z[:, far_lag:] * z[:, :-far_lag])
    return (cov1 - cov_far) / (var - cov_far), cov_far / var


def test_output_columns_and_integer_vas(latent):
    diary = observe_diary(latent(50, range(-7, 28)), np.random.default_rng(1))
    assert list(diary.columns) == ["participant", "day", "negative_affect", "positive_affect"]
    for col in ("negative_affect", "positive_affect"):
        values = diary[col].to_numpy()
        assert np.all((values >= 0) & (values <= 100))
        assert np.all(values == np.rint(values))
    assert not diary.duplicated(["participant", "day"]).any()


def test_same_seed_same_diary(latent):
    frame = latent(20, range(14), negative_affect=np.linspace(0, 100, 20 * 14))
    a = observe_diary(frame, np.random.default_rng(7))
    b = observe_diary(frame, np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)


def test_row_order_of_the_latent_frame_does_not_matter(latent):
    frame = latent(10, range(10), negative_affect=np.linspace(0, 100, 100))
    shuffled = frame.sample(frac=1.0, random_state=3)
    a = observe_diary(frame, np.random.default_rng(2))
    b = observe_diary(shuffled, np.random.default_rng(2))
    pd.testing.assert_frame_equal(a, b)


def test_ar1_and_icc_of_reporting_noise_are_recovered(latent):
    """KUP2010 lag-1 NA 0.20-0.27 (midpoint 0.235 used), PA 0.27-0.33 (0.30); the reporting
    noise's own ICC is s_T^2 / (s_T^2 + s_S^2) from the parameter table (NA 0.8, PA 0.56; the
    state SDs are calibrated so that *reported* NA and PA, latent swings included, have MR2011's
    ICC of 0.5: tests/trials/test_js2025_placebo_arm.py).

    3,000 people x 40 days at mid-scale, full compliance, no floor. With equal trait and state
    SDs, estimates over 20 seeds averaged 0.235/0.300 (phi NA/PA) and 0.499/0.498 (ICC) with SDs
    of 0.004 (phi) and 0.008 (ICC), so rounding reports to integers adds no visible bias; the
    tolerance of 0.03 is about 4 SD of the ICC estimate.
    """
    model = DiaryModel(**FULL_COMPLIANCE)
    model = model.with_(na=AffectReporting(**{**vars(model.na), "floor": 0.0}))
    frame = latent(3000, range(40), negative_affect=50.0, positive_affect=50.0)
    diary = observe_diary(frame, np.random.default_rng(11), model)
    phi_na, icc_na = _noise_structure(diary, "negative_affect", far_lag=20)
    phi_pa, icc_pa = _noise_structure(diary, "positive_affect", far_lag=20)
    assert phi_na == pytest.approx(0.235, abs=0.03)
    assert phi_pa == pytest.approx(0.30, abs=0.03)
    for rep, icc in ((model.na, icc_na), (model.pa, icc_pa)):
        assert icc == pytest.approx(rep.trait_sd**2 / (rep.trait_sd**2 + rep.state_sd**2), abs=0.03)


def test_ar1_decays_over_gaps(latent):
    """Days 0, 2, 4 ... : lag between rows is 2 days, so correlation phi^2 (0.30^2 = 0.09)."""
    model = DiaryModel(**FULL_COMPLIANCE).with_(
        pa=AffectReporting(trait_sd=0.0, state_sd=0.5, ar1=0.30, floor=0.0)
    )
    frame = latent(3000, range(0, 40, 2), positive_affect=50.0)
    diary = observe_diary(frame, np.random.default_rng(5), model)
    z = logit(diary.pivot(index="participant", columns="day", values="positive_affect") / 100)
    z = z.to_numpy()
    r = np.mean(z[:, 1:] * z[:, :-1]) / np.mean(z * z)
    assert r == pytest.approx(0.09, abs=0.02)


def test_negative_affect_piles_up_at_the_floor(latent):
    """Healthy latent NA 7 (KUP2010 healthy mean): many exact zeros, median near 7."""
    diary = observe_diary(latent(2000, range(30)), np.random.default_rng(3))
    na = diary["negative_affect"]
    assert (na == 0).mean() > 0.05
    assert (na == 0).mean() > 3 * (na == 1).mean() + 0.01  # a spike at 0, not a smooth tail
    assert 5 <= na.median() <= 9
    pa = diary["positive_affect"]
    assert (pa == 0).mean() < 0.001  # PA sits mid-scale, no floor by default


def test_compliance_is_79_percent_on_average(latent):
    """WN2023: mean EMA compliance 79%. 2,000 people x 50 days; SE of the mean about 0.004."""
    frame = latent(2000, range(50), negative_affect=np.random.default_rng(0).uniform(0, 60, 100000))
    diary = observe_diary(frame, np.random.default_rng(4))
    assert len(diary) / len(frame) == pytest.approx(0.79, abs=0.015)
    per_person = diary.groupby("participant").size() / 50
    assert per_person.std() > 0.1  # people differ in compliance (SD 0.15 assumed)


def _missing_gap(frame: pd.DataFrame, diary: pd.DataFrame) -> float:
    """Mean latent NA on missed days minus on submitted days."""
    merged = frame.merge(diary[["participant", "day"]].assign(seen=True), how="left")
    seen = merged["seen"].notna().to_numpy()
    na = merged["negative_affect"]
    return float(na[~seen].mean() - na[seen].mean())


def test_mnar_skips_bad_days_and_mcar_does_not(latent):
    rng = np.random.default_rng(9)
    frame = latent(1000, range(40), negative_affect=rng.uniform(0, 80, 40000))
    mnar = observe_diary(frame, np.random.default_rng(1), DiaryModel(mnar_log_odds_per_10=0.5))
    mcar = observe_diary(frame, np.random.default_rng(1), DiaryModel(mnar_log_odds_per_10=0.0))
    assert _missing_gap(frame, mnar) > 3.0
    assert abs(_missing_gap(frame, mcar)) < 1.0


def test_likert_items(latent):
    model = DiaryModel(likert_points=5)
    frame = latent(200, range(20), negative_affect=np.linspace(0, 100, 4000))
    diary = observe_diary(frame, np.random.default_rng(2), model)
    for vas, item in (("negative_affect", "na_likert"), ("positive_affect", "pa_likert")):
        assert set(diary[item].unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
        order = diary.sort_values(vas)
        assert order[item].is_monotonic_increasing


def test_likert_from_vas_bins():
    out = likert_from_vas(np.array([0, 19.9, 20, 59, 60, 99, 100, np.nan]), 5)
    np.testing.assert_array_equal(out, [1, 1, 2, 3, 4, 5, 5, np.nan])


def test_skipped_items_are_nan(latent):
    model = DiaryModel(item_skip_prob=0.1)
    diary = observe_diary(latent(300, range(20)), np.random.default_rng(2), model)
    share = diary["negative_affect"].isna().mean()
    assert share == pytest.approx(0.1, abs=0.02)


@settings(max_examples=40, deadline=None)
@given(
    na=st.lists(st.floats(0, 100), min_size=1, max_size=15),
    pa=st.floats(0, 100),
    seed=st.integers(0, 2**32 - 1),
    likert=st.sampled_from([None, 3, 5, 7]),
)
def test_reports_always_on_the_scale(na, pa, seed, likert):
    frame = pd.DataFrame(
        {
            "participant": ["a"] * len(na),
            "day": np.arange(len(na)),
            "negative_affect": na,
            "positive_affect": pa,
        }
    )
    diary = observe_diary(frame, np.random.default_rng(seed), DiaryModel(likert_points=likert))
    for col in ("negative_affect", "positive_affect"):
        v = diary[col].to_numpy()
        assert np.all((v >= 0) & (v <= 100) & (v == np.rint(v)))
    if likert:
        assert diary["na_likert"].between(1, likert).all()


def test_bad_latent_frames_raise_data_errors(latent):
    frame = latent(2, range(3))
    with pytest.raises(DataError, match="negative_affect"):
        observe_diary(frame.drop(columns="negative_affect"), np.random.default_rng(0))
    with pytest.raises(DataError, match="duplicates"):
        observe_diary(pd.concat([frame, frame.iloc[[0]]]), np.random.default_rng(0))
    bad = frame.copy()
    bad.loc[2, "negative_affect"] = 120.0
    with pytest.raises(DataError, match=r"row 2, column 'negative_affect' = 120"):
        observe_diary(bad, np.random.default_rng(0))
    with pytest.raises(DataError, match="day"):
        observe_diary(frame.assign(day=frame["day"] + 0.5), np.random.default_rng(0))


def test_bad_parameters_raise_parameter_errors():
    with pytest.raises(ParameterError, match="compliance_sd"):
        DiaryModel(compliance_sd=0.5)
    with pytest.raises(ParameterError, match="ar1"):
        AffectReporting(trait_sd=0.5, state_sd=0.5, ar1=1.0, floor=0.0)
    with pytest.raises(ParameterError, match="likert_points"):
        DiaryModel(likert_points=1)
