"""The trial rows run their designs with the parameter set (TrialDesign.parameters)."""

from __future__ import annotations

import dataclasses
import tomllib
from importlib.resources import files

import numpy as np

from gutbrain.trials.design import parse_design
from gutbrain.trials.run import _population


def test_design_parameters_reach_every_participant() -> None:
    text = files("gutbrain.calibrate").joinpath("designs/placebo_ssri_8w.toml").read_text()
    design = parse_design(tomllib.loads(text), "placebo_ssri_8w.toml")
    assert design.parameters == {}  # design files never set them
    changed = dataclasses.replace(design, parameters={"e_lps_inflammation": 0.7})
    pop = _population(changed, 181, np.arange(3))
    assert np.all(pop.params["e_lps_inflammation"] == 0.7)
    assert np.all(_population(design, 181, np.arange(3)).params["e_lps_inflammation"] == 0.25)
