"""gutbrain's own module set: it parses, covers the brief's pathways, each step has a source."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from gutbrain.omics.modules import BUILTIN, builtin_modules_path, read_modules
from gutbrain.omics.modules_profile import profile_modules
from gutbrain.omics.modules_table import KoTable

SOURCES = builtin_modules_path().with_name("gutbrain_modules_sources.csv")


def test_the_set_parses_and_is_found_by_name() -> None:
    db = read_modules(BUILTIN)
    assert db.source == str(builtin_modules_path())
    names = " ".join(m.name for m in db.modules)
    for topic in ("GABA synthesis", "GABA degradation", "glutamate", "serotonin", "kynurenine",
                  "indole", "butyrate kinase", "CoA-transferase", "succinate", "acrylate",
                  "propanediol", "acetate", "dopamine", "DOPAC", "p-cresol", "histamine",
                  "cortisol"):  # fmt: skip
        assert topic in names, topic


def test_every_module_and_step_has_a_source_matching_the_definition() -> None:
    db = read_modules(BUILTIN)
    with SOURCES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected = [
        (m.id, str(i), " | ".join(",".join(alt) for alt in step))
        for m in db.modules
        for i, step in enumerate(m.steps, start=1)
    ]
    assert [(r["module"], r["step"], r["orthologs"]) for r in rows] == expected
    assert all(r["step_source"].strip() and r["module_source"].strip() for r in rows)


def test_every_step_says_where_its_ids_and_sources_were_checked() -> None:
    with SOURCES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        checked = dict(part.split(": ", 1) for part in r["checked_at"].split(" | "))
        assert set(checked) == {"ko", "step_source", "module_source"}, r["checked_at"]
        assert all(value.strip() for value in checked.values()), r
        if r["orthologs"].startswith("K"):
            assert "ko_list" in checked["ko"], r


def test_a_full_community_covers_every_module() -> None:
    db = read_modules(BUILTIN)
    kos = sorted(set().union(*(m.orthologs for m in db.modules)))
    table = KoTable(np.full((len(kos), 1), 2.0), tuple(kos), ("S",))
    profile = profile_modules(table, db, coverage=1.0)
    assert (profile.coverage["S"] == 1).all() and (profile.abundance["S"] == 2).all()


def test_no_non_commercial_definition_file_is_shipped() -> None:
    data = Path(builtin_modules_path()).parent
    assert sorted(p.name for p in data.iterdir() if p.is_file()) == [
        "LICENSE.md", "gutbrain_modules.txt", "gutbrain_modules_sources.csv"
    ]  # fmt: skip
