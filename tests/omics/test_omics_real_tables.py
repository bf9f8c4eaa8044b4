"""Every reader on real tables written by its tool (tests/omics/data/README.md names them).

Expected values are read off the files by eye (the lines quoted in each test)."""

from __future__ import annotations

from pathlib import Path

import anndata
import biom
import numpy as np
import pytest

from gutbrain.omics import detect, read, read_biom, read_humann, read_metaphlan, read_table

DATA = Path(__file__).parent / "data"
ATLAS = Path(__file__).parents[2] / "src" / "gutbrain" / "population" / "data"


@pytest.mark.parametrize("name", ["biom_1.0_test.json", "biom_2.1_test.biom"])
def test_biom_json_and_hdf5(name: str) -> None:
    a = read_biom(DATA / name)
    assert isinstance(a, anndata.AnnData)
    assert list(a.obs_names) == [f"Sample{i}" for i in range(1, 7)]
    assert list(a.var_names) == [f"GG_OTU_{i}" for i in range(1, 6)]
    # the same table as biom-format parses it, transposed to samples x features
    table = biom.load_table(str(DATA / name))
    np.testing.assert_array_equal(a.layers["counts"], table.matrix_data.T.toarray())
    assert a.layers["counts"].sum() == 27  # the 15 entries of test.json's "data" sum to 27
    assert a.var.loc["GG_OTU_1", "taxonomy"].startswith("k__Bacteria; p__Proteobacteria")
    assert a.obs.loc["Sample4", "BODY_SITE"] == "skin"
    np.testing.assert_allclose(a.layers["relative"].sum(axis=1), 1.0)


def test_biom_classic_tsv_qiime() -> None:
    """QIIME 1.9.1's tiny-test table as ``biom convert --to-tsv`` writes it."""
    a = read(DATA / "qiime191_otu-table.tsv")
    assert detect(DATA / "qiime191_otu-table.tsv") == "biom"
    assert a.shape == (8, 10)
    assert a["f2", "295053"].layers["counts"].item() == 20  # line 3: 295053, then f2 = 20


def test_humann_pathways_stratified_and_special_rows() -> None:
    a = read(DATA / "humann_pathabundance.tsv")
    assert detect(DATA / "humann_pathabundance.tsv") == "humann"
    assert list(a.obs_names) == ["demo_Abundance"]
    assert a.n_vars == 48
    var = a.var
    assert var.loc["UNMAPPED", "special"] and var.loc["UNINTEGRATED", "special"]
    pathway = "PWY-5100: pyruvate fermentation to acetate and lactate II"
    row = f"{pathway}|g__Bacteroides.s__Bacteroides_stercoris"
    assert var.loc[row, "function"] == "PWY-5100"
    assert var.loc[row, "name"] == "pyruvate fermentation to acetate and lactate II"
    assert var.loc[row, "taxon"] == "g__Bacteroides.s__Bacteroides_stercoris"
    assert var.loc[row, "stratified"]
    assert a[:, row].layers["counts"].item() == pytest.approx(1.6860746138)
    # relative abundance is over the 29 community rows (UNMAPPED + UNINTEGRATED + 27 pathways)
    community = ~var["stratified"].to_numpy(bool)
    assert community.sum() == 29
    np.testing.assert_allclose(a.layers["relative"][:, community].sum(), 1.0)


def test_humann_gene_families_and_kos() -> None:
    g = read_humann(DATA / "humann_genefamilies.tsv", stratified="drop")
    assert g.n_vars == 13  # UNMAPPED and 12 UniRef90 families
    assert g[:, "UNMAPPED"].layers["counts"].item() == 100.0
    assert g.var.loc["UniRef90_B6YQ01: 50S ribosomal protein L11", "name"] == (
        "50S ribosomal protein L11"
    )
    k = read_humann(DATA / "humann_ko.tsv", stratified="only")
    assert list(k.var_names) == ["K01838|bug1", "K01838|bug2"]
    np.testing.assert_array_equal(k.layers["counts"], [[15.0, 15.0], [25.0, 25.0]])


def test_metaphlan4_profile() -> None:
    path = DATA / "metaphlan4_profile.tsv"
    assert detect(path) == "metaphlan"
    species = read(path)
    assert list(species.obs_names) == ["demo"]  # from '#SampleID<TAB>demo'
    assert species.uns["database"] == "mpa_vJan25_CHOCOPhlAnSGB_202503"
    ovatus = species.var_names[species.var["name"] == "Bacteroides_ovatus"].item()
    assert species[:, ovatus].X.item() == 30.4
    assert species[:, ovatus].layers["counts"].item() == 155746  # estimated reads
    assert species[:, "UNCLASSIFIED"].X.item() == 12.5
    sgbs = read_metaphlan(path, rank="t")
    assert sgbs.n_vars == 6  # five t__ lines and UNCLASSIFIED
    assert sgbs.var["taxid"].iloc[-1] == "2759|4762|||4777|4778|100861|"
    assert read_metaphlan(path, rank=None).n_vars == 9


def test_plain_wide_table_hitchip_atlas() -> None:
    a = read_table(ATLAS / "atlas_feature_table.csv")
    assert a.shape == (300, 21)
    assert a.obs_names[0] == "Sample-1"
    assert a.var_names[0] == "Actinobacteria"
    assert a[:, "Actinobacteria"].layers["counts"][0].item() == 197


def test_plain_long_table(tmp_path: Path) -> None:
    path = tmp_path / "taxa.csv"
    path.write_text("sample,taxon,abundance\nS1,A,3\nS1,B,1\nS2,B,2\n")
    a = read_table(path, layout="long")
    np.testing.assert_array_equal(a.layers["counts"], [[3, 1], [0, 2]])
    np.testing.assert_allclose(a.layers["relative"], [[0.75, 0.25], [0, 1]])


def test_features_as_rows_tsv(tmp_path: Path) -> None:
    path = tmp_path / "otus.tsv"
    path.write_text("otu\tS1\tS2\nA\t1\t0\nB\t2\t5\n")
    a = read_table(path, samples="columns")
    assert list(a.obs_names) == ["S1", "S2"] and list(a.var_names) == ["A", "B"]
    np.testing.assert_array_equal(a.X, [[1, 2], [0, 5]])


def test_docs_examples_run(doc_examples) -> None:  # type: ignore[no-untyped-def]
    """docs/omics.md's writing and HITChip Atlas examples run and their figures hold."""
    assert doc_examples.run("omics.md", "Writing") == 1
    assert doc_examples.run("omics.md", "Diversity on the HITChip Atlas") == 1
