"""From a profile to a virtual person (population/profiles.py), and the round trip through the
metagenome simulator (observe/metagenomics.py) and the module profiler (omics)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta, norm
from typer.testing import CliRunner

from gutbrain.cli import app
from gutbrain.errors import DataError
from gutbrain.observe.metagenomics import metagenome_model, sequence_metagenomes
from gutbrain.observe.tables import parameter
from gutbrain.omics import profile_modules, read_modules
from gutbrain.omics.modules_table import KoTable
from gutbrain.population import profiles as pr
from gutbrain.population.atlas import atlas_guilds, baseline_guilds, load_atlas
from gutbrain.population.profiles import GUILDS, RESIDENT_GUILDS

N_PEOPLE = 40


def _people(seed: int) -> pd.DataFrame:
    """Atlas people, half of them with a probiotic share (which a profile counts as LAB)."""
    rng = np.random.default_rng(seed)
    people = baseline_guilds(rng, N_PEOPLE).drop(columns="atlas_sample")
    people.loc[::2, "probiotic"] = 0.03
    people[list(GUILDS)] = people[list(GUILDS)].div(people[list(GUILDS)].sum(axis=1), axis=0)
    people.insert(0, "participant", [f"p{i:02d}" for i in range(N_PEOPLE)])
    people.insert(1, "day", 0)
    return people


def _merged(people: pd.DataFrame) -> np.ndarray:
    p = people[list(RESIDENT_GUILDS)].to_numpy(float).copy()
    p[:, RESIDENT_GUILDS.index("bifidobacteria_lab")] += people["probiotic"].to_numpy()
    return p


def _profile(counts: pd.DataFrame) -> pd.DataFrame:
    table = KoTable(
        values=counts.to_numpy(float).T,
        orthologs=tuple(counts.columns),
        samples=tuple(counts.index),
    )
    abundance, _ = profile_modules(table, read_modules("gutbrain"), estimator="average").reported()
    return abundance


def _averaging_matrix(kos: list[str], rows: pd.Index) -> np.ndarray:
    """The average estimator over the first alternative of every step (a complex: the mean of its
    subunits), written from docs/profile.md's rules 2 and 5 for the test."""
    modules = {m.id: m for m in read_modules("gutbrain").modules}
    w = np.zeros((len(rows), len(kos)))
    for j, module in enumerate(rows):
        steps = modules[module].steps
        for step in steps:
            for ko in step[0]:
                w[j, kos.index(ko)] += 1.0 / (len(steps) * len(step[0]))
    return w


def _read_noise_se(people: pd.DataFrame, depth: np.ndarray) -> np.ndarray:
    """Delta-method SE of each recovered guild share from the multinomial read noise alone,
    propagated through the averaging, the least-squares solve and the closure."""
    genes = parameter("metagenome.genes_per_genome")
    copies = pr.guild_orthologs()
    matrix = pr.module_matrix()
    rows = matrix.index[(matrix.to_numpy() > 0).any(axis=1)]
    solve = np.linalg.pinv(matrix.loc[rows].to_numpy())  # NNLS = least squares inside
    w = _averaging_matrix(list(copies.columns), rows)
    r = copies.loc[list(RESIDENT_GUILDS)].to_numpy()
    p = _merged(people)
    out = np.empty_like(p)
    for i in range(len(p)):
        q = p[i] @ r / genes
        read_cov = (np.diag(q) - np.outer(q, q)) / depth[i]
        lin = (np.eye(len(p[i])) - np.outer(p[i], np.ones(len(p[i])))) @ solve @ w * genes
        out[i] = np.sqrt(np.diag(lin @ read_cov @ lin.T))
    return out


