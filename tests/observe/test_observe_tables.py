"""The observation parameter tables: complete, sourced, in range, and consistent with the
instruments' published severity bands."""

from __future__ import annotations

import pytest

import gutbrain.observe as observe
from gutbrain.errors import ParameterError
from gutbrain.instruments import INSTRUMENTS
from gutbrain.observe import RESPONSE_MODELS, parameter, parameter_table, response_model

# Published "moderate" severity bands; the latent 0.5 (moderate MDD / moderate anxiety in the
# model's convention) must map inside them.
MODERATE_BANDS = {
    "PHQ-9": (10, 14),  # Kroenke 2001
    "GAD-7": (10, 14),  # Spitzer 2006
    "HAMD-17": (17, 23),  # Zimmerman 2013
    "MADRS": (20, 34),  # Snaith 1986 / Muller 2003
    "BDI-II": (20, 28),  # Beck 1996
    "HAMA": (15, 23),  # Matza 2010
    "IDS-C30": (24, 36),  # Rush 2003
}


def test_every_parameter_has_unit_range_and_source():
    table = parameter_table()
    assert len(table) > 0
    for rec in table.itertuples():
        assert rec.low <= rec.value <= rec.high, rec.name
        assert isinstance(rec.unit, str) and rec.unit, rec.name
        assert rec.role in {"literature", "assumed", "calibrated"}, rec.name
        assert isinstance(rec.source, str) and rec.source, rec.name


def test_unknown_parameter_names_the_key():
    with pytest.raises(ParameterError, match=r"no\.such"):
        parameter("no.such")


def test_every_registry_instrument_has_a_response_model():
    """Observe re-exports the registry as the instruments it can score, in the same order."""
    assert list(RESPONSE_MODELS) == list(INSTRUMENTS)
    assert observe.INSTRUMENTS is INSTRUMENTS
    for name, model in RESPONSE_MODELS.items():
        assert model.instrument is INSTRUMENTS[name] and model.name == name


@pytest.mark.parametrize("name", sorted(MODERATE_BANDS))
def test_moderate_latent_maps_into_the_published_moderate_band(name):
    inst = response_model(name)
    lo, hi = MODERATE_BANDS[name]
    assert lo <= inst.intercept + inst.slope * 0.5 <= hi


def test_every_instrument_cites_its_anchors_and_reliability():
    for model in RESPONSE_MODELS.values():
        assert model.anchor_source and model.reference_source and model.experience_source
        assert model.instrument.retest_source
        assert 0 < model.error_sd < model.ref_sd


def test_unknown_instrument_lists_the_known_ones():
    with pytest.raises(ParameterError, match="PHQ-9"):
        response_model("PHQ-8")


def test_observe_all_names_exist():
    for name in observe.__all__:
        assert hasattr(observe, name), name
