"""The model's state vector: its layout is defined once, here.

Every state is dimensionless and scaled so that the healthy reference person at steady state has
a documented value (mostly 1). Guild abundances are relative abundances on the simplex.
NA and PA are integrated on the logit scale (``eta``) so that they stay inside 0-100 whatever
the noise; the outputs report them back on the 0-100 visual-analogue scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "AUX_INFO",
    "FIRST_TRANSIT",
    "GUILDS",
    "LAST_TRANSIT",
    "N_TRANSIT",
    "STATE_INFO",
    "A",
    "S",
    "StateInfo",
]


class S(IntEnum):
    """Index of each integrated (slow) state."""

    butyrate_producers = 0
    bifidobacteria_lab = 1
    bacteroides_prevotella = 2
    pathobionts = 3
    akkermansia = 4
    probiotic = 5
    diversity = 6
    barrier = 7
    inflammation = 8
    gr_sensitivity = 9
    pituitary = 10
    adrenal = 11
    ssri_adaptation = 12
    serotonergic = 13
    gabaergic = 14
    dopaminergic = 15
    neuroplasticity = 16
    eta_na = 17
    eta_pa = 18
    mindfulness_skill = 19
    cbt_skill = 20
    expectancy = 21
    sleep_debt = 22
    fitness = 23
    hassles = 24
    taxa_pool = 25
    probiotic_response_1 = 26
    probiotic_response_2 = 27
    probiotic_response_3 = 28
    probiotic_response_4 = 29
    probiotic_response_5 = 30


class A(IntEnum):
    """Index of each quasi-steady-state (algebraic) quantity reported beside the states."""

    butyrate = 0
    gaba = 1
    serotonin_gut = 2
    kynurenine = 3
    dopamine_microbial = 4
    lps = 5
    permeability = 6
    vagal_tone = 7
    perceived_stress = 8
    hpa_drive = 9
    crh = 10
    acth = 11
    cortisol = 12
    epithelial_oxygen = 13


N_STATES = len(S)
N_AUX = len(A)
# transit compartments between the probiotic's presence and its action on the host (Sun & Jusko
# 1998): a chain of N first-order stages gives the gamma-shaped, sigmoid onset of psychobiotic
# effects (JS2025); the last stage is the response every mechanism channel scales with
N_TRANSIT = 5
FIRST_TRANSIT = int(S.probiotic_response_1)
LAST_TRANSIT = FIRST_TRANSIT + N_TRANSIT - 1

GUILDS: tuple[str, ...] = (
    "butyrate_producers",
    "bifidobacteria_lab",
    "bacteroides_prevotella",
    "pathobionts",
    "akkermansia",
    "probiotic",
)


@dataclass(frozen=True)
class StateInfo:
    """What a state or reported quantity means, its unit and its physical bounds."""

    name: str
    unit: str
    lower: float
    upper: float
    description: str


_INF = float("inf")

STATE_INFO: dict[str, StateInfo] = {
    i.name: i
    for i in (
        StateInfo(
            "butyrate_producers",
            "fraction",
            0,
            1,
            "Faecalibacterium, Roseburia, Coprococcus, Eubacterium",
        ),
        StateInfo(
            "bifidobacteria_lab",
            "fraction",
            0,
            1,
            "bifidobacteria and lactic-acid bacteria (GABA, lactate)",
        ),
        StateInfo("bacteroides_prevotella", "fraction", 0, 1, "Bacteroides/Prevotella generalists"),
        StateInfo(
            "pathobionts", "fraction", 0, 1, "Enterobacteriaceae and other Proteobacteria (LPS)"
        ),
        StateInfo("akkermansia", "fraction", 0, 1, "mucin degraders"),
        StateInfo("probiotic", "fraction", 0, 1, "administered, transient probiotic strains"),
        StateInfo("diversity", "relative", 0, _INF, "community richness, healthy = 1"),
        StateInfo("barrier", "fraction", 0, 1, "gut barrier integrity"),
        StateInfo(
            "inflammation",
            "relative",
            0,
            _INF,
            "systemic inflammation index (IL-6, TNF, CRP), healthy = 1",
        ),
        StateInfo(
            "gr_sensitivity",
            "relative",
            0,
            _INF,
            "glucocorticoid receptor sensitivity, healthy = 1",
        ),
        StateInfo("pituitary", "relative", 0, _INF, "corticotroph mass, healthy = 1"),
        StateInfo("adrenal", "relative", 0, _INF, "adrenal cortex mass, healthy = 1"),
        StateInfo(
            "ssri_adaptation",
            "dose-eq",
            0,
            _INF,
            "adapted SSRI action (autoreceptor desensitisation)",
        ),
        StateInfo("serotonergic", "relative", 0, _INF, "central serotonergic tone, healthy = 1"),
        StateInfo("gabaergic", "relative", 0, _INF, "central GABAergic tone, healthy = 1"),
        StateInfo(
            "dopaminergic", "relative", 0, _INF, "dopaminergic/noradrenergic tone, healthy = 1"
        ),
        StateInfo("neuroplasticity", "relative", 0, _INF, "neuroplasticity/BDNF, healthy = 1"),
        StateInfo("eta_na", "logit", -_INF, _INF, "negative affect on the logit scale"),
        StateInfo("eta_pa", "logit", -_INF, _INF, "positive affect on the logit scale"),
        StateInfo("mindfulness_skill", "0-1", 0, 1, "trained mindfulness skill"),
        StateInfo("cbt_skill", "0-1", 0, 1, "skills acquired in psychotherapy (CBT)"),
        StateInfo("expectancy", "0-1", 0, 1, "placebo expectancy response"),
        StateInfo("sleep_debt", "relative", 0, 1, "recent sleep deficit relative to need"),
        StateInfo("fitness", "relative", 0, _INF, "aerobic training state, reference exercise = 1"),
        StateInfo(
            "hassles", "0-1 stressor", -_INF, _INF, "day-to-day life noise in stressors (OU)"
        ),
        StateInfo(
            "taxa_pool",
            "relative",
            0,
            _INF,
            "pool of resident taxa that sets attainable diversity, healthy = 1",
        ),
        *(
            StateInfo(
                f"probiotic_response_{k}",
                "0-1",
                0,
                1,
                f"the host's response to the probiotic, stage {k} of {N_TRANSIT} "
                "(fraction of a full probiotic niche; 0 without a probiotic)",
            )
            for k in range(1, N_TRANSIT + 1)
        ),
    )
}

AUX_INFO: dict[str, StateInfo] = {
    i.name: i
    for i in (
        StateInfo("butyrate", "relative", 0, _INF, "SCFA/butyrate production, healthy = 1"),
        StateInfo("gaba", "relative", 0, _INF, "microbial GABA, healthy = 1"),
        StateInfo("serotonin_gut", "relative", 0, _INF, "enterochromaffin serotonin, healthy = 1"),
        StateInfo("kynurenine", "relative", 0, _INF, "tryptophan flux to kynurenine, healthy = 1"),
        StateInfo(
            "dopamine_microbial",
            "relative",
            0,
            _INF,
            "microbial dopamine/noradrenaline, 0 without producers",
        ),
        StateInfo("lps", "relative", 0, _INF, "endotoxin translocation, healthy = 1"),
        StateInfo("permeability", "fraction", 0, 1, "1 - barrier integrity"),
        StateInfo("vagal_tone", "relative", 0, _INF, "vagal afferent signalling, healthy = 1"),
        StateInfo("perceived_stress", "0-1+", 0, _INF, "perceived stress"),
        StateInfo("hpa_drive", "relative", 0, _INF, "CRH-level drive u, healthy = 1"),
        StateInfo("crh", "relative", 0, _INF, "CRH at quasi-steady state, healthy = 1"),
        StateInfo("acth", "relative", 0, _INF, "ACTH at quasi-steady state, healthy = 1"),
        StateInfo("cortisol", "relative", 0, _INF, "cortisol at quasi-steady state, healthy = 1"),
        StateInfo(
            "epithelial_oxygen", "relative", -1, 1, "dysbiosis signal from epithelial oxygenation"
        ),
    )
}
