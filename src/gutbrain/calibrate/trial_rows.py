"""Predictions from small in-silico trials: the ``control_arms`` rows and the trial effects.

Each trial is a design file in ``calibrate/designs/`` run through the trial layer
(:func:`gutbrain.trials.run.plan_trial`, :func:`~gutbrain.trials.run.run_blocks`) with the
parameter set as the trial's ensemble ``member`` and the design's fixed seed. Screening, regression
to the mean, blinding, expectancy, the natural course, adherence and dropout are therefore the
trial layer's, and a change there flows into these predictions. Conventions:

- response: a fall of at least 50% from the baseline visit (day -1), among completers (people
  with a score at the visit) unless the row is intention to treat (dropouts count as
  non-responders);
- remission: HAMD-17 <= 7 (assumed: the usual HAMD-17 cut-off; the rows say "score below
  threshold") or MADRS < 10 (SMILES2017);
- a standardised difference of change scores uses the pooled SD of the change in the two arms.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib.resources import files

import numpy as np
import pandas as pd

from gutbrain.calibrate.runs import Runs, smd
from gutbrain.errors import DesignError
from gutbrain.trials.design import parse_design
from gutbrain.trials.run import plan_trial, run_blocks

__all__ = ["HAMD_REMISSION", "MADRS_REMISSION", "TRIAL_ROWS", "trial_scores"]

HAMD_REMISSION = 7.0
#: Candidates screened per place at most; a parameter set whose cohort passes the inclusion
#: criteria less often cannot run the trial, and its rows are NaN.
SCREENED = 10
MADRS_REMISSION = 10.0


def trial_scores(r: Runs, design: str) -> pd.DataFrame:
    """One row per randomised participant: ``arm`` and one column per visit with the score of the
    design's primary instrument (the first of its first visit; NaN after dropout), for the design
    ``calibrate/designs/<design>.toml`` and the parameter set of ``r``. Empty (every row of the
    trial NaN) when fewer than 1 in :data:`SCREENED` candidates pass screening."""
    key = f"trial:{design}"
    if key not in r.extra:
        text = files("gutbrain.calibrate").joinpath(f"designs/{design}.toml").read_text()
        d = parse_design(tomllib.loads(text), f"{design}.toml")
        try:
            plan = plan_trial(d, member=r.overrides, max_screened=SCREENED * d.n)
        except DesignError:  # too few candidates pass screening: the trial cannot run
            r.extra[key] = pd.DataFrame(columns=[*(v.name for v in d.visits), "arm"], dtype=float)
            return r.extra[key]
        tables = run_blocks(plan, range(plan.n_blocks))
        visits = tables["visits"]
        primary = d.visits[0].instruments[0]
        wide = visits[visits["instrument"] == primary].pivot_table(
            index="participant", columns="visit", values="score", aggfunc="first"
        )
        arms = tables["participants"].set_index("participant")["arm"]
        r.extra[key] = wide.reindex(arms.index).assign(arm=arms)
    return r.extra[key]


def _arm(r: Runs, design: str, arm: str) -> pd.DataFrame:
    t = trial_scores(r, design)
    return t[t["arm"] == arm]


def _responded(t: pd.DataFrame, visit: str) -> pd.Series:
    """True/False for completers at ``visit``, NaN for dropouts."""
    done = t[visit].notna()
    return (t[visit] <= 0.5 * t["baseline"]).where(done)


def _response(
    design: str, arm: str, visit: str = "week8", itt: bool = False
) -> Callable[[Runs], float]:
    def predict(r: Runs) -> float:
        hit = _responded(_arm(r, design, arm), visit)
        return float(hit.fillna(False).mean() if itt else hit.dropna().mean())

    return predict


def _placebo_per_week(r: Runs) -> float:
    """Relative risk of response per extra week: (week 8 / week 6 placebo response)^(1/2)."""
    t = _arm(r, "placebo_ssri_8w", "placebo")
    done = t.dropna(subset=["week6", "week8"])
    w8, w6 = (
        np.float64(_responded(done, "week8").mean()),
        np.float64(_responded(done, "week6").mean()),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((w8 / w6) ** 0.5)


def _placebo_prepost(r: Runs) -> float:
    """Pre-post improvement in the placebo arm: mean fall / SD at baseline (completers)."""
    t = _arm(r, "placebo_ssri_8w", "placebo").dropna(subset=["week8"])
    return float((t["baseline"] - t["week8"]).mean() / t["baseline"].std(ddof=1))


def _ssri_minus_placebo(r: Runs) -> float:
    ssri = _arm(r, "placebo_ssri_8w", "ssri")["week8"].dropna()
    placebo = _arm(r, "placebo_ssri_8w", "placebo")["week8"].dropna()
    return float(ssri.mean() - placebo.mean())


def _shares(r: Runs) -> tuple[np.float64, np.float64]:
    """Week-8 response on SSRI and on placebo (numpy floats: a share of 0 or 1 gives inf/NaN)."""
    return (
        np.float64(_response("placebo_ssri_8w", "ssri")(r)),
        np.float64(_response("placebo_ssri_8w", "placebo")(r)),
    )


def _risk_ratio(r: Runs) -> float:
    p1, p0 = _shares(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(p1 / p0)


def _odds_ratio(r: Runs) -> float:
    p1, p0 = _shares(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(p1 / (1 - p1) / (p0 / (1 - p0)))


def _remitted_by(visit: str) -> Callable[[Runs], float]:
    """Share of untreated people with HAMD-17 <= 7 at any visit up to ``visit``."""
    order = ["month3", "month6", "month12"]

    def predict(r: Runs) -> float:
        t = trial_scores(r, "untreated_course")
        seen = t[order[: order.index(visit) + 1]]
        return float((seen <= HAMD_REMISSION).any(axis=1).mean())

    return predict


def _waitlist_fall(r: Runs) -> float:
    t = trial_scores(r, "untreated_course").dropna(subset=["week8"])
    return float(((t["baseline"] - t["week8"]) / t["baseline"]).mean())


def _change_smd(
    design: str, control: str, active: str, visit: str, benefit: int
) -> Callable[[Runs], float]:
    """d of the change from baseline, active minus control, times ``benefit`` (+1 when the
    row's positive value is a benefit: a larger fall; -1 when negative is a benefit)."""

    def predict(r: Runs) -> float:
        change = [
            (t[visit] - t["baseline"]).dropna()
            for t in (_arm(r, design, control), _arm(r, design, active))
        ]
        return -benefit * smd(change[0].to_numpy(), change[1].to_numpy())

    return predict


def _smiles_remission(arm: str) -> Callable[[Runs], float]:
    def predict(r: Runs) -> float:
        score = _arm(r, "smiles2017", arm)["week12"].dropna()
        return float((score < MADRS_REMISSION).mean())

    return predict


_PLACEBO = "placebo arm of the 8-week HAMD-17 >= 18 trial (designs/placebo_ssri_8w.toml)"
_PLACEBO_RESPONSE = f"share with a >= 50% fall at week 8, completers, {_PLACEBO}"

#: Row key -> (prediction, how it is made).
TRIAL_ROWS: dict[str, tuple[Callable[[Runs], float], str]] = {
    "PLAC2003_RESPONSE_PP": (_response("placebo_ssri_8w", "placebo"), _PLACEBO_RESPONSE),
    "PLAC2003_RESPONSE_ITT": (
        _response("placebo_ssri_8w", "placebo", itt=True),
        f"share with a >= 50% fall at week 8, dropouts as non-responders, {_PLACEBO}",
    ),
    "FURUKAWA2016_RESPONSE": (_response("placebo_ssri_8w", "placebo"), _PLACEBO_RESPONSE),
    "TONDO_PLACEBO_RESPONSE": (_response("placebo_ssri_8w", "placebo"), _PLACEBO_RESPONSE),
    "PRIMARYCARE2005_PLACEBO_RESPONSE": (
        _response("placebo_ssri_8w", "placebo"),
        _PLACEBO_RESPONSE,
    ),
    "FURUKAWA2016_LENGTH": (
        _placebo_per_week,
        f"(week-8 / week-6 response)^(1/2), {_PLACEBO}",
    ),
    "LI2019_PLACEBO_IMPROVEMENT": (
        _placebo_prepost,
        f"mean fall to week 8 / baseline SD, {_PLACEBO}",
    ),
    "JAKOBSEN2017_SSRI_HDRS": (
        _ssri_minus_placebo,
        "week-8 HAMD-17, SSRI minus placebo arm, completers (designs/placebo_ssri_8w.toml)",
    ),
    "PRIMARYCARE2005_SSRI_IMPROVEMENT": (
        _risk_ratio,
        "week-8 response SSRI / placebo (designs/placebo_ssri_8w.toml)",
    ),
    "CIPRIANI2018_RESPONSE_OR": (
        _odds_ratio,
        "odds ratio of week-8 response, SSRI vs placebo (designs/placebo_ssri_8w.toml)",
    ),
    "TONDO_DRUG_RESPONSE": (
        _response("placebo_ssri_8w", "ssri"),
        "share with a >= 50% fall at week 8 on the SSRI (designs/placebo_ssri_8w.toml)",
    ),
    "WHIT2013_REMISSION_3M": (
        _remitted_by("month3"),
        "untreated depressed people (designs/untreated_course.toml) with HAMD-17 <= 7 by month 3",
    ),
    "WHIT2013_REMISSION_6M": (_remitted_by("month6"), "as WHIT2013_REMISSION_3M, by month 6"),
    "WHIT2013_REMISSION_12M": (_remitted_by("month12"), "as WHIT2013_REMISSION_3M, by month 12"),
    "POST2001_WAITLIST_FALL": (
        _waitlist_fall,
        "mean fall of HAMD-17 to week 8 as a fraction of baseline, untreated people",
    ),
    "NIK2021_ADJUNCT": (
        _change_smd("nik2021", "ssri_placebo", "ssri_probiotic", "week8", 1),
        "d of the HAMD-17 change to week 8, SSRI + probiotic vs SSRI + placebo "
        "(designs/nik2021.toml)",
    ),
    "NIK2021_STANDALONE": (
        _change_smd("nik2021", "placebo", "probiotic", "week8", 1),
        "d of the HAMD-17 change to week 8, probiotic vs placebo (designs/nik2021.toml)",
    ),
    "SMILES2017_MADRS": (
        _change_smd("smiles2017", "support", "diet", "week12", -1),
        "d of the MADRS change to week 12, diet minus social support (designs/smiles2017.toml)",
    ),
    "SMILES2017_DIET_REMISSION": (
        _smiles_remission("diet"),
        "share with MADRS < 10 at week 12, diet arm, completers (designs/smiles2017.toml)",
    ),
    "SMILES2017_CONTROL_REMISSION": (
        _smiles_remission("support"),
        "share with MADRS < 10 at week 12, social-support arm, completers",
    ),
}
