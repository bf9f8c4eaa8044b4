"""The instrument registry (``instruments.toml``): ranges, item scales, reliability, forms.

Reference ranges (total score min-max) from each instrument's defining publication, as listed in
``Instrument.source``: PHQ-9 0-27 (Kroenke 2001), GAD-7 0-21 (Spitzer 2006), PANAS-NA/PA 10-50
(Watson 1988), STAI state/trait 20-80 (Spielberger 1983), PSWQ 16-80 (Meyer 1990), PSS-10 0-40
(Cohen & Williamson 1988), HAMD-17 0-52 (Hamilton 1960), MADRS 0-60 (Montgomery & Asberg 1979),
BDI-II 0-63 (Beck 1996), HAMA 0-56 (Hamilton 1959), IDS-C30 0-84 (Rush 1996).
"""

from __future__ import annotations

import dataclasses

import pytest

from gutbrain.errors import ParameterError
from gutbrain.instruments import FORMS, INSTRUMENTS, MARKERS, _forms, _instrument, _marker

EXPECTED = {
    "PHQ-9": (0, 27),
    "GAD-7": (0, 21),
    "PANAS-NA": (10, 50),
    "PANAS-PA": (10, 50),
    "STAI-state": (20, 80),
    "STAI-trait": (20, 80),
    "PSWQ": (16, 80),
    "PSS-10": (0, 40),
    "HAMD-17": (0, 52),
    "MADRS": (0, 60),
    "BDI-II": (0, 63),
    "HAMA": (0, 56),
    "IDS-C30": (0, 84),
}

# Where the total is a plain sum of equally scored items: items counted x item range (HAMD-17
# mixes 0-4 and 0-2 items, so it is checked against the published 0-52 only).
ITEMS = {
    "PHQ-9": (9, 0, 3),
    "GAD-7": (7, 0, 3),
    "PANAS-NA": (10, 1, 5),
    "PANAS-PA": (10, 1, 5),
    "STAI-state": (20, 1, 4),
    "STAI-trait": (20, 1, 4),
    "PSWQ": (16, 1, 5),
    "PSS-10": (10, 0, 4),
    "MADRS": (10, 0, 6),
    "BDI-II": (21, 0, 3),
    "HAMA": (14, 0, 4),
    "IDS-C30": (28, 0, 3),  # 30 items, 28 counted towards the total
}


def test_every_instrument_and_range() -> None:
    assert {k: (v.min, v.max) for k, v in INSTRUMENTS.items()} == EXPECTED
    for name, inst in INSTRUMENTS.items():
        assert inst.name == name
        assert inst.title and inst.measures and inst.scoring and inst.source, name
        assert 0 < inst.retest_r <= 1 and inst.retest_days >= 1 and inst.retest_source, name


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_range_follows_from_item_scoring(name: str) -> None:
    n, lo, hi = ITEMS[name]
    inst = INSTRUMENTS[name]
    assert (inst.min, inst.max) == (n * lo, n * hi)
    assert (inst.item_min, inst.item_max) == (lo, hi)
    assert inst.n_items == (30 if name == "IDS-C30" else n)


def test_read_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        INSTRUMENTS["X"] = INSTRUMENTS["PHQ-9"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        INSTRUMENTS["PHQ-9"].max = 30  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min": 5, "max": 5}, r"\[PHQ-9\] max = 5; expected above min 5"),
        ({"max": 30}, r"min = 0; expected a total range inside 9 items x 0-3 \(0-27; max is 30\)"),
        ({"retest_r": 1.2}, r"retest_r = 1\.2; expected 0 < r <= 1"),
        ({"options": ("a", "b")}, r"options = \('a', 'b'\); expected 4 labels or none"),
        ({"reversed_items": (10,)}, r"reversed_items = \(10,\); expected items 1 to 9"),
        ({"rater": "parent"}, r"rater = 'parent'; expected one of self, clinician"),
    ],
)
def test_bad_instrument_names_the_file_key_and_value(change: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=r"^instruments\.toml .*" + message):
        dataclasses.replace(INSTRUMENTS["PHQ-9"], **change)


