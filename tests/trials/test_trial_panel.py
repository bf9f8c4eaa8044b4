"""``gutbrain trial --panel``: the bundle carries its multi-omics panel, and leaves every other
file as a plain run writes it; a plain run never imports anndata or mudata."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import gutbrain.io as gio
from gutbrain.cli import app
from gutbrain.omics import read_h5mu
from gutbrain.population.profiles import module_guilds


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    path = tmp_path_factory.mktemp("design") / "js2025.toml"
    path.write_text(open("examples/trials/js2025.toml").read().replace("n = 88", "n = 8"))
    return path


@pytest.fixture(scope="module")
def bundles(design, tmp_path_factory):
    root = tmp_path_factory.mktemp("bundles")
    for name, extra in (("plain", []), ("panel", ["--panel"])):
        args = ["trial", str(design), "--out", str(root / name), "--seed", "3", *extra]
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.output
    return root / "plain", root / "panel"


def test_the_js2025_bundle_carries_its_panel(bundles):
    _, panel = bundles
    bundle = gio.read_bundle(panel)
    assert bundle.study.panel == "panel.h5mu"
    mdata = read_h5mu(panel / "panel.h5mu")
    expected = {"questionnaires", "diary", "hormones", "immune", "metabolites", "taxa"}
    assert expected | {"functions", "modules"} == set(mdata.mod)
    visits = bundle.visits.drop_duplicates(["participant", "visit"])
    ids = sorted(visits["participant"] + ":" + visits["visit"])
    assert sorted(mdata.obs_names) == ids
    q = mdata.mod["questionnaires"]
    one = bundle.visits.iloc[0]
    key = f"{one['participant']}:{one['visit']}"
    assert q.to_df().loc[key, one["instrument"]] == one["score"]
    metabolites = mdata.mod["metabolites"]
    assert {"faecal_acetate", "faecal_propionate", "faecal_butyrate"} <= set(metabolites.var_names)
    assert set(mdata.mod["hormones"].var_names) == {"salivary_cortisol_am"}
    assert set(mdata.mod["immune"].var_names) == {"crp"}
    reads = mdata.mod["functions"].layers["counts"]
    assert (reads.sum(axis=1) > 1e6).all()
    # the simulated modules give back the latent guilds of each visit day
    modules = mdata.mod["modules"]
    guilds, _ = module_guilds(modules.to_df().T)
    latent = bundle.truth_latent.set_index(["participant", "day"])
    obs = modules.obs
    truth = latent.loc[list(zip(obs["participant"], obs["day"], strict=True))]
    error = guilds["butyrate_producers"].to_numpy() - truth["butyrate_producers"].to_numpy()
    assert np.abs(error).max() < 0.15  # Dirichlet share noise at theta = 200: SD <= 0.035


def test_without_panel_every_file_is_the_same(bundles):
    plain, panel = bundles
    names = sorted(p.name for p in plain.iterdir())
    assert sorted(p.name for p in panel.iterdir()) == sorted([*names, "panel.h5mu"])
    for name in names:
        if name != "study.toml":
            assert (plain / name).read_bytes() == (panel / name).read_bytes(), name
    toml = (panel / "study.toml").read_text().replace('panel = "panel.h5mu"\n', "")
    assert toml == (plain / "study.toml").read_text()


def test_a_plain_trial_imports_no_anndata(design, tmp_path):
    code = (
        "import sys\n"
        "from gutbrain.trials.output import write_trial\n"
        f"write_trial({str(design)!r}, {str(tmp_path / 'b')!r}, 3)\n"
        "print(sorted(m for m in ('anndata', 'mudata', 'biom', 'skbio') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
