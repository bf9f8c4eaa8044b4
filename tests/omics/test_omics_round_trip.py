"""Property tests: random tables written as BIOM (JSON, HDF5), .h5ad and .h5mu read back the
same: samples, features, values, feature metadata."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import h5py
import mudata
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gutbrain.errors import DataError
from gutbrain.omics import read_biom, read_h5ad, read_h5mu, write_biom, write_h5ad, write_h5mu
from gutbrain.omics._build import make_anndata

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDS = st.text(alphabet=string.ascii_letters + string.digits + "_|.;-: ", min_size=1, max_size=10)


@st.composite
def tables(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    samples = draw(
        st.lists(IDS.filter(lambda s: s == s.strip()), min_size=n, max_size=n, unique=True)
    )
    features = draw(
        st.lists(IDS.filter(lambda s: s == s.strip()), min_size=m, max_size=m, unique=True)
    )
    values = draw(
        st.lists(
            st.one_of(st.integers(0, 10**6).map(float), st.floats(0, 1e6, allow_subnormal=False)),
            min_size=n * m,
            max_size=n * m,
        )
    )
    taxonomy = draw(
        st.lists(
            st.lists(
                st.sampled_from(["k__Bacteria", "p__Firmicutes", "g__x y"]), min_size=1, max_size=3
            ),
            min_size=m,
            max_size=m,
        )
    )
    var = pd.DataFrame({"taxonomy": ["; ".join(t) for t in taxonomy]}, index=features)
    return make_anndata(np.reshape(values, (n, m)), pd.Index(samples), var, "generated")


def _same(a, b, written=float) -> None:  # type: ignore[no-untyped-def]
    """``b`` read back equals ``a``; ``written`` is what the format keeps of each value."""
    assert list(a.obs_names) == list(b.obs_names)
    assert list(a.var_names) == list(b.var_names)
    kept = np.vectorize(written, otypes=[float])(a.layers["counts"])
    np.testing.assert_array_equal(np.asarray(b.layers["counts"]), kept)
    if written is float:
        np.testing.assert_array_equal(np.asarray(b.layers["relative"]), a.layers["relative"])
    assert list(b.var["taxonomy"].astype(str)) == list(a.var["taxonomy"])


@SETTINGS
@given(table=tables(), fmt=st.sampled_from(["json", "hdf5"]))
def test_biom_round_trip(table, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """HDF5 keeps each value; biom-format writes JSON values as ``%f`` (six decimals)."""
    assume(fmt == "hdf5" or table.X.any())  # the all-zero JSON table is refused (next test)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_biom(table, Path(tmp) / "t.biom", format=fmt)  # type: ignore[arg-type]
        assert h5py.is_hdf5(path) == (fmt == "hdf5")
        _same(table, read_biom(path), float if fmt == "hdf5" else lambda v: float(f"{v:f}"))


def test_all_zero_table_is_refused_as_json(tmp_path: Path) -> None:
    zero = make_anndata(np.zeros((1, 1)), pd.Index(["s"]), pd.DataFrame(index=["f"]), "zero")
    with pytest.raises(DataError, match="no non-zero value"):
        write_biom(zero, tmp_path / "z.biom", format="json")
    assert read_biom(write_biom(zero, tmp_path / "z.biom")).X.sum() == 0


@SETTINGS
@given(table=tables())
def test_h5ad_round_trip(table) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        back = read_h5ad(write_h5ad(table, Path(tmp) / "t.h5ad"))
        _same(table, back)
        assert back.uns["source"] == "generated"
        again = read_h5ad(write_h5ad(back, Path(tmp) / "again.h5ad"))  # a read file writes too
        _same(table, again)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(taxa=tables(), functions=tables())
def test_h5mu_round_trip(taxa, functions) -> None:  # type: ignore[no-untyped-def]
    functions = functions.copy()
    functions.obs_names = taxa.obs_names if taxa.n_obs == functions.n_obs else functions.obs_names
    with tempfile.TemporaryDirectory() as tmp:
        back = read_h5mu(write_h5mu({"taxa": taxa, "functions": functions}, Path(tmp) / "p.h5mu"))
        assert isinstance(back, mudata.MuData)
        _same(taxa, back.mod["taxa"])
        _same(functions, back.mod["functions"])