def _bounds(people: pd.DataFrame, depth: np.ndarray, alpha: float) -> tuple[np.ndarray, ...]:
    """Per-cell limits of the recovery error at family-wise level ``alpha`` (Bonferroni over the
    cells, half to each noise source): a sample's share of a guild is exactly
    Beta(theta p, theta (1 - p)) (a Dirichlet marginal; aggregation merges probiotic into LAB),
    widened by the normal limit of the read noise."""
    theta = metagenome_model().precision
    p = _merged(people)
    level = alpha / 2 / p.size
    share_lo = beta.ppf(level / 2, theta * p, theta * (1 - p)) - p
    share_hi = beta.isf(level / 2, theta * p, theta * (1 - p)) - p
    reads = norm.isf(level / 2) * _read_noise_se(people, depth)
    share_sd = np.sqrt(p * (1 - p) / (theta + 1))
    return (
        share_lo - reads,
        share_hi + reads,
        np.sqrt(share_sd**2 + _read_noise_se(people, depth) ** 2),
    )


def test_module_profiles_are_linear_in_the_composition():
    """The expected KO profile of any composition profiles (average estimator) to C p exactly,
    which module_guilds inverts."""
    people = _people(3)
    copies = pr.guild_orthologs()
    expected = people[list(GUILDS)].to_numpy() @ copies.to_numpy()
    counts = pd.DataFrame(expected, index=people["participant"], columns=copies.columns)
    modules = _profile(counts)
    c = pr.module_matrix()
    np.testing.assert_allclose(
        modules.to_numpy(), (c.loc[modules.index] @ _merged(people).T), 1e-12
    )
    guilds, scale = pr.module_guilds(modules)
    np.testing.assert_allclose(guilds[list(RESIDENT_GUILDS)].to_numpy(), _merged(people), 1e-9)
    assert (guilds["probiotic"] == 0).all()
    np.testing.assert_allclose(scale, 1.0, 1e-9)


def test_noisy_metagenomes_recover_each_persons_guilds():
    """Round trip: simulated KO reads (Dirichlet shares, multinomial reads at the stated depth)
    -> module profile -> virtual person. Every error lies within its noise limits (family-wise
    alpha 0.001 over all cells, :func:`_bounds`); against another person's truth it does not."""
    people = _people(11)
    samples = people[["participant", "day"]].set_index(people["participant"])
    rng = np.random.default_rng(12)
    counts = sequence_metagenomes(people, samples, pr.guild_orthologs(), rng)
    virtual = pr.virtual_people(_profile(counts))
    truth = _merged(people)
    error = virtual[list(RESIDENT_GUILDS)].to_numpy() - truth
    lo, hi, se = _bounds(people, counts.sum(axis=1).to_numpy(), alpha=0.001)
    assert ((error > lo) & (error < hi)).all(), np.argwhere((error <= lo) | (error >= hi))
    z = error / se
    assert 0.5 < np.sqrt((z**2).mean()) < 1.5  # the SEs are neither too small nor too large
    rmse = np.sqrt((error**2).mean(axis=0))
    assert (rmse < 0.05).all(), dict(zip(RESIDENT_GUILDS, rmse, strict=True))
    wrong = virtual[list(RESIDENT_GUILDS)].to_numpy() - np.roll(truth, 1, axis=0)
    assert ((wrong <= lo) | (wrong >= hi)).any()  # against another person's truth it fails


def test_the_reference_person_has_unit_capacities():
    ref = np.array([pr.PARAMETER_TABLE[f"ref_{g}"].value for g in RESIDENT_GUILDS])
    guilds = pd.DataFrame([[*ref / ref.sum(), 0.0]], columns=list(GUILDS), index=["ref"])
    caps = pr.capacities(guilds=guilds)
    np.testing.assert_allclose(caps.to_numpy(), 1.0, 1e-12)
    assert list(caps.columns) == [*pr.CAPACITY_MODULES, "scfa"]
    more_lab = guilds.assign(bifidobacteria_lab=guilds["bifidobacteria_lab"] * 2)
    assert pr.capacities(guilds=more_lab).loc["ref", "gaba"] > 1


