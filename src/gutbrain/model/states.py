"""The model's state vector: every state is declared once, here, in :data:`STATES`.

Each declaration gives a state's name (its position in the table is its index), unit, meaning,
physical bounds, how the integrator keeps it inside them (:class:`Projection`) and its value in
the healthy reference person (a number, or the name of the parameter that sets it per person).
The layout :class:`S`, :data:`STATE_INFO`, :data:`GUILDS`, the transit chain's indices, the
kernel's projection (:mod:`gutbrain.model.kernel`) and the reference state
(:func:`gutbrain.model.simulate.reference_state`) are all derived from it; adding a state means
adding a row here and its equation in :mod:`gutbrain.model.dynamics`.

Every state is dimensionless and scaled so that the healthy reference person at steady state has
a documented value (mostly 1). Guild abundances are relative abundances on the simplex.
NA and PA are integrated on the logit scale (``eta``) so that they stay inside 0-100 whatever
the noise; the outputs report them back on the 0-100 visual-analogue scale. The quasi-steady
quantities reported beside the states are declared the same way in :data:`AUX_INFO`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any, cast

__all__ = [
    "AUX_INFO",
    "FIRST_GUILD",
    "FIRST_TRANSIT",
    "GUILDS",
    "LAST_TRANSIT",
    "N_AUX",
    "N_GUILDS",
    "N_STATES",
    "N_TRANSIT",
    "STATES",
    "STATE_INFO",
    "A",
    "Projection",
    "S",
    "State",
    "StateInfo",
]


@dataclass(frozen=True)
class StateInfo:
    """What a state or reported quantity means, its unit and its physical bounds."""

    name: str
    unit: str
    lower: float
    upper: float
    description: str


class Projection(Enum):
    """How the integrator keeps a state inside its bounds after each step."""

    SIMPLEX = "simplex"
    """Negative values set to 0, then the whole group rescaled to sum to 1 (the guilds)."""
    BOUNDS = "bounds"
    """Clipped to ``[lower, upper]`` (``lower`` must be finite; an infinite ``upper`` is a
    floor only)."""
    NONE = "none"
    """Not projected: unbounded, or kept inside its bounds by its own update."""


@dataclass(frozen=True, kw_only=True)
class State(StateInfo):
    """An integrated state's declaration: :class:`StateInfo` plus its projection and its value
    in the healthy reference person, a number or the name of the parameter that sets it."""

    projection: Projection
    reference: float | str


_INF = math.inf
_SIMPLEX, _BOUNDS, _NONE = Projection.SIMPLEX, Projection.BOUNDS, Projection.NONE
# transit compartments between the probiotic's presence and its action on the host (Sun & Jusko
# 1998): a chain of N first-order stages gives the gamma-shaped, sigmoid onset of psychobiotic
# effects (JS2025); the last stage is the response every mechanism channel scales with
N_TRANSIT = 5


def _guild(name: str, description: str, reference: float | str) -> State:
    """A guild's relative abundance, kept on the simplex with the other guilds."""
    return State(name, "fraction", 0, 1, description, projection=_SIMPLEX, reference=reference)


def _relative(name: str, description: str, reference: float | str = 1.0) -> State:
    """A non-negative state relative to the healthy reference (healthy = 1 by default)."""
    return State(name, "relative", 0, _INF, description, projection=_BOUNDS, reference=reference)


def _unit_interval(name: str, unit: str, description: str, reference: float | str = 0.0) -> State:
    """A state clipped to [0, 1] (0 in the healthy reference by default)."""
    return State(name, unit, 0, 1, description, projection=_BOUNDS, reference=reference)


def _free(name: str, unit: str, description: str, reference: float | str) -> State:
    """An unbounded state."""
    return State(name, unit, -_INF, _INF, description, projection=_NONE, reference=reference)


