"""Issue 25, "a command line without surprises": each surprise a newcomer met, through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.io import read_bundle, write_bundle

# The synthetic-bundle builders live beside the analysis tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "analysis"))
from _synthetic_bundles import nof1_bundle, parallel_bundle

ROOT = Path(__file__).resolve().parents[1]
WRITERS = ("simulate", "trial", "demo", "analyze", "nof1", "meta", "profile", "calibrate", "power")


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gutbrain.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def _one_line_error(p: subprocess.CompletedProcess[str], text: str) -> None:
    """Exit 2 and one line on stderr (besides the first run's notice that the kernel compiles)."""
    lines = [ln for ln in p.stderr.splitlines() if not ln.startswith("compiling the model")]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert text in lines[0], p.stderr


# --- seeds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "examples/scenarios/probiotic.toml"],
        ["trial", "examples/trials/js2025.toml", "--out", "never"],
        ["demo"],
    ],
)
def test_a_negative_seed_is_one_line_not_a_traceback(args: list[str], tmp_path: Path) -> None:
    p = _main(*args, "--seed", "-1")
    _one_line_error(p, "error: --seed -1: must be a whole number from 0 to")
    assert not (ROOT / "never").exists()


def test_a_seed_too_large_for_the_manifest_is_refused() -> None:
    p = _main("demo", "--seed", str(2**63))
    _one_line_error(p, f"--seed {2**63}: must be a whole number")


# --- one output-folder rule ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "parallel"
    write_bundle(parallel_bundle(1, n=20, days=14, onset=5, na_effect=-10.0), path, format="csv")
    return path


@pytest.fixture
def effects(tmp_path: Path) -> Path:
    path = tmp_path / "EFFECTS.csv"
    path.write_text("study,yi,vi\nA,0.1,0.01\nB,0.5,0.02\nC,0.3,0.015\n")
    return path


def _mine(folder: Path) -> Path:
    folder.mkdir()
    (folder / "thesis.txt").write_text("keep me")
    return folder


def test_analyze_replaces_its_own_output_only_with_overwrite(bundle: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "report")
    assert _main("analyze", str(bundle), "--out", out).returncode == 0
    before = (tmp_path / "report" / "results.json").read_text()
    p = _main("analyze", str(bundle), "--out", out, "--level", "0.9")
    _one_line_error(p, "holds an earlier gutbrain analyze output; pass --overwrite to replace it")
    assert (tmp_path / "report" / "results.json").read_text() == before
    p = _main("analyze", str(bundle), "--out", out, "--level", "0.9", "--overwrite")
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path / "report" / "results.json").read_text())
    assert res["manifest"]["options"]["level"] == 0.9


