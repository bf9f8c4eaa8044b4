"""Biomarkers: DOW2010 depressed-minus-control differences, unit-mean noise, units, errors.

The published population levels, the diurnal rhythm and a trial bundle carrying the new markers
are tested in ``test_measurement_models.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.errors import DataError, ParameterError
from gutbrain.observe import biomarker_mappings, mapping_summary, measure_biomarkers, parameter

UNITS = {
    "acth": "pg/mL",
    "plasma_cortisol_am": "nmol/L",
    "plasma_cortisol_pm": "nmol/L",
    "salivary_cortisol_am": "nmol/L",
    "salivary_cortisol_pm": "nmol/L",
    "urinary_free_cortisol": "nmol/24h",
    "crp": "mg/L",
    "il6": "pg/mL",
    "tnfa": "pg/mL",
    "faecal_butyrate": "umol/g",
    "faecal_propionate": "umol/g",
    "faecal_acetate": "umol/g",
}

# DOW2010 (Dowlati et al. 2010, Biol Psychiatry 67:446): weighted mean differences, depressed
# minus controls, with 95% CIs.
DOW2010 = {"il6": (1.78, 1.23, 2.33), "tnfa": (3.97, 2.24, 5.71)}


def _two_groups(latent, n: int, level: float) -> pd.DataFrame:
    inflammation = np.r_[np.ones(n), np.full(n, level)]
    return latent(2 * n, [0], inflammation=inflammation)


@pytest.mark.parametrize("marker", sorted(DOW2010))
def test_dow2010_differences_at_the_documented_depression_level(latent, marker):
    """100,000 controls (inflammation 1) vs 100,000 depressed (the documented level, 1.5).

    The simulated mean difference must lie inside DOW2010's 95% CI and within 0.1 pg/mL (IL-6)
    or 0.2 pg/mL (TNF) of the point estimate. With IL-6's between-person spread matched to the
    healthy population (CV about 0.9), the Monte-Carlo SE of the difference is about 0.024 pg/mL
    (TNF 0.018), so the tolerance is 4 SE or more.
    """
    n = 100_000
    level = parameter("biomarkers.depression_inflammation")
    frame = _two_groups(latent, n, level)
    table = measure_biomarkers(frame, [0], np.random.default_rng(8), [marker])
    depressed = table["participant"].map(frame.set_index("participant")["inflammation"]) > 1
    diff = table["value"][depressed].mean() - table["value"][~depressed].mean()
    point, lo, hi = DOW2010[marker]
    assert lo <= diff <= hi
    assert diff == pytest.approx(point, abs=0.1 if marker == "il6" else 0.2)


def test_recalibrating_the_depression_level_moves_the_exponents(latent):
    """At x_D = 2 the exponents change but the expected DOW2010 differences still hold."""
    mappings = biomarker_mappings(depression_inflammation=2.0)
    for marker, (point, _, _) in DOW2010.items():
        m = mappings[marker]
        assert m.expected(2.0) - m.expected(1.0) == pytest.approx(point)
    assert mappings["crp"].exponent == mappings["il6"].exponent
    with pytest.raises(ParameterError, match="depression_inflammation"):
        biomarker_mappings(depression_inflammation=1.0)


def test_noise_factors_have_unit_mean(latent):
    """E[y] = R r x^beta: the three log-normal factors have mean 1 (50,000 people).

    The tolerance is 4 Monte-Carlo SEs of each marker's mean, from its total CV (CRP's, 1.8, is
    the largest: SE 0.8% of the mean)."""
    n = 50_000
    frame = latent(n, [0], acth=0.8, cortisol=1.3, inflammation=1.2, butyrate=0.7)
    table = measure_biomarkers(frame, [0], np.random.default_rng(3))
    mappings = biomarker_mappings()
    latent_value = {"acth": 0.8, "cortisol": 1.3, "inflammation": 1.2, "butyrate": 0.7}
    for marker, group in table.groupby("marker"):
        m = mappings[str(marker)]
        expected = float(m.expected(latent_value[m.latent]))
        cv = np.sqrt(np.expm1(m.population_sd_log() ** 2))
        assert group["value"].mean() == pytest.approx(expected, rel=4 * cv / np.sqrt(n))


def test_table_columns_units_and_order(latent):
    frame = latent(4, range(29))
    table = measure_biomarkers(frame, [0, 28], np.random.default_rng(0))
    assert list(table.columns) == ["participant", "day", "marker", "value", "unit"]
    assert len(table) == 4 * 2 * len(UNITS)
    assert dict(zip(table["marker"], table["unit"], strict=True)) == UNITS


@pytest.mark.parametrize("marker", ["crp", "salivary_cortisol_am"])
def test_schedule_frame_and_person_level_factor(latent, marker):
    """Repeated samples of one person share the person factor: they correlate across days with
    the ICC person / (person + occasion + assay) of the log-variances (3,000 people; tolerance 4
    SEs of a correlation, 4 (1 - ICC^2) / sqrt(n))."""
    n = 3000
    frame = latent(n, [0, 7])
    schedule = frame[["participant", "day"]]
    table = measure_biomarkers(frame, schedule, np.random.default_rng(1), [marker])
    wide = table.pivot(index="participant", columns="day", values="value")
    r = np.corrcoef(np.log(wide[0]), np.log(wide[7]))[0, 1]
    m = biomarker_mappings()[marker]
    icc = np.log1p(m.person_cv**2) / m.population_sd_log() ** 2
    # CRP: person 1.267 of 1.433 (NHANES spread, MACY1997 within-person CV) -> ICC 0.88
    assert r == pytest.approx(icc, abs=4 * (1 - icc**2) / np.sqrt(n))


def test_mapping_summary_lists_sources():
    summary = mapping_summary()
    assert set(summary["marker"]) == set(UNITS)
    assert summary["source"].str.len().gt(10).all()


def test_same_seed_same_values(latent):
    frame = latent(10, range(5), inflammation=np.linspace(0.5, 3, 50))
    a = measure_biomarkers(frame, [0, 4], np.random.default_rng(4))
    b = measure_biomarkers(frame, [0, 4], np.random.default_rng(4))
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(
    acth=st.floats(0.05, 10),
    cortisol=st.floats(0.05, 10),
    inflammation=st.floats(0.05, 10),
    butyrate=st.floats(0.05, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_values_are_positive_and_finite(acth, cortisol, inflammation, butyrate, seed):
    frame = pd.DataFrame(
        {
            "participant": "a",
            "day": [0],
            "acth": acth,
            "cortisol": cortisol,
            "inflammation": inflammation,
            "butyrate": butyrate,
        }
    )
    values = measure_biomarkers(frame, [0], np.random.default_rng(seed))["value"].to_numpy()
    assert np.all(np.isfinite(values) & (values > 0))


def test_errors_name_what_is_wrong(latent):
    frame = latent(2, range(3))
    with pytest.raises(DataError, match="no latent day 9"):
        measure_biomarkers(frame, [9], np.random.default_rng(0))
    with pytest.raises(ParameterError, match="bdnf"):
        measure_biomarkers(frame, [0], np.random.default_rng(0), ["bdnf"])
    with pytest.raises(DataError, match="inflammation"):
        measure_biomarkers(frame.drop(columns="inflammation"), [0], np.random.default_rng(0))