#: Every integrated (slow) state, in the order of the state vector.
STATES: tuple[State, ...] = (
    _guild(
        "butyrate_producers",
        "Faecalibacterium, Roseburia, Coprococcus, Eubacterium",
        "ref_butyrate_producers",
    ),
    _guild(
        "bifidobacteria_lab",
        "bifidobacteria and lactic-acid bacteria (GABA, lactate)",
        "ref_bifidobacteria_lab",
    ),
    _guild(
        "bacteroides_prevotella", "Bacteroides/Prevotella generalists", "ref_bacteroides_prevotella"
    ),
    _guild("pathobionts", "Enterobacteriaceae and other Proteobacteria (LPS)", "ref_pathobionts"),
    _guild("akkermansia", "mucin degraders", "ref_akkermansia"),
    _guild("probiotic", "administered, transient probiotic strains", 0.0),
    _relative("diversity", "community richness, healthy = 1", "diversity_capacity"),
    _unit_interval("barrier", "fraction", "gut barrier integrity", "barrier_ref"),
    _relative("inflammation", "systemic inflammation index (IL-6, TNF, CRP), healthy = 1"),
    _relative("gr_sensitivity", "glucocorticoid receptor sensitivity, healthy = 1"),
    _relative("pituitary", "corticotroph mass, healthy = 1"),
    _relative("adrenal", "adrenal cortex mass, healthy = 1"),
    State(
        "ssri_adaptation",
        "dose-eq",
        0,
        _INF,
        "adapted SSRI action (autoreceptor desensitisation)",
        projection=_BOUNDS,
        reference=0.0,
    ),
    _relative("serotonergic", "central serotonergic tone, healthy = 1"),
    _relative("gabaergic", "central GABAergic tone, healthy = 1"),
    _relative("dopaminergic", "dopaminergic/noradrenergic tone, healthy = 1"),
    _relative("neuroplasticity", "neuroplasticity/BDNF, healthy = 1"),
    _free("eta_na", "logit", "negative affect on the logit scale", "eta_na_ref"),
    _free("eta_pa", "logit", "positive affect on the logit scale", "eta_pa_ref"),
    _unit_interval("mindfulness_skill", "0-1", "trained mindfulness skill"),
    _unit_interval("cbt_skill", "0-1", "skills acquired in psychotherapy (CBT)"),
    _unit_interval("expectancy", "0-1", "placebo expectancy response"),
    _unit_interval("sleep_debt", "relative", "recent sleep deficit relative to need"),
    _relative("fitness", "aerobic training state, reference exercise = 1"),
    _free("hassles", "0-1 stressor", "day-to-day life noise in stressors (OU)", 0.0),
    _relative(
        "taxa_pool",
        "pool of resident taxa that sets attainable diversity, healthy = 1",
        "diversity_capacity",
    ),
    # not projected: the chain's exact step keeps every stage in [0, 1]
    # (gutbrain.model.dynamics.advance_probiotic_response)
    *(
        State(
            f"probiotic_response_{k}",
            "0-1",
            0,
            1,
            f"the host's response to the probiotic, stage {k} of {N_TRANSIT} "
            "(fraction of a full probiotic niche; 0 without a probiotic)",
            projection=_NONE,
            reference=0.0,
        )
        for k in range(1, N_TRANSIT + 1)
    ),
)

STATE_INFO: dict[str, State] = {s.name: s for s in STATES}

# Index of each integrated state, derived from STATES. Typed as Any: its members come from the
# table (numba folds them into constant indices, as it does for the class form).
S: Any = cast(Any, IntEnum("S", [s.name for s in STATES], start=0))
N_STATES = len(STATES)

GUILDS: tuple[str, ...] = tuple(s.name for s in STATES if s.projection is _SIMPLEX)
FIRST_GUILD = int(S[GUILDS[0]])
N_GUILDS = len(GUILDS)
FIRST_TRANSIT = int(S.probiotic_response_1)
LAST_TRANSIT = FIRST_TRANSIT + N_TRANSIT - 1

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

# Index of each quasi-steady (algebraic) quantity reported beside the states, from AUX_INFO.
A: Any = cast(Any, IntEnum("A", list(AUX_INFO), start=0))
N_AUX = len(AUX_INFO)


def _check_declarations() -> None:
    """Refuse declarations the derived layout and the kernel's projection cannot honour."""
    if len(STATE_INFO) != N_STATES:
        raise ValueError("states.py: two states share a name")
    for s in STATES:
        if not s.lower <= s.upper:
            raise ValueError(f"states.py: {s.name} has bounds [{s.lower}, {s.upper}]")
        if s.projection is _BOUNDS and not math.isfinite(s.lower):
            raise ValueError(
                f"states.py: {s.name} is clipped to its bounds; its lower must be finite"
            )
        if s.projection is _SIMPLEX and (s.lower, s.upper) != (0, 1):
            raise ValueError(f"states.py: guild {s.name} must have bounds [0, 1]")
    if GUILDS != tuple(s.name for s in STATES[FIRST_GUILD : FIRST_GUILD + N_GUILDS]):
        raise ValueError(f"states.py: the guilds {GUILDS} must be adjacent in STATES")


_check_declarations()
