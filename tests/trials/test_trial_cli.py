"""gutbrain trial and gutbrain demo on the command line."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from typer.testing import CliRunner

import gutbrain.io as gio
from gutbrain.cli import app
from gutbrain.errors import DesignError


def test_trial_writes_a_bundle(tmp_path) -> None:
    design = tmp_path / "d.toml"
    text = open("examples/trials/js2025.toml").read().replace("n = 88", "n = 8")
    design.write_text(text)
    out = tmp_path / "bundle"
    r = CliRunner().invoke(app, ["trial", str(design), "--out", str(out), "--seed", "3"])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.output
    b = gio.read_bundle(out)
    assert len(b.participants) == 8 and b.study.provenance["seed"] == 3
    # the design file's hash, so a bundle names the exact design it came from
    assert b.study.provenance["design_sha256"] == hashlib.sha256(design.read_bytes()).hexdigest()


def test_trial_bad_design_is_a_design_error(tmp_path) -> None:
    design = tmp_path / "d.toml"
    design.write_text(
        open("examples/trials/js2025.toml").read().replace("healthy_young_adults", "elves")
    )
    r = CliRunner().invoke(app, ["trial", str(design), "--out", str(tmp_path / "o")])
    assert isinstance(r.exception, DesignError) and "cohort = 'elves'" in str(r.exception)


def test_trial_error_exit_code_via_main(tmp_path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "gutbrain.cli", "trial", str(tmp_path / "none.toml"), "--out", "x"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "none.toml: not found" in p.stderr


def test_demo_runs_js2025(tmp_path) -> None:
    r = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert r.exit_code == 0, r.output
    assert "JS2025 in silico" in r.output and "week 4" in r.output
    b = gio.read_bundle(tmp_path / "demo" / "bundle")
    assert b.participants["arm"].value_counts().to_dict() == {"placebo": 44, "probiotic": 44}
    assert (tmp_path / "demo" / "axis.png").is_file()


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gutbrain.cli", *args], capture_output=True, text=True
    )


def test_trial_overwrite_refuses_a_file_before_simulating(tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    p = _main("trial", "examples/trials/js2025.toml", "--out", str(f), "--overwrite")
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"output {f}: exists and is not a folder" in p.stderr
    assert f.read_text() == "keep me" and not (tmp_path / "notes.txt.partial").exists()


def test_trial_overwrite_refuses_a_folder_that_is_not_a_bundle(tmp_path) -> None:
    d = tmp_path / "documents"
    d.mkdir()
    (d / "thesis.txt").write_text("keep me")
    p = _main("trial", "examples/trials/js2025.toml", "--out", str(d), "--overwrite")
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"output {d}: folder holds other files (thesis.txt), not an earlier" in p.stderr
    assert (d / "thesis.txt").read_text() == "keep me"


def test_trial_out_that_cannot_be_created(tmp_path) -> None:
    f = tmp_path / "afile"
    f.write_text("")
    p = _main("trial", "examples/trials/js2025.toml", "--out", str(f / "bundle"))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"output {f / 'bundle'}: {f} is a file, not a folder" in p.stderr
    assert not list(tmp_path.glob("**/*.partial"))


def test_demo_out_under_a_file(tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    p = _main("demo", "--out", str(f / "demo"))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"output {f / 'demo'}: {f} is a file, not a folder" in p.stderr
    assert f.read_text() == "keep me"


def test_demo_out_is_a_file(tmp_path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    p = _main("demo", "--out", str(f))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"output {f}: exists and is not a folder" in p.stderr
    assert f.read_text() == "keep me"
