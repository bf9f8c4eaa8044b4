"""Questionnaire-only trials end to end: `gutbrain trial` then `gutbrain analyze` on the NIK2023 and
NIK2021 designs (HAMD-17 visits, no diary), through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gutbrain.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _trial(design: str, out: Path) -> Path:
    r = CliRunner().invoke(
        app, ["trial", str(ROOT / "examples/trials" / design), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def nik2023(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _trial("nik2023.toml", tmp_path_factory.mktemp("b") / "nik2023")


@pytest.fixture(scope="module")
def nik2021(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _trial("nik2021_adjunct.toml", tmp_path_factory.mktemp("b") / "nik2021")


def test_nik2023_analyses_without_a_diary(nik2023: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    r = CliRunner().invoke(app, ["analyze", str(nik2023), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "HAMD-17 (primary): MMRM change at week12" in r.output
    res = json.loads((out / "results.json").read_text())["questionnaire_trial"]
    assert res["primary"] == "HAMD-17" and res["control"] == "placebo"
    assert set(res["mmrm"]) == {"HAMD-17", "IDS-C30", "HAMA"}
    hamd = res["mmrm"]["HAMD-17"]
    assert [e["visit"] for e in hamd["effects"]] == ["week4", "week8", "week12"]
    for e in hamd["effects"]:
        assert e["ci_low"] < e["estimate"] < e["ci_high"] and e["df"] > 10
    assert set(res["prepost"]["instruments"]) == {"HAMD-17", "IDS-C30", "HAMA"}
    assert set(res["binary"]["HAMD-17"]) == {"response", "remission"}
    rem = res["binary"]["HAMD-17"]["remission"]
    assert rem["definition"] == "HAMD-17 <= 7 at week12"
    assert 0 < rem["n_control"] + rem["n_treatment"] <= hamd["n"]
    page = (out / "report.html").read_text()
    for heading in ("Pre/post ANCOVA", "MMRM over visits", "Responder and remission analyses"):
        assert heading in page
    assert "HAMD-17 (primary)" in page and "diary entries" not in page


def test_nik2021_four_arms_names_the_cli_option(nik2021: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from gutbrain.cli import main; main()", "analyze", str(nik2021),
         "--out", str(tmp_path / "x")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--treatment ARM" in proc.stderr and "treatment=" not in proc.stderr
    out = tmp_path / "report"
    r = CliRunner().invoke(
        app,
        ["analyze", str(nik2021), "--out", str(out), "--control", "ssri_placebo",
         "--treatment", "ssri_probiotic"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    res = json.loads((out / "results.json").read_text())["questionnaire_trial"]
    assert res["treatment"] == "ssri_probiotic" and set(res["mmrm"]) == {"HAMD-17", "BDI-II"}
    # One post-baseline visit: the MMRM is the ANCOVA of the change, which equals the ANCOVA
    # of the post score (baseline is a covariate in both).
    mm = res["mmrm"]["HAMD-17"]["effects"][0]
    anc = res["prepost"]["instruments"]["HAMD-17"]
    assert mm["estimate"] == pytest.approx(anc["estimate"], rel=1e-8)
    assert mm["se"] == pytest.approx(anc["se"], rel=1e-5)
    assert mm["df"] == pytest.approx(anc["df"], rel=1e-4)
    assert "Responder and remission analyses" in (out / "report.html").read_text()
