"""The trial rows run their designs with the parameter set (the trial's ensemble member)."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import numpy as np

from gutbrain.trials.design import parse_design
from gutbrain.trials.run import _population


def test_a_parameter_set_reaches_every_participant() -> None:
    text = files("gutbrain.calibrate").joinpath("designs/placebo_ssri_8w.toml").read_text()
    design = parse_design(tomllib.loads(text), "placebo_ssri_8w.toml")
    pop = _population(design, 181, np.arange(3), (("e_lps_inflammation", 0.7),))
    assert np.all(pop.params["e_lps_inflammation"] == 0.7)
    assert np.all(_population(design, 181, np.arange(3)).params["e_lps_inflammation"] == 0.25)
