"""Module definition files and ortholog tables: reading, errors, and ``gutbrain profile``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.errors import DataError
from gutbrain.omics.modules import parse_modules, read_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_table import read_ko_table


def test_blocks_steps_alternatives_and_complexes() -> None:
    db = parse_modules(
        "MF0001\tarabinoxylan degradation\nK01209\tK15921\n///\n\n"
        "MF0003\tpectin degradation I\nK01051\nK01184,K01213\tK18650\n///\n"
    )
    assert db.ids == ("MF0001", "MF0003")
    assert db.modules[0].steps == ((("K01209",), ("K15921",)),)
    assert db.modules[1].name == "pectin degradation I"
    assert db.modules[1].steps[1] == (("K01184", "K01213"), ("K18650",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("K00001\n///\n", "line 1: 'K00001' is not a module header"),
        ("M1\tname\nK00001\n", "line 1: module M1 is not closed"),
        ("M1\tname\n///\n", "line 2: module M1 has no reaction step"),
        ("M1\tname\nK0 1\n///\n", "line 2: 'K0 1' in 'K0 1' is not an ortholog id"),
        ("M1\tname\nK1\n///\nM1\tagain\nK2\n///\n", "line 4: module id 'M1' already defined"),
        ("///\n", "line 1: '///' without a module header"),
        ("", "no module definition found"),
    ],
)
def test_malformed_definitions_name_file_line_and_value(text: str, message: str) -> None:
    with pytest.raises(DataError, match="^db.txt, " if text else "^db.txt: ") as err:
        parse_modules(text, source="db.txt")
    assert message in str(err.value)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wide_csv_and_errors(tmp_path: Path) -> None:
    t = read_ko_table(write(tmp_path, "t.csv", "KO,a,b\nK1,1,2\nK2,0,3.5\n"))
    assert t.samples == ("a", "b") and t.orthologs == ("K1", "K2") and not t.stratified
    assert t.values.tolist() == [[1, 2], [0, 3.5]]
    bad = write(tmp_path, "bad.tsv", "KO\ta\tb\nK1\t1\t2\nK2\t-1\t3\n")
    with pytest.raises(DataError, match=r"bad.tsv, line 3, column 2 \(sample 'a'\): '-1'"):
        read_ko_table(bad)
    dup = write(tmp_path, "dup.tsv", "KO\ta\nK1\t1\nK1\t2\n")
    with pytest.raises(DataError, match=r"dup.tsv, line 3: ortholog 'K1' already on line 2"):
        read_ko_table(dup)
    same = write(tmp_path, "same.tsv", "KO\ta\ta\nK1\t1\t2\n")
    with pytest.raises(DataError, match=r"column 3: sample 'a' repeats column 2"):
        read_ko_table(same)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("KO\tS1\nK1\t1\t2\n", "line 2: 3 fields, but the header has 2"),
        ("KO\tS1\nK1\t1\nK2\t1\t2\n", "Expected 2 fields in line 3, saw 3"),
        ("KO\tS1\tS2\nK1\t1\t2\nK2\t3\n", "line 3, column 3 (sample 'S2'): ''"),
        ("KO\n", "expected a header and rows"),
    ],
)
def test_ragged_tables_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=r"t\.tsv") as err:
        read_ko_table(write(tmp_path, "t.tsv", text))
    assert message in str(err.value)


HUMANN = (
    "# Gene Family\ts1_Abundance-RPKs\ts2_Abundance-RPKs\n"
    "UNMAPPED\t100\t50\n"
    "K00001\t3\t4\n"
    "K00001|g__A.s__A_a\t1\t4\n"
    "K00001|unclassified\t2\t0\n"
    "K00002\t5\t0\n"
    "K00002|g__A.s__A_a\t5\t0\n"
    "UNGROUPED\t9\t9\n"
    "UNGROUPED|g__A.s__A_a\t9\t9\n"
)


def test_humann_tables_are_stratified_unless_taxa_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "humann_ko.tsv", HUMANN)
    t = read_ko_table(path)
    assert t.taxa == ("g__A.s__A_a", "unclassified", "g__A.s__A_a")
    assert t.orthologs == ("K00001", "K00001", "K00002")
    whole = read_ko_table(path, ignore_taxa=True)
    assert whole.taxa is None and whole.orthologs == ("K00001", "K00002")
    assert whole.values.tolist() == [[3, 4], [5, 0]]


def test_a_stratified_plain_table_summed_over_taxa(tmp_path: Path) -> None:
    path = write(tmp_path, "s.tsv", "Species\tKO\tS1\nx\tK1\t1\ny\tK1\t2\ny\tK2\t4\n")
    assert read_ko_table(path).taxa == ("x", "y", "y")
    whole = read_ko_table(path, ignore_taxa=True)
    assert whole.orthologs == ("K1", "K2") and whole.values.ravel().tolist() == [3, 4]


def test_cli_writes_omixer_layout_report_and_manifest(tmp_path: Path) -> None:
    table = write(tmp_path, "t.tsv", "entry\tS1\tS2\nK1\t2\t0\nK2\t4\t8\nK3\t0\t2\n")
    db = write(tmp_path, "db.txt", "M1\tm one\nK1\nK2\tK3\n///\nM2\tm two\nK9\n///\n")
    out = tmp_path / "out"
    args = ["profile", str(table), "--modules", str(db), "--out", str(out), "--coverage", "0.5"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    # M1: S1 steps {2, 4} median 3, coverage 1; S2 steps {8} (max(8, 2)), coverage 1/2
    assert (out / "modules.tsv").read_text() == "Module\tS1\tS2\nM1\t3.0\t8.0\n"
    assert (out / "modules-coverage.tsv").read_text() == "Module\tS1\tS2\nM1\t1.0\t0.5\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"]["cutoff"] == 0.5 and manifest["options"]["rows_reported"] == 1
    assert "<img alt='heatmap'" in (out / "report.html").read_text()
    anndata = pytest.importorskip("anndata")
    h5 = anndata.read_h5ad(out / "modules.h5ad")
    assert list(h5.obs_names) == ["S1", "S2"] and list(h5.var_names) == ["M1"]
    assert h5.X[:, 0].tolist() == [3.0, 8.0] and h5.layers["coverage"][:, 0].tolist() == [1, 0.5]
    assert h5.var.loc["M1", "name"] == "m one" and "modules.h5ad" in manifest["files"]
    again = CliRunner().invoke(app, [*args, "--estimator", "sum", "--overwrite"])
    assert again.exit_code == 0, again.output
    assert (out / "modules.tsv").read_text() == "Module\tS1\tS2\nM1\t6.0\t8.0\n"


def test_cli_stratified_layout(tmp_path: Path) -> None:
    table = write(tmp_path, "t.tsv", "Species\tKO\tS1\nx\tK1\t2\nx\tK2\t4\ny\tK3\t1\n")
    db = write(tmp_path, "db.txt", "M1\tm one\nK1\nK2\tK3\n///\n")
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app, ["profile", str(table), "--modules", str(db), "--out", str(out), "--coverage", "0.5"]
    )
    assert r.exit_code == 0, r.output
    assert (out / "modules.tsv").read_text() == "Taxon\tModule\tS1\nx\tM1\t3.0\ny\tM1\t1.0\n"
    anndata = pytest.importorskip("anndata")
    h5 = anndata.read_h5ad(out / "modules.h5ad")
    assert list(h5.var_names) == ["M1|x", "M1|y"] and h5.var["taxon"].tolist() == ["x", "y"]


def test_bad_input_exits_2_with_a_one_line_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    table = write(tmp_path, "t.tsv", "entry\tS1\nK1\tabc\n")
    db = write(tmp_path, "db.txt", "M1\tm\nK1\n///\n")
    r = subprocess.run(
        [sys.executable, "-m", "gutbrain.cli", "profile", str(table), "--modules", str(db),
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, env=os.environ | {"MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "t.tsv, line 2, column 2 (sample 'S1'): 'abc'" in r.stderr


GBM_FILE = os.environ.get("GUTBRAIN_GBM_FILE")


@pytest.mark.skipif(not GBM_FILE, reason="set GUTBRAIN_GBM_FILE to a GBM or GMM definition file")
def test_a_user_gbm_or_gmm_file() -> None:
    """The GBM/GMM files are academic non-commercial: never shipped, read from the user's path.
    Every module is read; a sample holding every ortholog covers every module fully; random
    samples give what the plain loop of the rules gives."""
    from test_modules_rules import reference_scores

    from gutbrain.omics.modules_table import KoTable

    db = read_modules(GBM_FILE)  # type: ignore[arg-type]
    assert len(db) > 0 and all(m.id and m.steps for m in db.modules)
    orthologs = sorted(set().union(*(m.orthologs for m in db.modules)))
    rng = np.random.default_rng(7)
    shape = (len(orthologs), 3)
    random = rng.exponential(3, shape) * (rng.random(shape) < 0.6)
    table = KoTable(
        np.column_stack([np.ones(len(orthologs)), random]), tuple(orthologs), ("all", *"abc")
    )
    steps = np.array([len(m.steps) for m in db.modules])
    for estimator in ("median", "average", "sum", "min"):
        profile = profile_modules(table, db, coverage=1.0, estimator=estimator)
        assert (profile.coverage["all"] == 1).all()
        full = steps if estimator == "sum" else 1  # every step scores 1
        assert (profile.abundance["all"] == full).all()
        for j, sample in enumerate("abc"):
            kos = dict(zip(orthologs, random[:, j], strict=True))
            for module in db.modules:
                want = reference_scores(kos, module, estimator, False)
                got = (
                    profile.abundance.loc[module.id, sample],
                    profile.coverage.loc[module.id, sample],
                )
                assert got == pytest.approx(want, rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("KM01,\t\n/ x|")), max_size=80))
def test_any_text_parses_or_raises_a_data_error(text: str) -> None:
    try:
        db = parse_modules(text, source="f.txt")
    except DataError as exc:
        assert str(exc).startswith("f.txt")
    else:
        assert all(m.steps for m in db.modules)


def test_the_real_humann_ko_excerpt_is_profiled_per_taxon_and_as_a_community() -> None:
    """HUMAnN's own KO test table (tests/omics/data/humann_ko.tsv, MIT; see its README): K01838
    30/50 in the community, 15/25 from each of bug1 and bug2."""
    path = Path(__file__).parent / "data" / "humann_ko.tsv"
    db = parse_modules("M1\tone step\nK01838\n///\n")
    per_taxon = profile_modules(read_ko_table(path), db, coverage=1.0)
    assert per_taxon.abundance.to_dict("index") == {
        ("bug1", "M1"): {"Sample1": 15.0, "Sample2": 25.0},
        ("bug2", "M1"): {"Sample1": 15.0, "Sample2": 25.0},
    }
    whole = profile_modules(read_ko_table(path, ignore_taxa=True), db, coverage=1.0)
    assert whole.abundance.loc["M1"].tolist() == [30.0, 50.0]
