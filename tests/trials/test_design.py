"""Design files: bad values raise DesignError naming the key and the value."""

from __future__ import annotations

import re
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
        (lambda d: d["arms"].pop(), "arms: a parallel design needs at least two arms"),
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
        (lambda d: d.update(inclusion=[{"instrument": "PHQ-9"}]), "inclusion[1]: needs min"),
        # unknown keys in sub-tables used to be ignored silently
        (lambda d: d["dropout"].update(rate_per_month=0.05), "dropout.rate_per_month = 0.05"),
        (lambda d: d["adherence"].update(rate=0.7), "adherence.rate = 0.7"),
        (lambda d: d["timeline"].update(washout_days=7), "timeline.washout_days = 7"),
        (lambda d: d["blinding"].update(expectation=0.5), "blinding.expectation = 0.5"),
        (lambda d: d["allocation"].update(block=4), "allocation.block = 4"),
        (lambda d: d["biomarkers"].update(day=[0]), "biomarkers.day = [0]"),
        (lambda d: d["visits"][0].update(instrument="PHQ-9"), "visits[1].instrument = 'PHQ-9'"),
        (lambda d: d["arms"][1]["probiotic"].update(cfu=5), "arms[2].probiotic.cfu = 5"),
        (
            lambda d: d.update(inclusion=[{"instrument": "PHQ-9", "min": 10, "mx": 20}]),
            "inclusion[1].mx = 20",
        ),
        # cohort_baseline values: a string was a ValueError traceback, true became 1.0
        (
            lambda d: d.update(cohort_baseline={"fibre_g": "lots"}),
            "cohort_baseline.fibre_g = 'lots'",
        ),
        (lambda d: d.update(cohort_baseline={"fibre_g": True}), "cohort_baseline.fibre_g = True"),
    ],
)
def test_bad_design_names_key_and_value(change, needle) -> None:
    d = _js()
    change(d)
    with pytest.raises(DesignError) as err:
        parse_design(d, "js2025.toml")
    assert "js2025.toml" in str(err.value) and needle in str(err.value)


def test_unreadable_and_invalid_files(tmp_path) -> None:
    """A file that cannot be read is named by the path as given, not by its name alone."""
    missing = tmp_path / "missing.toml"
    with pytest.raises(DesignError, match=rf"^{re.escape(str(missing))}: not found"):
        load_design(missing)
    with pytest.raises(DesignError, match=rf"^{re.escape(str(tmp_path))}: cannot be read"):
        load_design(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("name = ")
    with pytest.raises(DesignError, match=rf"^{re.escape(str(bad))}: is not valid TOML"):
        load_design(bad)


def test_the_other_groups_key_is_not_read() -> None:
    """A parallel design's [[phases]] and a crossover's or nof1's [[arms]] are ignored."""
    d = _js()
    d["phases"] = [{"label": "A"}]
    assert parse_design(d, "js2025.toml").labels == parse_design(_js(), "js2025.toml").labels
    with open("examples/trials/nof1_abab.toml", "rb") as f:
        n = tomllib.load(f)
    n["arms"] = "anything"
    assert parse_design(n, "nof1_abab.toml").labels == ("A", "B")


@pytest.mark.parametrize("label", [" placebo", ""])
def test_labels_the_bundle_would_refuse_are_refused_early(label) -> None:
    """The bundle's study.toml refuses them, so a trial with them could not be written."""
    d = _js()
    d["arms"][0]["label"] = label
    with pytest.raises(DesignError, match=r"arms\[1\]\.label = .*; expected a text label"):
        parse_design(d, "js2025.toml")


def test_unknown_key_message_lists_the_allowed_ones() -> None:
    d = _js()
    d["dropout"]["rate_per_month"] = 0.05
    with pytest.raises(DesignError, match=r"expected only the keys rate_per_week$"):
        parse_design(d, "js2025.toml")


def test_nof1_timeline_has_no_treatment_days() -> None:
    with open("examples/trials/nof1_abab.toml", "rb") as f:
        d = tomllib.load(f)
    d["timeline"]["treatment_days"] = 60
    with pytest.raises(DesignError, match=r"timeline.treatment_days = 60; expected only the keys"):
        parse_design(d, "nof1_abab.toml")


def test_design_file_not_utf8(tmp_path) -> None:
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9 study"\n')
    with pytest.raises(DesignError, match=r"latin1.toml: is not UTF-8 text .* save it as UTF-8"):
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
