"""run_meta and `gutbrain meta`: outputs, manifest, atomic writing, and the CLI shell.

Golden end-to-end check: on dat.bcg, results.json carries the numbers metafor 3.8-1 gives
(tests/reference/meta_metafor.json, written by tests/reference/meta_metafor.R), e.g.
``rma(yi, vi, data=dat, method="REML", control=list(threshold=1e-12))``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain import __version__
from gutbrain._outdir import MARKER
from gutbrain.cli import app
from gutbrain.errors import DataError
from gutbrain.report.meta_report import OUTPUT_FILES, run_meta

REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture
def bcg_csv(tmp_path: Path) -> Path:
    d = pd.read_csv(REFERENCE / "meta_dat_bcg.csv")
    frame = pd.DataFrame(
        {
            "study": d.author + ", " + d.year.astype(str),
            "yi": d.yi,
            "vi": d.vi,
            "alloc": d.alloc,
            "ablat": d.ablat,
            "year": d.year,
        }
    )
    path = tmp_path / "EFFECTS.csv"
    frame.to_csv(path, index=False)
    return path


def reference(name: str) -> dict:
    return json.loads((REFERENCE / "meta_metafor.json").read_text())["cases"][name]["tight"]


def test_run_meta_writes_all_outputs_with_metafor_numbers(bcg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_meta(bcg_csv, out, subgroup="alloc", mods=["ablat"])
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUT_FILES, MARKER])
    assert all(p.exists() for p in run.files)
    results = json.loads((out / "results.json").read_text())

    ref = reference("bcg_REML")
    coef = results["model"]["coefficients"][0]
    assert coef["estimate"] == pytest.approx(ref["fit"]["beta"], rel=1e-8)
    assert coef["ci_lb"] == pytest.approx(ref["fit"]["ci_lb"], rel=1e-8)
    assert results["model"]["tau2"] == pytest.approx(ref["fit"]["tau2"], rel=1e-8)
    assert results["model"]["heterogeneity_ci"]["tau2"]["ci_ub"] == pytest.approx(
        ref["confint"]["tau2"][2], rel=1e-8
    )
    assert results["model"]["prediction"]["pi_lb"][0] == pytest.approx(
        ref["predict"]["pi_lb"], rel=1e-8
    )
    assert results["egger"]["stat"] == pytest.approx(ref["regtest"]["zval"], rel=1e-8)
    mr = reference("bcg_REML_ablat")["fit"]
    assert results["meta_regression"]["QM"] == pytest.approx(mr["QM"], rel=1e-8)
    assert results["meta_regression"]["R2"] == pytest.approx(mr["R2"], rel=1e-8)
    sg = reference("bcg_subgroup_alloc_REML")
    assert results["subgroups"]["test_separate_tau2"]["QM"] == pytest.approx(sg["QM"], rel=1e-8)

    manifest = results["manifest"]
    assert manifest["gutbrain_version"] == __version__
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(bcg_csv.read_bytes()).hexdigest()
    assert manifest["options"] == {
        "method": "REML",
        "knha": False,
        "subgroup": "alloc",
        "mods": ["ablat"],
        "measure": None,
        "level": 0.95,
        "trimfill": None,
        "influence": False,
    }

    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    assert "http://" not in page and "https://" not in page
    assert "Test for subgroup differences" in page and "Meta-regression" in page
    for png in ("forest.png", "funnel.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_run_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,yi,vi\nA,0.1,0.01\nB,0.2,-1\n")
    with pytest.raises(DataError, match="row 3"):
        run_meta(bad, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_refuses_to_overwrite_a_folder_with_other_files(bcg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="holds other files"):
        run_meta(bcg_csv, out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_rerun_replaces_an_earlier_output_with_overwrite(bcg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_meta(bcg_csv, out, method="DL")
    with pytest.raises(DataError, match="pass --overwrite"):
        run_meta(bcg_csv, out, method="PM")
    run_meta(bcg_csv, out, method="PM", knha=True, overwrite=True)
    results = json.loads((out / "results.json").read_text())
    assert results["model"]["method"] == "PM" and results["model"]["test"] == "knha"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["EFFECTS.csv", "out"]


def test_egger_is_reported_as_skipped_when_too_few_studies(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("study,yi,vi\nA,0.1,0.01\nB,0.5,0.02\n")
    results = run_meta(path, tmp_path / "out").results
    assert "at least 3 studies" in results["egger"]["skipped"]


def test_cli_meta_calls_run_meta(bcg_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "meta",
            str(bcg_csv),
            "--out",
            str(out),
            "--method",
            "dl",
            "--knha",
            "--subgroup",
            "alloc",
            "--mods",
            "ablat,year",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    results = json.loads((out / "results.json").read_text())
    assert results["model"]["method"] == "DL"
    assert [c["name"] for c in results["meta_regression"]["coefficients"]] == [
        "intrcpt",
        "ablat",
        "year",
    ]


def test_cli_bad_input_is_a_gutbrain_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["meta", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")]
    )
    assert isinstance(result.exception, DataError)


def test_main_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,yi,vi\nA,x,0.1\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gutbrain.cli import main; main()",
            "meta",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "row 2 (study 'A'), column 'yi' = 'x'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_report_html_is_well_formed_text(bcg_csv: Path, tmp_path: Path) -> None:
    """p < 0.0001 must be escaped: a stray '<' would swallow the rest of the sentence."""
    import html.parser

    run_meta(bcg_csv, tmp_path / "out", mods=["ablat"])
    page = (tmp_path / "out" / "report.html").read_text()

    class Text(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.chunks: list[str] = []

        def handle_data(self, data: str) -> None:
            self.chunks.append(data)

    parser = Text()
    parser.feed(page)
    text = " ".join(parser.chunks)
    assert "Test of moderators: QM = 16.358 (p < 0.0001). Residual heterogeneity" in text
    assert "p = &lt;" not in page and "&amp;lt;" not in page


def test_report_html_escapes_what_it_shows(bcg_csv: Path, tmp_path: Path) -> None:
    """The templates autoescape: a file name with markup in it is shown as text."""
    odd = tmp_path / "a<b>&c.csv"
    odd.write_bytes(bcg_csv.read_bytes())
    run_meta(odd, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<code>a&lt;b&gt;&amp;c.csv</code>" in page and "<b>" not in page


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "meta" / "dat_bcg.csv"


def test_cli_runs_metafors_dat_bcg_as_is_with_trimfill_and_influence(tmp_path: Path) -> None:
    """examples/meta/dat_bcg.csv (metafor's dat.bcg, label column ``trial``, counts tpos/tneg/
    cpos/cneg) gives metafor's numbers. R::

        dat <- escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
        res <- rma(yi, vi, data=dat, method="ML"); predict(res, transf=exp)
        trimfill(res); influence(res); leave1out(res); ranktest(res)
    """
    out = tmp_path / "bcg"
    result = CliRunner().invoke(
        app,
        ["meta", str(EXAMPLE), "--out", str(out), "--measure", "rr", "--method", "ml",
         "--trimfill", "--influence"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "risk ratio" in result.output and "trim-and-fill" in result.output
    results = json.loads((out / "results.json").read_text())
    cases = json.loads((REFERENCE / "meta_metafor.json").read_text())["cases"]
    fit = cases["bcg_ML"]["tight"]["fit"]
    model = results["model"]
    assert results["manifest"]["effect_source"] == "RR from counts (tpos, tneg, cpos, cneg)"
    assert model["studies"][0]["study"] == "1"
    assert model["coefficients"][0]["estimate"] == pytest.approx(fit["beta"], rel=1e-8)
    assert model["tau2"] == pytest.approx(fit["tau2"], rel=1e-8)
    bt = model["back_transformed"]
    assert bt["pred"][0] == pytest.approx(2.718281828459045 ** fit["beta"], rel=1e-12)
    infl = cases["influence"]["bcg_ML"]
    assert [s["cook_d"] for s in results["influence"]["studies"]] == pytest.approx(
        infl["influence"]["cook_d"], rel=1e-8
    )
    assert [s["estimate"] for s in results["leave1out"]["studies"]] == pytest.approx(
        infl["leave1out"]["estimate"], rel=1e-8
    )
    assert results["ranktest"]["tau"] == pytest.approx(cases["ranktest"]["bcg"]["tau"], rel=1e-12)
    assert results["trimfill"]["k0"] >= 0
    page = (out / "report.html").read_text()
    assert "Trim-and-fill" in page and "Influence diagnostics" in page and "As a risk ratio" in page


def test_cli_trimfill_matches_metafor_and_refuses_a_bad_side(tmp_path: Path) -> None:
    """R: trimfill(rma(yi, vi, data=escalc("RR", ...dat.bcg), method="REML"))."""
    ref = json.loads((REFERENCE / "meta_metafor.json").read_text())["cases"]["trimfill"]
    run = run_meta(EXAMPLE, tmp_path / "tf", measure="RR", fill="L0")
    tf = run.results["trimfill"]
    expected = ref["bcg_REML_L0_auto"]
    assert (tf["k0"], tf["side"]) == (expected["k0"], expected["side"])
    assert tf["fit"]["coefficients"][0]["estimate"] == pytest.approx(
        expected["fit"]["beta"], rel=1e-8
    )
    result = CliRunner().invoke(
        app,
        ["meta", str(EXAMPLE), "--out", str(tmp_path / "x"), "--trimfill", "--trimfill-side", "up"],
    )
    assert result.exit_code != 0
    assert "--trimfill-side 'up'" in str(result.exception)
