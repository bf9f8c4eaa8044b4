"""Property tests: a malformed file gives a DataError naming file, line, sample, feature and
value, never a traceback; arbitrary bytes give a DataError or a table."""

from __future__ import annotations

import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbrain._config import show
from gutbrain.errors import DataError
from gutbrain.omics import read, read_biom, read_h5ad, read_humann, read_metaphlan, read_table

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=8)
BAD = st.sampled_from(["abc", "-1", "nan", "inf", "-inf", "", "1e999", "1,5", "--", "0x10"])


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[str], list[str], list[list[str]]]:
    """Samples, features and their values as text."""
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    samples = draw(st.lists(NAME, min_size=n, max_size=n, unique=True))
    features = draw(st.lists(NAME, min_size=m, max_size=m, unique=True))
    values = [[str(draw(st.floats(0, 1e4))) for _ in samples] for _ in features]
    return samples, features, values


def _humann(samples: list[str], features: list[str], values: list[list[str]]) -> list[str]:
    return ["# Gene Family\t" + "\t".join(samples)] + [
        "\t".join([f, *v]) for f, v in zip(features, values, strict=True)
    ]


def _metaphlan(samples: list[str], features: list[str], values: list[list[str]]) -> list[str]:
    """A merged MetaPhlAn 4 table; features become species clades."""
    return ["#mpa_vJun23_CHOCOPhlAnSGB_202307", "clade_name\t" + "\t".join(samples)] + [
        "\t".join([f"k__Bacteria|s__{f}", *v]) for f, v in zip(features, values, strict=True)
    ]


def _wide(samples: list[str], features: list[str], values: list[list[str]]) -> list[str]:
    """Samples in rows, as CSV (a value holding a comma quoted)."""
    cell = [[f'"{v}"' if "," in v else v for v in row] for row in values]
    return ["sample," + ",".join(features)] + [
        ",".join([s, *(cell[j][i] for j in range(len(features)))]) for i, s in enumerate(samples)
    ]


FORMATS: dict[str, tuple[Callable[..., list[str]], Callable[[Path], Any], str, int]] = {
    # writer, reader, suffix, lines before the data
    "humann": (_humann, read_humann, ".tsv", 1),
    "metaphlan": (_metaphlan, lambda p: read_metaphlan(p, rank="s"), ".tsv", 2),
    "table": (_wide, read_table, ".csv", 1),
}


def _write(lines: list[str], suffix: str) -> Path:
    tmp = Path(tempfile.mkdtemp())
    path = tmp / f"t{suffix}"
    path.write_text("\n".join(lines) + "\n")
    return path


@SETTINGS
@given(fmt=st.sampled_from(sorted(FORMATS)), grid=grids(), bad=BAD, data=st.data())
def test_a_bad_value_is_named(fmt: str, grid: Any, bad: str, data: st.DataObject) -> None:
    writer, reader, suffix, head = FORMATS[fmt]
    samples, features, values = grid
    reader(_write(writer(samples, features, values), suffix))  # the valid file reads
    j = data.draw(st.integers(0, len(features) - 1))
    i = data.draw(st.integers(0, len(samples) - 1))
    values[j][i] = bad
    path = _write(writer(samples, features, values), suffix)
    with pytest.raises(DataError) as err:
        reader(path)
    message = str(err.value)
    line = head + 1 + (i if fmt == "table" else j)
    feature = f"k__Bacteria|s__{features[j]}" if fmt == "metaphlan" else features[j]
    assert message.startswith(str(path))
    assert f"line {line}, sample {samples[i]!r}, feature {feature!r} = {show(bad)}" in message


@SETTINGS
@given(fmt=st.sampled_from(sorted(FORMATS)), grid=grids(), data=st.data())
def test_a_wrong_field_count_is_named(fmt: str, grid: Any, data: st.DataObject) -> None:
    writer, reader, suffix, head = FORMATS[fmt]
    lines = writer(*grid)
    k = data.draw(st.integers(head, len(lines) - 1))
    sep = "," if suffix == ".csv" else "\t"
    extra = data.draw(st.booleans())
    lines[k] = lines[k] + sep + "1" if extra else lines[k].rsplit(sep, 1)[0]
    path = _write(lines, suffix)
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: line {k + 1} has \d+"):
        reader(path)


@SETTINGS
@given(fmt=st.sampled_from([*FORMATS, "biom", "h5ad"]), blob=st.binary(max_size=300))
def test_arbitrary_bytes_give_a_data_error_or_a_table(fmt: str, blob: bytes) -> None:
    readers = {k: v[1] for k, v in FORMATS.items()} | {"biom": read_biom, "h5ad": read_h5ad}
    path = Path(tempfile.mkdtemp()) / "x.dat"
    path.write_bytes(blob)
    for reader in (readers[fmt], read):
        try:
            reader(path)
        except DataError as err:
            assert str(err).startswith(str(path))


@SETTINGS
@given(cut=st.integers(1, 2300), name=st.sampled_from(["biom_1.0_test.json", "biom_2.1_test.biom"]))
def test_a_truncated_biom_file_is_a_data_error(cut: int, name: str) -> None:
    blob = (DATA / name).read_bytes()
    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(blob[: min(cut, len(blob) - 1)])
    with pytest.raises(DataError, match="not a readable BIOM table"):
        read_biom(path)


def test_headers_and_layouts_are_explained(tmp_path: Path) -> None:
    no_header = tmp_path / "h.tsv"
    no_header.write_text("K00001\t1\n")
    with pytest.raises(DataError, match=r"h.tsv: line 1 .*expected HUMAnN's header"):
        read_humann(no_header)
    with pytest.raises(DataError, match=r"h.tsv: line 1 = 'K00001' comes before the column"):
        read_metaphlan(no_header)
    long = tmp_path / "long.csv"
    long.write_text("sample,taxon,abundance\nS1,A,1\nS1,A,2\n")
    with pytest.raises(DataError, match=r"line 3, sample 'S1', feature 'A' appears twice"):
        read_table(long, layout="long")
    with pytest.raises(DataError, match=r"no column 'count'"):
        read_table(long, layout="long", value="count")
    dup = tmp_path / "dup.csv"
    dup.write_text("sample,A,A\nS1,1,2\n")
    with pytest.raises(DataError, match=r"feature 'A' appears more than once"):
        read_table(dup)
    with pytest.raises(DataError, match="no such file"):
        read(tmp_path / "missing.tsv")


def test_a_missing_package_names_the_extra() -> None:
    from gutbrain.omics._build import require

    with pytest.raises(ImportError, match=r"'no_such_package_x'.*pip install 'gutbrain\[omics\]'"):
        require("no_such_package_x")
