"""Exposures and interventions: the model's daily input channels.

The layout of the exposure vector is defined once by :class:`E`. Users set the *public*
exposures (stress, diet, sleep, SSRI, ...). The channels marked ``derived`` are filled by the
scenario builder from a catalogue: a probiotic product becomes its colonisation intake and
mechanism weights, an antibiotic course its per-guild kill spectrum, and an FMT its donor profile.

Defaults are the healthy reference person's day, read from the parameter table (``fibre_ref``,
``stress_ref``, ...); at these values every relative state of the reference person is 1 at
steady state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.states import GUILDS, RESIDENT_GUILDS

__all__ = ["EXPOSURES", "PUBLIC_EXPOSURES", "E", "ExposureInfo"]


class E(IntEnum):
    """Index of each daily exposure channel."""

    stress = 0
    sleep_hours = 1
    exercise_min = 2
    mindfulness_min = 3
    fibre_g = 4
    polyphenols_mg = 5
    fermented_servings = 6
    ultraprocessed_share = 7
    added_sugar_g = 8
    mediterranean = 9
    alcohol_drinks = 10
    prebiotic_g = 11
    ssri_dose = 12
    psychotherapy = 13
    expectancy = 14
    vagotomy = 15
    barrier_insult = 16
    # derived channels, filled by the scenario builder from catalogues
    antibiotic = 17
    abx_butyrate_producers = 18
    abx_bifidobacteria_lab = 19
    abx_bacteroides_prevotella = 20
    abx_pathobionts = 21
    abx_akkermansia = 22
    abx_probiotic = 23
    probiotic_intake = 24
    probiotic_washout = 25
    pb_scfa = 26
    pb_gaba = 27
    pb_barrier = 28
    pb_anti_inflammatory = 29
    pb_hpa = 30
    pb_vagal = 31
    pb_kynurenine = 32
    pb_dopamine = 33
    fmt_fraction = 34
    donor_butyrate_producers = 35
    donor_bifidobacteria_lab = 36
    donor_bacteroides_prevotella = 37
    donor_pathobionts = 38
    donor_akkermansia = 39
    donor_diversity = 40
    episode = 41


N_EXPOSURES = len(E)


@dataclass(frozen=True)
class ExposureInfo:
    """A daily input: its default (reference) value, unit, allowed range and meaning."""

    name: str
    default: float
    unit: str
    lower: float
    upper: float
    public: bool
    description: str


_INF = float("inf")


def _ref(name: str) -> float:
    """The reference day is defined once, in the parameter table (e.g. ``fibre_ref``)."""
    return PARAMETER_TABLE[name].value


EXPOSURES: dict[str, ExposureInfo] = {
    x.name: x
    for x in (
        ExposureInfo(
            "stress",
            _ref("stress_ref"),
            "0-1",
            0,
            1.5,
            True,
            "external stressors; 0.2 is ordinary daily life, 0.6 chronic work stress",
        ),
        ExposureInfo("sleep_hours", _ref("sleep_need"), "h/day", 0, 14, True, "sleep duration"),
        ExposureInfo(
            "exercise_min",
            _ref("exercise_ref"),
            "min/day",
            0,
            600,
            True,
            "moderate-to-vigorous exercise",
        ),
        ExposureInfo("mindfulness_min", 0, "min/day", 0, 300, True, "mindfulness practice"),
        ExposureInfo("fibre_g", _ref("fibre_ref"), "g/day", 0, 150, True, "dietary fibre"),
        ExposureInfo(
            "polyphenols_mg",
            _ref("polyphenols_ref"),
            "mg/day",
            0,
            5000,
            True,
            "dietary polyphenols",
        ),
        ExposureInfo("fermented_servings", 0, "servings/day", 0, 10, True, "fermented foods"),
        ExposureInfo(
            "ultraprocessed_share",
            _ref("upf_ref"),
            "fraction of energy",
            0,
            1,
            True,
            "ultra-processed food share of energy",
        ),
        ExposureInfo("added_sugar_g", _ref("sugar_ref"), "g/day", 0, 500, True, "added sugar"),
        ExposureInfo(
            "mediterranean",
            _ref("mediterranean_ref"),
            "MEDAS 0-14",
            0,
            14,
            True,
            "Mediterranean-adherence composite (14-point MEDAS)",
        ),
        ExposureInfo(
            "alcohol_drinks", _ref("alcohol_ref"), "standard drinks/day", 0, 30, True, "alcohol"
        ),
        ExposureInfo("prebiotic_g", 0, "g/day", 0, 50, True, "prebiotic fibre (GOS/inulin)"),
        ExposureInfo(
            "ssri_dose",
            0,
            "fraction of standard dose",
            0,
            4,
            True,
            "SSRI, 1 = standard dose (e.g. 20 mg fluoxetine-equivalent)",
        ),
        ExposureInfo(
            "psychotherapy", 0, "0-1", 0, 1, True, "CBT course in progress (1 = weekly sessions)"
        ),
        ExposureInfo("expectancy", 0, "0-1", 0, 1, True, "placebo/expectancy (set by trials)"),
        ExposureInfo(
            "vagotomy", 0, "0/1", 0, 1, True, "subdiaphragmatic vagotomy (mechanism check)"
        ),
        ExposureInfo(
            "barrier_insult",
            0,
            "0-1",
            0,
            1,
            True,
            "direct loss of barrier integrity (mechanism check, e.g. NSAID injury)",
        ),
        ExposureInfo("antibiotic", 0, "0/1", 0, 1, False, "antibiotic course active"),
        *(
            ExposureInfo(f"abx_{g}", 0, "1/day", 0, 10, False, f"antibiotic kill rate on {g}")
            for g in GUILDS
        ),
        ExposureInfo(
            "probiotic_intake",
            0,
            "0-1",
            0,
            1,
            False,
            "probiotic colonisation pressure (log-CFU dose response x adherence)",
        ),
        ExposureInfo(
            "probiotic_washout",
            0.35,
            "1/day",
            0,
            10,
            False,
            "washout rate of the probiotic strains taken last",
        ),
        *(
            ExposureInfo(f"pb_{m}", 0, "weight", -5, 5, False, f"probiotic mechanism weight: {m}")
            for m in (
                "scfa",
                "gaba",
                "barrier",
                "anti_inflammatory",
                "hpa",
                "vagal",
                "kynurenine",
                "dopamine",
            )
        ),
        ExposureInfo("fmt_fraction", 0, "fraction", 0, 1, False, "FMT engraftment applied today"),
        *(
            ExposureInfo(f"donor_{g}", 0, "fraction", 0, 1, False, f"FMT donor abundance of {g}")
            for g in RESIDENT_GUILDS
        ),
        ExposureInfo("donor_diversity", 1, "relative", 0, 3, False, "FMT donor diversity"),
        ExposureInfo(
            "episode",
            0,
            "0-1",
            0,
            1,
            True,
            "sustained load of a depressive episode (cohorts hold it; trials lift it at enrolment)",
        ),
    )
}

PUBLIC_EXPOSURES: tuple[str, ...] = tuple(k for k, v in EXPOSURES.items() if v.public)

if tuple(EXPOSURES) != tuple(e.name for e in E):  # pragma: no cover - layout guard at import
    raise RuntimeError("EXPOSURES table and the E layout disagree")
