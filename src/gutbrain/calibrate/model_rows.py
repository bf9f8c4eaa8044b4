"""Predictions made from the model alone: the ``microbiome`` and ``scfa_barrier`` rows, and the
rows of other categories that one reference person or a small cohort answers (biomarker
contrasts, one-person timings, affect levels).

Each function takes a :class:`~gutbrain.calibrate.runs.Runs` and returns the row's value in the
row's unit and sign convention. ``direction`` rows return the sign of the simulated change, 0
when the change is below the null thresholds :data:`REL_NULL` (a relative change of a
one-person mean effect) or :data:`D_NULL` (a standardised difference).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from gutbrain.calibrate.runs import Runs, smd
from gutbrain.model.schedule import Schedule
from gutbrain.model.states import RESIDENT_GUILDS
from gutbrain.model.validation import effect_onset
from gutbrain.observe.biomarkers import BiomarkerMapping, biomarker_mappings

_mappings = cache(biomarker_mappings)  # the measurement models read their table once

__all__ = ["D_NULL", "MODEL_ROWS", "REL_NULL", "direction"]

#: A relative change below 2% counts as no change (assumed).
REL_NULL = 0.02
#: A standardised difference below Cohen's "small" 0.2 counts as a null result.
D_NULL = 0.2
DAYS_PER_MONTH = 30.44
#: Days of DAVID2014's animal-based diet (assumed: the row says "short-term").
ANIMAL_DIET_DAYS = 5
#: DETHLEFSEN2011: course length and spacing of the two ciprofloxacin courses (assumed: the row
#: gives two courses over 10 months) and the end of follow-up.
CIPRO_DAYS, SECOND_COURSE, FOLLOW_UP = 5, 180, 300


def direction(change: float, null: float) -> float:
    """-1, 0 or 1: the sign of ``change``, 0 when ``|change| < null``."""
    return 0.0 if abs(change) < null else float(np.sign(change))


# -- microbiome ----------------------------------------------------------------------------------
def _fibre_smd(name: str) -> Callable[[Runs], float]:
    def predict(r: Runs) -> float:
        ctl, trt = r.fibre
        return smd(ctl[name][:, -1], trt[name][:, -1])

    return predict


def _fibre_butyrate(r: Runs) -> float:
    """d of measured faecal butyrate: each person's mean level from the measurement model, spread
    by its log-normal person, day-to-day and assay noise."""
    m = _mappings()["faecal_butyrate"]
    ctl, trt = r.fibre
    levels = [m.expected(t["butyrate"][:, -1]) for t in (ctl, trt)]
    cv2 = np.expm1(m.population_sd_log() ** 2)
    var = [np.var(x, ddof=1) + np.mean(x**2) * cv2 for x in levels]
    return float((levels[1].mean() - levels[0].mean()) / np.sqrt(sum(var) / 2))


def _fibre_diversity(r: Runs) -> float:
    return direction(_fibre_smd("diversity")(r), D_NULL)


def _guilds(tr: object) -> np.ndarray:
    """(days, guilds) resident composition of the first person."""
    return np.stack([tr[g][0] for g in RESIDENT_GUILDS], axis=1)  # type: ignore[index]


def _palleja(r: Runs) -> tuple[np.ndarray, object, object]:
    ctl, trt = r.antibiotic("broad", 4, 181)
    return np.abs(_guilds(trt) - _guilds(ctl)).sum(axis=1), ctl, trt


def _palleja_recovery(r: Runs) -> float:
    """Months from the first dose until the guild composition's distance from the untreated
    course falls below 10% of its peak (near baseline), NaN if it never does in 180 days."""
    dist, _, _ = _palleja(r)
    peak = int(np.argmax(dist))
    back = np.flatnonzero(dist[peak:] < 0.1 * dist[peak])
    return float((peak + back[0]) / DAYS_PER_MONTH) if back.size else float("nan")


def _palleja_depletion(r: Runs) -> float:
    _, ctl, trt = _palleja(r)
    rel = trt["butyrate_producers"][0, 4] / ctl["butyrate_producers"][0, 4] - 1.0  # type: ignore[index]
    return direction(float(rel), REL_NULL)


def _palleja_imprint(r: Runs) -> float:
    """+1 when diversity 180 days after the course is still lower than without it."""
    _, ctl, trt = _palleja(r)
    rel = trt["diversity"][0, 180] / ctl["diversity"][0, 180] - 1.0  # type: ignore[index]
    return direction(-float(rel), REL_NULL)


def _cipro(r: Runs) -> tuple[object, object]:
    key = "cipro"
    if key not in r.extra:
        two = lambda s: s.with_antibiotic("fluoroquinolone", 0, CIPRO_DAYS).with_antibiotic(  # noqa: E731
            "fluoroquinolone", SECOND_COURSE, SECOND_COURSE + CIPRO_DAYS
        )
        r.extra[key] = (r.run("healthy", FOLLOW_UP + 1), r.run("healthy", FOLLOW_UP + 1, two))
    return r.extra[key]


def _dethlefsen_onset(r: Runs) -> float:
    """Day on which the first course's diversity loss reaches half its size (days from dose 1)."""
    ctl, trt = _cipro(r)
    loss = ctl["diversity"][0, :SECOND_COURSE] - trt["diversity"][0, :SECOND_COURSE]  # type: ignore[index]
    day = int(np.argmax(loss))
    return float(effect_onset(loss, day)) if loss[day] > 0 else float("nan")


