"""Generator parameters from a pilot bundle: recovered from a simulated pilot, and merged into
a design under the keys the design gives itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from gutbrain.power.design import parse_design
from gutbrain.power.generator import Generator, simulate
from gutbrain.power.pilot import pilot_parameters

TRUTH = Generator(intercept=50.0, sd_intercept=5.0, sd_within=6.0, ar1=0.4, compliance=0.8)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle of 60 participants x 30 days drawn from :data:`TRUTH`."""
    folder = tmp_path_factory.mktemp("pilot")
    data = simulate(TRUTH, 60, 30, np.random.default_rng(8))
    data["participant"] = [f"P{int(p):02d}" for p in data.participant]
    data["day"] = data.day.astype(int)
    (folder / "study.toml").write_text(
        'name = "pilot"\ndesign = "observational"\nstart = 2026-01-05\n'
        'day0 = "first diary day"\ninstruments = ["diary"]\n'
    )
    ids = sorted(set(data.participant))
    (folder / "participants.csv").write_text("participant\n" + "\n".join(ids) + "\n")
    data["positive_affect"] = 50.0  # required by the bundle format; not used
    data.rename(columns={"y": "negative_affect"})[
        ["participant", "day", "negative_affect", "positive_affect"]
    ].to_csv(folder / "diary.csv", index=False)
    return folder


def test_pilot_parameters_recover_the_generator(pilot: Path) -> None:
    est = pilot_parameters(pilot)
    # Tolerances: about 3 standard errors of each estimate at this size (60 people, ~1,440
    # days): intercept SE ~ 5/sqrt(60) ~ 0.65, random-intercept SD SE ~ 5/sqrt(120) ~ 0.46,
    # compliance SE ~ sqrt(0.16/1800) ~ 0.01. Values stay within the diary's 0-100 range.
    assert est["intercept"] == pytest.approx(50.0, abs=2.2)
    assert est["sd_intercept"] == pytest.approx(5.0, abs=1.5)
    assert est["sd_within"] == pytest.approx(6.0, abs=0.45)
    assert est["ar1"] == pytest.approx(0.4, abs=0.08)
    assert est["compliance"] == pytest.approx(0.8, abs=0.03)


def test_design_keys_win_over_the_pilot(pilot: Path) -> None:
    text = f"""
[generator]
pilot = "{pilot.name}"
ar1 = 0.2
[generator.effects]
Z = 3.0
[analysis]
formula = "y ~ Z"
test = "Z"
[grid]
participants = [20]
days = [14]
"""
    design = parse_design(tomllib.loads(text), "d.toml", pilot.parent)
    est = pilot_parameters(pilot)
    assert design.generator.ar1 == 0.2
    assert design.generator.sd_within == pytest.approx(est["sd_within"])
    assert design.generator.effects == {"Z": 3.0}


def test_missing_outcome_is_a_data_error(pilot: Path) -> None:
    from gutbrain.errors import DataError

    with pytest.raises(DataError, match="no column 'mood'"):
        pilot_parameters(pilot, "mood")