def test_taxa_tables_map_by_genus_and_the_atlas_goes_through_the_same_mapping():
    table = pd.DataFrame(
        {
            "k__Bacteria|p__Firmicutes|g__Faecalibacterium|s__Faecalibacterium_prausnitzii": [60.0],
            "k__Bacteria|p__Bacteroidetes|g__Bacteroides|s__Bacteroides_uniformis": [30.0],
            "k__Bacteria|p__Actinobacteria|g__Bifidobacterium": [5.0],
            "k__Bacteria|p__Firmicutes|g__Unknownia": [5.0],
        },
        index=["S1"],
    )
    guilds = pr.taxa_guilds(table, other="keep")
    assert guilds.loc["S1", "butyrate_producers"] == pytest.approx(0.60)
    assert guilds.loc["S1", "other"] == pytest.approx(0.05)
    people = pr.virtual_people(taxa=table)
    assert people.loc["S1", list(GUILDS)].sum() == pytest.approx(1.0)
    assert people.loc["S1", "bacteroides_prevotella"] == pytest.approx(30 / 95)
    atlas = atlas_guilds()
    pd.testing.assert_frame_equal(
        atlas, pr.taxa_guilds(load_atlas().features).rename_axis("atlas_sample")
    )
    every = pr.taxon_map()
    assert not every["taxon"].duplicated().any() and every["justification"].str.len().gt(20).all()
    assert pr.guild_repertoire()["source"].str.len().gt(20).all()


@pytest.mark.parametrize("name", ["guild_repertoire.csv", "taxon_guild_map.csv"])
def test_every_mapping_row_says_how_its_source_was_checked(name):
    frame = pr._read(name)
    outcome = frame["checked"].str.extract(r"^(confirmed|corrected|NOT CONFIRMED)(.*)$")
    assert outcome[0].notna().all(), frame.loc[outcome[0].isna(), "checked"].tolist()
    # a correction or a failed check says what was wrong; a confirmation names a page read
    assert (outcome.loc[outcome[0] != "confirmed", 1].str.len() > 20).all()
    confirmed = frame["checked"] == "confirmed"
    assert frame.loc[confirmed, "checked_at"].str.contains("http").all()
    assert frame["checked_at"].str.strip().str.len().gt(0).all()


def test_the_check_example_and_counts_of_the_docs(doc_examples):
    assert doc_examples.run("omics.md", "From a profile to a virtual person") == 1
    text = (Path(__file__).parents[2] / "docs" / "omics.md").read_text(encoding="utf-8")
    for name in ("guild_repertoire.csv", "taxon_guild_map.csv"):
        kind = pr._read(name)["checked"].str.extract(r"^(confirmed|corrected|NOT CONFIRMED)")[0]
        counts = kind.value_counts()
        row = f"| `{name}` | {len(kind)} | " + " | ".join(
            str(counts.get(k, 0)) for k in ("confirmed", "corrected", "NOT CONFIRMED")
        )
        assert row + " |" in text, row


def test_bad_profiles_are_named():
    with pytest.raises(DataError, match=r"sample 'S1' has no abundance in any guild"):
        pr.module_guilds(pd.DataFrame({"S1": [0.0]}, index=["GB001"]))
    with pytest.raises(DataError, match=r"column 'x' = -1.0"):
        pr.taxa_guilds(pd.DataFrame({"x": [-1.0]}, index=["S1"]))


def test_the_biom_worked_example_of_the_docs(doc_examples, tmp_path, monkeypatch):
    """docs/omics.md: a BIOM file of KO reads -> gutbrain profile -> virtual people."""
    monkeypatch.chdir(tmp_path)
    assert doc_examples.run("omics.md", "From a BIOM file to a virtual person") == 1
    args = ["profile", "kos.biom", "--modules", "gutbrain", "--estimator", "average"]
    r = CliRunner().invoke(app, [*args, "--out", "prof"])
    assert r.exit_code == 0 and "12 rows reported over 3 samples" in r.output, r.output
    people = pr.virtual_people(pd.read_csv("prof/modules.tsv", sep="\t", index_col="Module"))
    printed = people.round(3).T
    assert printed["A"].tolist()[:6] == [0.466, 0.067, 0.371, 0.043, 0.053, 0.0]
    assert printed.loc["gaba_capacity"].tolist() == [0.709, 0.960, 1.418]
    assert printed.loc["scfa_capacity"].tolist() == [1.086, 1.006, 0.893]
