"""read_effects: EFFECTS tables in their accepted forms, and errors that name file, row, column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _meta_reference import bcg, metafor, normand, table
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbrain.analysis.meta import read_effects
from gutbrain.errors import DataError


def write(tmp_path, text: str, name: str = "effects.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_yi_vi_with_text_and_numeric_extra_columns(tmp_path):
    d = bcg()
    study = d.author + ", " + d.year.astype(str)
    frame = pd.DataFrame(
        {"study": study, "yi": d.yi, "vi": d.vi, "alloc": d.alloc, "ablat": d.ablat}
    )
    path = tmp_path / "bcg.csv"
    frame.to_csv(path, index=False)
    table = read_effects(path)
    assert table.k == 13 and table.source == "yi/vi"
    np.testing.assert_array_equal(table.effects.yi, d.yi)
    assert table.column("alloc").tolist() == d.alloc.tolist()
    assert table.moderators(["ablat"])["ablat"].dtype == float
    assert table.summary().shape == (13, 4)


def test_reads_sei_and_raw_means(tmp_path):
    table = read_effects(write(tmp_path, "study,yi,sei\nA,0.1,0.2\nB,0.3,0.1\n"))
    np.testing.assert_allclose(table.effects.vi, [0.04, 0.01])
    d = normand()
    raw = d[["study", "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"]]
    path = tmp_path / "raw.csv"
    raw.to_csv(path, index=False)
    smd = read_effects(path)
    assert smd.source == "SMD from means"
    np.testing.assert_allclose(smd.effects.yi, d.smd_yi, rtol=1e-12)
    md = read_effects(path, measure="MD")
    np.testing.assert_allclose(md.effects.vi, d.md_vi, rtol=1e-12)


def test_reads_parquet(tmp_path):
    path = tmp_path / "e.parquet"
    pd.DataFrame({"study": ["a", "b"], "yi": [0.1, 0.2], "vi": [0.01, 0.02]}).to_parquet(path)
    assert read_effects(path).k == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "study,yi,vi\nA,0.1,0.01\nB,abc,0.02\n",
            "row 3 (study 'B'), column 'yi' = 'abc'; expected a finite number",
        ),
        (
            "study,yi,vi\nA,0.1,0.01\nB,0.2,\n",
            "row 3 (study 'B'), column 'vi': empty cell; expected a finite number",
        ),
        (
            "study,yi,vi\nA,0.1,-0.01\n",
            "row 2 (study 'A'), column 'vi' = -0.01; expected a sampling variance > 0",
        ),
        (
            "study,yi,vi\nA,0.1,0.01\nA,0.2,0.02\n",
            "row 3, column 'study' = 'A'; expected a label not already used on row 2",
        ),
        ("yi,vi\n0.1,0.01\n", "missing column 'study'"),
        ("study,yi\nA,0.1\n", "missing column 'vi' (sampling variance) or 'sei'"),
        ("study,yi,vi,sei\nA,0.1,0.01,0.1\n", "has both 'vi' and 'sei'"),
        ("study,yi,vi\n", "no rows"),
        ("study,m1i,sd1i,n1i,m2i,sd2i\nA,1,1,10,0,1\n", "missing ['n2i']"),
        (
            "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,1,1,10.5,0,1,10\n",
            "column 'n1i' = 10.5; expected a whole number",
        ),
        (
            "study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,1,0,10,0,1,10\n",
            "column 'sd1i' = 0.0; expected a standard deviation > 0",
        ),
        (
            "study,yi,vi,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,0.1,0.01,1,1,10,0,1,10\n",
            "has 'yi' (measure GEN) and means columns",
        ),
    ],
)
def test_bad_tables_name_file_row_column_and_value(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_effects(path)
    message = str(info.value)
    assert str(path) in message
    assert fragment in message


def test_missing_file_and_unknown_columns(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_effects(tmp_path / "nope.csv")
    table = read_effects(write(tmp_path, "study,yi,vi,alloc\nA,0.1,0.01,x\nB,0.2,0.02,\n"))
    with pytest.raises(
        DataError,
        match="no column 'region'; columns available as subgroup or moderator: \\['alloc'\\]",
    ):
        table.column("region")
    with pytest.raises(DataError, match="row 3 \\(study 'B'\\), column 'alloc': empty cell"):
        table.column("alloc")
    with pytest.raises(DataError, match="measure = 'LOR'"):
        read_effects(tmp_path / "effects.csv", measure="LOR")


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.floats(-5, 5, allow_nan=False), st.floats(1e-4, 10, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_round_trip_of_written_tables(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("rt") / "e.csv"
    frame = pd.DataFrame(
        {
            "study": [f"s{i}" for i in range(len(rows))],
            "yi": [r[0] for r in rows],
            "vi": [r[1] for r in rows],
        }
    )
    frame.to_csv(path, index=False)
    table = read_effects(path)
    np.testing.assert_allclose(table.effects.yi, frame.yi, rtol=1e-15)
    np.testing.assert_allclose(table.effects.vi, frame.vi, rtol=1e-15)
    assert table.studies == tuple(frame.study)


def test_an_effect_column_is_not_a_moderator(tmp_path):
    """``--mods yi`` used to regress the effects on themselves."""
    table = read_effects(write(tmp_path, "study,yi,vi,alloc\nA,0.1,0.01,x\nB,0.2,0.02,y\n"))
    for name in ("yi", "vi", "study"):
        with pytest.raises(DataError, match=f"column '{name}': holds the effects or their inputs"):
            table.column(name)


def test_effects_out_of_double_precision_range_name_the_row(tmp_path):
    with pytest.raises(DataError, match=r"row 3 \(study 'B'\), column 'yi' = 1e\+200"):
        read_effects(write(tmp_path, "study,yi,vi\nA,0.1,0.01\nB,1e200,0.02\n"))
    with pytest.raises(DataError, match=r"row 2 \(study 'A'\), column 'sei squared' = 1e-120"):
        read_effects(write(tmp_path, "study,yi,sei\nA,0.1,1e-60\nB,0.2,0.02\n"))


def test_trial_label_and_count_columns_are_read_like_escalc(tmp_path):
    """metafor's dat.bcg layout (trial, tpos, tneg, cpos, cneg) and ai/n1i/ci/n2i counts.

    R: escalc("OR"/"RR"/"RD", ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.nielweise2007)."""
    d = table("nielweise2007")
    path = tmp_path / "nw.csv"
    d.rename(columns={"study": "trial"}).to_csv(path, index=False)
    ref = metafor()["cases"]["escalc"]
    t = read_effects(path)
    assert t.label == "trial" and t.source == "OR from counts (ai, n1i, ci, n2i)"
    np.testing.assert_allclose(t.effects.yi, ref["nielweise_OR"]["yi"], rtol=1e-12, atol=1e-15)
    for measure in ("RR", "RD"):
        t = read_effects(path, measure=measure)
        np.testing.assert_allclose(t.effects.vi, ref[f"nielweise_{measure}"]["vi"], rtol=1e-12)
    assert t.column("year").tolist() == d.year.tolist()
    with pytest.raises(DataError, match="column 'trial'"):
        t.column("trial")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("trial,ai,n1i,ci,n2i\nA,5,4,1,10\n", "row 2 (study 'A'), column 'n1i' = 4"),
        ("trial,ai,bi,ci,di\nA,1,2,x,4\n", "row 2 (study 'A'), column 'ci' = 'x'"),
        ("trial,ai,bi,ci,di\nA,1,2,1.5,4\n", "column 'ci' = 1.5; expected a whole number >= 0"),
        ("trial,ai,bi,ci,di\nA,0,0,1,4\n", "column 'bi' = 0"),
        ("study,yi,vi,ai,bi,ci,di\nA,1,1,1,2,1,4\n", "choose one with measure"),
        ("name,yi,vi\nA,1,1\n", "missing column 'study' or 'trial'"),
    ],
)
def test_bad_count_tables_name_row_column_and_value(tmp_path, text, fragment):
    with pytest.raises(DataError) as info:
        read_effects(write(tmp_path, text))
    assert fragment in str(info.value)


def test_count_measure_without_counts_is_refused(tmp_path):
    with pytest.raises(DataError, match="measure RR needs 2x2 count columns"):
        read_effects(write(tmp_path, "study,yi,vi\nA,1,1\n"), measure="RR")
