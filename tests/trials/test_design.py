"""Design files: bad values raise DesignError naming the key and the value."""

from __future__ import annotations

import tomllib

import pytest

from gutbrain.errors import DesignError
from gutbrain.trials.design import load_design, parse_design

JS = "examples/trials/js2025.toml"


def _js() -> dict:
    with open(JS, "rb") as f:
        return tomllib.load(f)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d.update(cohort="martians"), "cohort = 'martians'"),
        (lambda d: d.update(design="factorial"), "design = 'factorial'"),
        (lambda d: d.update(n=0), "n = 0"),
        (lambda d: d.update(colour="blue"), "colour = 'blue'"),
        (
            lambda d: d["arms"][1]["probiotic"].update(product="yakult9"),
            "arms[2].probiotic.product = 'yakult9'",
        ),
        (
            lambda d: d["arms"][1]["probiotic"].update(cfu_per_day=-1.0),
            "arms[2].probiotic.cfu_per_day = -1.0",
        ),
        (lambda d: d["arms"].pop(), "arms = '1 arm(s)'"),
        (
            lambda d: d["visits"][0].update(instruments=["PANAS-XX"]),
            "visits[1].instruments[1] = 'PANAS-XX'",
        ),
        (lambda d: d["visits"][1].update(day=99), "visits[2].day = 99"),
        (lambda d: d["blinding"].update(level="triple"), "blinding.level = 'triple'"),
        (
            lambda d: d["biomarkers"].update(markers=["dopamine"]),
            "biomarkers.markers[1] = 'dopamine'",
        ),
        (lambda d: d["adherence"].update(mean=1.5), "adherence.mean = 1.5"),
        (lambda d: d["allocation"].update(ratio=[1]), "allocation.ratio = [1]"),
        (lambda d: d["arms"][0].update(diet={"chocolate": 3}), "arms[1].diet.chocolate = 3"),
        (lambda d: d.update(inclusion=[{"instrument": "PHQ-9"}]), "inclusion[1] needs min"),
    ],
)
def test_bad_design_names_key_and_value(change, needle) -> None:
    d = _js()
    change(d)
    with pytest.raises(DesignError) as err:
        parse_design(d, "js2025.toml")
    assert "js2025.toml" in str(err.value) and needle in str(err.value)


def test_unreadable_and_invalid_files(tmp_path) -> None:
    with pytest.raises(DesignError, match="cannot read"):
        load_design(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ")
    with pytest.raises(DesignError, match="not valid TOML"):
        load_design(bad)


def test_examples_parse_and_packaged_demo_matches() -> None:
    for name in ("js2025", "nik2021_adjunct", "nik2023", "nof1_abab"):
        d = load_design(f"examples/trials/{name}.toml")
        assert d.n > 0 and len(d.treatments) >= 2
    from gutbrain.trials.output import demo_design_path

    with open(demo_design_path(), encoding="utf-8") as f, open(JS, encoding="utf-8") as g:
        assert f.read() == g.read()


def test_js2025_timeline() -> None:
    d = load_design(JS)
    assert (d.n, d.run_in_days, d.treatment_days, d.total_days) == (88, 7, 28, 35)
    assert d.instruments == ("diary", "PANAS-NA", "PANAS-PA", "STAI-state", "PSWQ")