def _dethlefsen_incomplete(r: Runs) -> float:
    ctl, trt = _cipro(r)
    rel = trt["diversity"][0, FOLLOW_UP] / ctl["diversity"][0, FOLLOW_UP] - 1.0  # type: ignore[index]
    return direction(-float(rel), REL_NULL)


def _animal_diet(r: Runs) -> float:
    def animal(s: Schedule) -> Schedule:
        return s.set("fibre_g", 0.0).set("polyphenols_mg", 0.0)

    tr = r.run("healthy", ANIMAL_DIET_DAYS + 1, animal)
    rel = tr["butyrate_producers"][0, ANIMAL_DIET_DAYS] / tr["butyrate_producers"][0, 0] - 1.0
    return direction(float(rel), REL_NULL)


# -- depressed vs healthy ------------------------------------------------------------------------
def _levels(r: Runs, m: BiomarkerMapping) -> tuple[float, float]:
    """Mean measured level in the depressed and the healthy reference person."""
    return (
        float(m.expected(r.steady("depressed", m.latent))),
        float(m.expected(r.steady("healthy", m.latent))),
    )


def _difference(marker: str) -> Callable[[Runs], float]:
    def predict(r: Runs) -> float:
        dep, hea = _levels(r, _mappings()[marker])
        return dep - hea

    return predict


def _cohen_d(marker: str) -> Callable[[Runs], float]:
    """d between one sample from depressed and one from healthy people: the mean levels of the
    two reference persons, each spread log-normally by the marker's between-person, day-to-day
    and assay noise (the measurement model's population log-SD)."""

    def predict(r: Runs) -> float:
        m = _mappings()[marker]
        dep, hea = _levels(r, m)
        cv = np.sqrt(np.expm1(m.population_sd_log() ** 2))
        pooled = np.sqrt(((dep * cv) ** 2 + (hea * cv) ** 2) / 2)
        return float((dep - hea) / pooled)

    return predict


def _healthy_il6(r: Runs) -> float:
    return _levels(r, _mappings()["il6"])[1]


def _lps(r: Runs) -> float:
    rel = r.steady("depressed", "lps") / r.steady("healthy", "lps") - 1.0
    return direction(rel, REL_NULL)


# -- treatment effects in one person -------------------------------------------------------------
def _js2025(r: Runs) -> tuple[np.ndarray, np.ndarray]:
    """NA and PA effects (control minus probiotic) of the JS2025 probiotic in a healthy person."""
    if "js2025" not in r.extra:
        ctl = r.run("healthy", 57)
        pro = r.run("healthy", 57, lambda s: s.with_probiotic("ecologic_barrier", 5e9, 0, 28))
        r.extra["js2025"] = (
            ctl["negative_affect"][0] - pro["negative_affect"][0],
            pro["positive_affect"][0] - ctl["positive_affect"][0],
        )
    return r.extra["js2025"]


def _js2025_onset(r: Runs) -> float:
    """Day on which the NA effect reaches half its day-28 size (as model/calibration.py)."""
    na, _ = _js2025(r)
    day = effect_onset(na, 28)
    return float(day) if day >= 0 else float("nan")


def _js2025_pa(r: Runs) -> float:
    """0 while the largest PA change stays within 25% of the day-28 NA effect (MODEL B5b's
    specificity threshold), else its sign."""
    na, pa = _js2025(r)
    big = pa[np.argmax(np.abs(pa[:29]))]
    return direction(float(big), 0.25 * abs(float(na[28])))


def _mes2011(r: Runs) -> float:
    ctl = r.run("healthy", 31)
    pro = r.run(
        "healthy", 31, lambda s: s.with_probiotic("helveticus_r0052_longum_r0175", 3e9, 0, 30)
    )
    rel = pro["cortisol"][0, 30] / ctl["cortisol"][0, 30] - 1.0
    return direction(float(rel), REL_NULL)


