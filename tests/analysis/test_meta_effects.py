"""Effect-size helpers against metafor's escalc(), plus their input checks and invariants.

Reference: tests/reference/meta_dat_*.csv, written by tests/reference/meta_metafor.R with
metafor 3.8-1. The R calls::

    escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    escalc(measure="SMD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i,
           data=dat.normand1999)
    escalc(measure="MD", ... same arguments ...)
    escalc(measure="ZCOR", ri=ri, ni=ni, data=dat.molloy2014)
"""

from __future__ import annotations

import numpy as np
import pytest
from _meta_reference import bcg, molloy, normand
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.analysis.meta import fisher_z, log_risk_ratio, mean_difference, smd
from gutbrain.analysis.meta.effects import hedges_correction
from gutbrain.errors import DataError


def test_smd_matches_escalc_normand1999():
    """R: escalc(measure="SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999)."""
    d = normand()
    es = smd(d.m1i, d.sd1i, d.n1i, d.m2i, d.sd2i, d.n2i)
    np.testing.assert_allclose(es.yi, d.smd_yi, rtol=1e-12)
    np.testing.assert_allclose(es.vi, d.smd_vi, rtol=1e-12)
    assert es.measure == "SMD"


def test_md_matches_escalc_normand1999():
    """R: escalc(measure="MD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999)."""
    d = normand()
    es = mean_difference(d.m1i, d.sd1i, d.n1i, d.m2i, d.sd2i, d.n2i)
    np.testing.assert_allclose(es.yi, d.md_yi, rtol=1e-12)
    np.testing.assert_allclose(es.vi, d.md_vi, rtol=1e-12)


def test_rr_matches_escalc_bcg():
    """R: escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)."""
    d = bcg()
    es = log_risk_ratio(d.tpos, d.tneg, d.cpos, d.cneg)
    np.testing.assert_allclose(es.yi, d.yi, rtol=1e-12)
    np.testing.assert_allclose(es.vi, d.vi, rtol=1e-12)


def test_zcor_matches_escalc_molloy2014():
    """R: escalc(measure="ZCOR", ri=ri, ni=ni, data=dat.molloy2014)."""
    d = molloy()
    es = fisher_z(d.ri, d.ni)
    np.testing.assert_allclose(es.yi, d.yi, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(es.vi, d.vi, rtol=1e-12)


def test_rr_zero_cell_adds_one_half_to_that_study_only():
    """metafor's add=1/2, to="only0": log((0.5/10.5)/(3.5/11)) for a zero cell."""
    es = log_risk_ratio([0, 4], [10, 6], [3, 2], [8, 8])
    assert es.yi[0] == pytest.approx(np.log((0.5 / 11.0) / (3.5 / 12.0)))
    assert es.vi[0] == pytest.approx(1 / 0.5 - 1 / 11.0 + 1 / 3.5 - 1 / 12.0)
    assert es.yi[1] == pytest.approx(np.log((4 / 10) / (2 / 10)))


def test_hedges_correction_known_values():
    """c(m) = 1 - 3/(4m - 1) to O(m^-2) (Hedges 1981); c(10) = 0.92274560 exactly."""
    assert hedges_correction(10.0) == pytest.approx(0.9227456, abs=1e-7)
    assert hedges_correction(1000.0) == pytest.approx(1 - 3 / (4 * 1000 - 1), abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    m1=st.floats(-50, 50),
    m2=st.floats(-50, 50),
    sd1=st.floats(0.1, 20),
    sd2=st.floats(0.1, 20),
    n1=st.integers(2, 300),
    n2=st.integers(2, 300),
)
def test_smd_swapping_groups_flips_sign_keeps_variance(m1, m2, sd1, sd2, n1, n2):
    a = smd([m1], [sd1], [n1], [m2], [sd2], [n2])
    b = smd([m2], [sd2], [n2], [m1], [sd1], [n1])
    assert a.yi[0] == pytest.approx(-b.yi[0], abs=1e-12)
    assert a.vi[0] == pytest.approx(b.vi[0], rel=1e-12)
    assert a.vi[0] >= 1 / n1 + 1 / n2 - 1e-15


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sd1i": [0.0]}, "sd1i[0] = 0: expected a standard deviation > 0"),
        ({"n2i": [0]}, "n2i[0] = 0: expected a group size >= 1"),
        ({"m1i": [float("nan")]}, "m1i[0] = nan: expected a finite number"),
        ({"m2i": [1.0, 2.0]}, "m2i: has 2 values but the other inputs have 1"),
    ],
)
def test_smd_rejects_bad_input(kwargs, fragment):
    args = {"m1i": [1.0], "sd1i": [1.0], "n1i": [10], "m2i": [0.0], "sd2i": [1.0], "n2i": [10]}
    args.update(kwargs)
    with pytest.raises(DataError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        smd(**args)


def test_zcor_and_rr_reject_bad_input():
    with pytest.raises(DataError, match=r"ri\[1\] = 1: expected a correlation"):
        fisher_z([0.2, 1.0], [20, 20])
    with pytest.raises(DataError, match=r"ni\[0\] = 3: expected a sample size > 3"):
        fisher_z([0.2], [3])
    with pytest.raises(DataError, match=r"ci\[0\] = -1: expected a count >= 0"):
        log_risk_ratio([1], [2], [-1], [3])


def test_effect_sizes_summary_and_dict():
    es = smd([1.0, 2.0], [1.0, 1.0], [20, 30], [0.0, 0.0], [1.0, 1.0], [20, 30])
    frame = es.summary()
    assert list(frame.columns) == ["yi", "vi", "sei"]
    np.testing.assert_allclose(frame.sei**2, frame.vi)
    assert es.to_dict()["measure"] == "SMD"
    assert repr(es) == "EffectSizes(measure='SMD', k=2)"
