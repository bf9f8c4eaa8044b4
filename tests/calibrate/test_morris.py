"""Morris screening (gutbrain.calibrate.morris): a reduced run on one fast row checks the
machinery; the full run is benchmarks/morris_screen.py with committed output."""

from __future__ import annotations

import pandas as pd

from gutbrain.calibrate.morris import (
    THRESHOLD,
    factors,
    load_shortlist,
    rank,
    scale,
    screen,
    shortlist,
)
from gutbrain.calibrate.runs import FIXED
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import load_targets


def _row(key: str):  # type: ignore[no-untyped-def]
    return next(t for t in load_targets() if t.key == key)


def test_factors_are_the_assumed_parameters_a_set_may_override() -> None:
    names = factors()
    assert all(PARAMETER_TABLE[n].role == "assumed" for n in names)
    assert not set(names) & FIXED
    assert "e_lps_inflammation" in names and "vulnerability" not in names


def test_scale_is_the_published_yardstick() -> None:
    assert scale(_row("DOW2010_IL6")) == 2.33 - 1.23  # the 95% CI width
    assert scale(_row("FURUKAWA2016_RESPONSE")) == 0.40 - 0.35  # a published range
    assert scale(_row("SAID2021_IL6_HEALTHY")) == 5.74 - 4.63
    assert scale(_row("JS2025_NA_ONSET")) == 14.0  # no interval: the value itself
    assert scale(_row("SO2018_ALPHA_DIVERSITY")) == 1.0  # a direction row


def test_a_driver_ranks_above_a_parameter_that_cannot_act() -> None:
    """4 trajectories over 4 parameters on the depressed-minus-healthy IL-6 row: cortisol's and
    LPS's effects on inflammation move it; an SSRI gain and the CBT skill loss cannot (no SSRI or
    CBT in the experiment)."""
    names = ["e_cortisol_inflammation", "e_lps_inflammation", "e_ssri_serotonergic"]
    # gamma_cbt_loss's range [0.001, 0.01] puts the grid's top level a rounding error past 0.01
    # unless the design is clipped to the declared ranges; without CBT it cannot act either
    names.append("gamma_cbt_loss")
    res = screen(["DOW2010_IL6"], trajectories=4, seed=3, names=names)
    mu_star = res.set_index("parameter")["mu_star"]
    assert mu_star["e_ssri_serotonergic"] == 0.0
    assert mu_star["gamma_cbt_loss"] == 0.0
    assert min(mu_star["e_cortisol_inflammation"], mu_star["e_lps_inflammation"]) > 0.0
    ranked = rank(res)
    assert set(ranked["parameter"].iloc[-2:]) == {"e_ssri_serotonergic", "gamma_cbt_loss"}
    assert (ranked["max_mu_star"].diff().dropna() <= 0).all()


def test_shortlist_rule() -> None:
    res = pd.DataFrame(
        {
            "parameter": ["a_p", "a_p", "b_p", "c_p"],
            "key": ["X", "Y", "X", "X"],
            "mu": [0.1, 2.0, 0.3, 0.0],
            "mu_star": [0.1, 2.0, THRESHOLD, THRESHOLD / 2],
            "sigma": [0.0, 1.0, 0.1, 0.0],
            "mu_star_conf": [0.0, 0.0, 0.0, 0.0],
        }
    )
    ranked = rank(res)
    assert list(ranked["parameter"]) == ["a_p", "b_p", "c_p"]
    assert ranked.loc[0, "top_key"] == "Y"
    ranked["parameter"] = ["e_lps_inflammation", "gamma_inflammation", "inflammation_floor"]
    keep = shortlist(ranked)
    assert list(keep["parameter"]) == ["e_lps_inflammation", "gamma_inflammation"]
    assert (keep["low"] <= keep["value"]).all() and (keep["value"] <= keep["high"]).all()


def test_committed_shortlist_names_screened_parameters_above_the_threshold() -> None:
    committed = load_shortlist()
    assert set(committed["parameter"]) <= set(factors())
    assert (committed["max_mu_star"] >= THRESHOLD).all()