def test_unknown_and_missing_keys_are_named() -> None:
    table = {
        f.name: getattr(INSTRUMENTS["PSWQ"], f.name)
        for f in dataclasses.fields(INSTRUMENTS["PSWQ"])
    }
    del table["name"]
    with pytest.raises(ParameterError, match=r"\[PSWQ\]: unknown key\(s\) \['range'\]"):
        _instrument("PSWQ", {**table, "range": [16, 80]})
    del table["retest_r"]
    with pytest.raises(ParameterError, match=r"\[PSWQ\]: missing key\(s\) \['retest_r'\]"):
        _instrument("PSWQ", table)


def test_panas_form_carries_negative_and_positive_affect() -> None:
    """Watson et al. 1988: PA items 1,3,5,9,10,12,14,16,17,19 of the 20; NA the other ten."""
    na, pa = FORMS["PANAS"]
    assert (na.name, pa.name) == ("PANAS-NA", "PANAS-PA")
    assert pa.form_items == (1, 3, 5, 9, 10, 12, 14, 16, 17, 19)
    assert sorted(na.form_items + pa.form_items) == list(range(1, 21))
    assert [i.name for i in FORMS["PHQ-9"]] == ["PHQ-9"]
    assert "PANAS-NA" not in FORMS


def test_a_form_whose_items_overlap_is_rejected() -> None:
    na = INSTRUMENTS["PANAS-NA"]
    pa = dataclasses.replace(INSTRUMENTS["PANAS-PA"], form_items=na.form_items)
    with pytest.raises(ParameterError, match=r"form 'PANAS' \(PANAS-NA, PANAS-PA\)"):
        _forms({"PANAS-NA": na, "PANAS-PA": pa})


# Biomarker assays: unit and sampling time as the cited laboratory or study reports them.
MARKER_UNITS = {
    "acth": ("pg/mL", 1.0),  # MAYO-ACTH: a.m. draws only
    "plasma_cortisol_am": ("nmol/L", 1.0),  # MAYO-CORT: 8 a.m.
    "plasma_cortisol_pm": ("nmol/L", 9.0),  # MAYO-CORT: 4 p.m.
    "salivary_cortisol_am": ("nmol/L", 0.5),  # WUST2000: awakening-response peak
    "salivary_cortisol_pm": ("nmol/L", 16.0),  # GAR2015: at bedtime
    "urinary_free_cortisol": ("nmol/24h", None),  # MAYO-CORTU: 24-h collection
    "crp": ("mg/L", None),
    "il6": ("pg/mL", None),
    "tnfa": ("pg/mL", None),
    "faecal_butyrate": ("umol/g", None),
    "faecal_propionate": ("umol/g", None),
    "faecal_acetate": ("umol/g", None),
}


def test_every_marker_with_unit_and_sampling_time() -> None:
    assert {k: (m.unit, m.hours_after_waking) for k, m in MARKERS.items()} == MARKER_UNITS
    for name, marker in MARKERS.items():
        assert marker.name == name and marker.title and marker.specimen and marker.source
    assert not set(MARKERS) & set(INSTRUMENTS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours_after_waking": 25.0}, r"\[marker.x\] hours_after_waking = 25.0; expected hours"),
        ({"unit": ""}, r"\[marker.x\] unit = ''; expected a text"),
        ({"colour": "red"}, r"\[marker.x\]: unknown key\(s\) \['colour'\]"),
    ],
)
def test_bad_marker_names_key_and_value(change: dict, message: str) -> None:
    table = {k: v for k, v in dataclasses.asdict(MARKERS["acth"]).items() if k != "name"}
    with pytest.raises(ParameterError, match=message):
        _marker("x", {**table, **change})