def test_meta_never_replaces_an_analyze_report(bundle: Path, effects: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert _main("analyze", str(bundle), "--out", str(out)).returncode == 0
    before = (out / "results.json").read_text()
    for extra in ([], ["--overwrite"]):
        p = _main("meta", str(effects), "--out", str(out), *extra)
        _one_line_error(p, "not an earlier gutbrain meta output; --overwrite replaces only")
    assert (out / "results.json").read_text() == before


def test_trial_names_overwrite_when_it_refuses(tmp_path: Path) -> None:
    mine = _mine(tmp_path / "documents")
    p = _main("trial", "examples/trials/js2025.toml", "--out", str(mine))
    _one_line_error(p, "--overwrite")
    assert sorted(q.name for q in mine.iterdir()) == ["thesis.txt"]


@pytest.mark.parametrize("extra", [[], ["--overwrite"]])
def test_demo_does_not_write_into_a_folder_of_other_files(extra: list[str], tmp_path: Path) -> None:
    mine = _mine(tmp_path / "documents")
    p = _main("demo", "--out", str(mine), *extra)
    _one_line_error(p, f"output {mine}: folder holds other files (thesis.txt)")
    assert sorted(q.name for q in mine.iterdir()) == ["thesis.txt"]


@pytest.mark.parametrize("command", WRITERS)
def test_every_writing_command_has_overwrite(command: str) -> None:
    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0 and "--overwrite" in r.output, r.output


# --- help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [*WRITERS, "validate", "serve", "version"])
def test_help_shows_flags_as_flags(command: str) -> None:
    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0, r.output
    assert "<bool>" not in r.output
    lines = [ln.strip() for ln in r.output.splitlines()]
    assert any(ln.startswith("--help ") for ln in lines), r.output


# --- messages in CLI terms -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def nof1_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "nof1"
    write_bundle(nof1_bundle(2, n=2), path, format="csv")
    return path


def _no_python_names(p: subprocess.CompletedProcess[str]) -> None:
    for name in ("onset_shape", "wash_in ", "wash_in=", "block_days =", "treatment=", "mid ="):
        assert name not in p.stderr, p.stderr


def test_an_unknown_onset_shape_names_the_option(bundle: Path, tmp_path: Path) -> None:
    p = _main("analyze", str(bundle), "--out", str(tmp_path / "o"), "--onset-shape", "linear")
    assert p.returncode == 2 and "'--onset-shape'" in p.stderr, p.stderr
    _no_python_names(p)


def test_nof1_options_are_named_as_written(nof1_dir: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    p = _main("nof1", str(nof1_dir), "--out", out, "--wash-in", "20")
    _one_line_error(p, "--wash-in 20: expected 0 to 13 wash-in days, fewer than the 14-day block")
    _no_python_names(p)
    p = _main("nof1", str(nof1_dir), "--out", out, "--mid", "0")
    _one_line_error(p, "--mid 0.0: the minimal important difference must be > 0")
    p = _main("nof1", str(nof1_dir), "--out", out, "--scheme", "random")
    assert p.returncode == 2 and "'--scheme'" in p.stderr, p.stderr


def test_a_bad_study_toml_value_names_the_file_key(nof1_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "nof1"
    shutil.copytree(nof1_dir, bad)
    toml = bad / "study.toml"
    toml.write_text(toml.read_text().replace("wash_in_days = 3", "wash_in_days = 14"))
    p = _main("nof1", str(bad), "--out", str(tmp_path / "o"))
    _one_line_error(p, "study.toml [nof1] wash_in_days = 14: expected 0 to 13 wash-in days")


# --- N-of-1 reports that say what their design can show ------------------------------------------


def test_nof1_report_counts_sequences_and_states_the_floor_of_p(
    nof1_dir: Path, tmp_path: Path
) -> None:
    """Two AB/BA pairs (ABAB, BABA): 4 possible sequences, so p >= 0.25. The report used to
    label this "(4 pairs)" and never said that p could not reach 0.05."""
    out = tmp_path / "o"
    p = _main("nof1", str(nof1_dir), "--out", str(out))
    assert p.returncode == 0, p.stderr
    page = (out / "report.html").read_text()
    assert "4 pairs" not in page and "of 4 sequences; cannot go below 0.25" in page
    assert "No randomisation p can reach 0.05 in this design" in page
    rows = json.loads((out / "results.json").read_text())["nof1"]["participants"]
    assert [r["randomisation_min_p"] for r in rows] == [0.25, 0.25]
    assert all(r["randomisation_p"] >= 0.25 for r in rows)


# --- a crossover example -------------------------------------------------------------------------


def test_the_crossover_example_runs_through_trial_and_analyze(tmp_path: Path) -> None:
    """The README promises crossover trials; ``examples/trials/crossover_ab_ba.toml`` is one
    (here with 8 people), and ``gutbrain analyze`` reports its treatment and period effects."""
    text = (ROOT / "examples" / "trials" / "crossover_ab_ba.toml").read_text()
    assert "n = 24\n" in text
    design = tmp_path / "crossover.toml"
    design.write_text(text.replace("n = 24\n", "n = 8\n"))
    bundle = tmp_path / "bundle"
    p = _main("trial", str(design), "--out", str(bundle))
    assert p.returncode == 0, p.stderr
    b = read_bundle(bundle)
    assert b.study.design == "crossover" and set(b.participants["sequence"]) == {"AB", "BA"}
    d = b.diary.merge(b.participants[["participant", "sequence"]])
    assert set(d.loc[d["day"].between(28, 41), "phase"].fillna("")) == {""}  # the washout
    second = d[d["day"] >= 42]
    assert (second["phase"] == second["sequence"].str[1]).all()
    p = _main("analyze", str(bundle), "--out", str(tmp_path / "report"))
    assert p.returncode == 0, p.stderr
    assert "negative_affect: " in p.stdout
    res = json.loads((tmp_path / "report" / "results.json").read_text())
    assert res["design"] == "crossover"
    na = res["crossover"]["outcomes"]["negative_affect"]
    assert na["ci_low"] < na["estimate"] < na["ci_high"] and sum(na["n"].values()) <= 8
    assert "Two-period crossover" in (tmp_path / "report" / "report.html").read_text()