# -- daily affect levels -------------------------------------------------------------------------
def _level(name: str) -> Callable[[Runs], float]:
    def predict(r: Runs) -> float:
        return r.steady("healthy", name)

    return predict


#: Row key -> (prediction, how it is made).
MODEL_ROWS: dict[str, tuple[Callable[[Runs], float], str]] = {
    "SO2018_BIFIDOBACTERIUM": (
        _fibre_smd("bifidobacteria_lab"),
        "d of the bifidobacteria/lactobacilli guild after 28 days of +15 g/day fibre, "
        "40 healthy virtual people (seed 18)",
    ),
    "SO2018_LACTOBACILLUS": (
        _fibre_smd("bifidobacteria_lab"),
        "as SO2018_BIFIDOBACTERIUM: the model has one bifidobacteria/lactobacilli guild",
    ),
    "SO2018_ALPHA_DIVERSITY": (
        _fibre_diversity,
        "sign of the diversity d in the fibre experiment, 0 below |d| 0.2",
    ),
    "SO2018_FAECAL_BUTYRATE": (
        _fibre_butyrate,
        "d of faecal butyrate in the fibre experiment, with the measurement model's noise",
    ),
    "PALLEJA2018_RECOVERY": (
        _palleja_recovery,
        "healthy person, 4-day broad antibiotic: months until the guild composition's distance "
        "from the untreated course is below 10% of its peak",
    ),
    "PALLEJA2018_BUTYRATE_PRODUCERS": (
        _palleja_depletion,
        "sign of the butyrate-producer change at the end of the 4-day course",
    ),
    "PALLEJA2018_LASTING_IMPRINT": (
        _palleja_imprint,
        "+1 when diversity on day 180 is still > 2% below the untreated course",
    ),
    "DETHLEFSEN2011_ONSET": (
        _dethlefsen_onset,
        "healthy person, 5-day fluoroquinolone: day the diversity loss reaches half its peak",
    ),
    "DETHLEFSEN2011_INCOMPLETE": (
        _dethlefsen_incomplete,
        "two 5-day fluoroquinolone courses 180 days apart: +1 when diversity on day 300 is "
        "> 2% below the untreated course",
    ),
    "DAVID2014_PLANT_FERMENTERS": (
        _animal_diet,
        "healthy person, 5 days without fibre and polyphenols: sign of the butyrate-producer "
        "change",
    ),
    "MAES2008_LPS_ANTIBODIES": (
        _lps,
        "sign of steady-state LPS translocation, depressed minus healthy reference person",
    ),
    "DOW2010_IL6": (
        _difference("il6"),
        "IL-6 measurement model at the depressed and healthy persons' latent inflammation",
    ),
    "DOW2010_TNF": (_difference("tnfa"), "as DOW2010_IL6, for TNF-alpha"),
    "HAAPAKOSKI2015_IL6": (
        _cohen_d("il6"),
        "d from the IL-6 means of the two persons and the measurement model's log-normal spread",
    ),
    "HAAPAKOSKI2015_CRP": (_cohen_d("crp"), "as HAAPAKOSKI2015_IL6, for CRP"),
    "HAAPAKOSKI2015_TNF": (_cohen_d("tnfa"), "as HAAPAKOSKI2015_IL6, for TNF-alpha"),
    "STETLER2011_CORTISOL": (
        _cohen_d("plasma_cortisol_am"),
        "as HAAPAKOSKI2015_IL6, a.m. plasma cortisol",
    ),
    "STETLER2011_ACTH": (_cohen_d("acth"), "as HAAPAKOSKI2015_IL6, for ACTH"),
    "SAID2021_IL6_HEALTHY": (_healthy_il6, "IL-6 measurement model at the healthy person's level"),
    "JS2025_NA_ONSET": (
        _js2025_onset,
        "healthy person, JS2025 probiotic 5e9 CFU/day for 28 days: day the NA effect reaches half "
        "its day-28 size",
    ),
    "JS2025_PA_NULL": (
        _js2025_pa,
        "same run: 0 while the largest PA change is within 25% of the day-28 NA effect",
    ),
    "MES2011_URINARY_CORTISOL": (
        _mes2011,
        "healthy person, R0052 + R0175 3e9 CFU/day for 30 days: sign of the cortisol change "
        "(24-h urinary cortisol is proportional to latent cortisol)",
    ),
    "KUP2010_DEPRESSED_LEVEL": (
        _level("negative_affect"),
        "steady-state negative affect (0-100) of the healthy reference person",
    ),
    "KUP2010_HAPPY_LEVEL": (
        _level("positive_affect"),
        "steady-state positive affect (0-100) of the healthy reference person",
    ),
}
