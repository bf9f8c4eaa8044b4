"""The model's state vector: every state is declared once, here, as a member of :class:`S`.

Each member of :class:`S` is a state: its name, its index (its position in the class) and its
declaration (:class:`State`): unit, meaning, physical bounds, how the integrator keeps it inside
them (:class:`Projection`), its value in the healthy reference person (a number, or the name of
the parameter that sets it per person) and, for a guild, whether it is resident. :data:`STATES`,
:data:`STATE_INFO`, :data:`GUILDS`, :data:`RESIDENT_GUILDS`, the transit chain's indices, the
kernel's projection and FMT (:mod:`gutbrain.model.kernel`) and the reference state
(:func:`gutbrain.model.simulate.reference_state`) are all derived from it; adding a state means
adding a member here and its equation in :mod:`gutbrain.model.dynamics`. ``S`` is a plain
``IntEnum`` to mypy (a misspelt ``S.x`` is an error) and to numba (``S.x`` is a compile-time
integer).

Every state is dimensionless and scaled so that the healthy reference person at steady state has
a documented value (mostly 1). Guild abundances are relative abundances on the simplex.
NA and PA are integrated on the logit scale (``eta``) so that they stay inside 0-100 whatever
the noise; the outputs report them back on the 0-100 visual-analogue scale. The quasi-steady
quantities reported beside the states are declared the same way, as members of :class:`A`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum, IntEnum
from typing import Self

__all__ = [
    "AUX_INFO",
    "FIRST_GUILD",
    "FIRST_TRANSIT",
    "GUILDS",
    "LAST_TRANSIT",
    "N_AUX",
    "N_GUILDS",
    "N_RESIDENT_GUILDS",
    "N_STATES",
    "N_TRANSIT",
    "RESIDENT_GUILDS",
    "STATES",
    "STATE_INFO",
    "A",
    "Projection",
    "S",
    "State",
    "StateInfo",
]


@dataclass(frozen=True, kw_only=True)
class StateInfo:
    """What a state or reported quantity means, its unit and its physical bounds."""

    unit: str
    lower: float
    upper: float
    description: str
    name: str = ""
    """The name of the member of :class:`S` or :class:`A` that declares it (set there)."""


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
    """An integrated state's declaration: :class:`StateInfo` plus its projection, its value in
    the healthy reference person (a number or the name of the parameter that sets it) and, for a
    guild, whether it belongs to the resident community (FMT donors carry one abundance for
    each resident guild; the administered probiotic is not one)."""

    projection: Projection
    reference: float | str
    resident: bool = False


class _Indexed(IntEnum):
    """A layout whose members are declared in order: each member's value is its position, and
    the declaration it is given is kept by the subclass (named after the member)."""

    _value_: int

    def __new__(cls, declaration: StateInfo) -> Self:
        position = len(cls.__members__)
        member = int.__new__(cls, position)
        member._value_ = position
        return member


_INF = math.inf
_SIMPLEX, _BOUNDS, _NONE = Projection.SIMPLEX, Projection.BOUNDS, Projection.NONE
# transit compartments between the probiotic's presence and its action on the host (Sun & Jusko
# 1998): a chain of N first-order stages gives the gamma-shaped, sigmoid onset of psychobiotic
# effects (JS2025); the last stage is the response every mechanism channel scales with. Its
# stages are S.probiotic_response_1 to _N (checked at import).
N_TRANSIT = 5


def _guild(description: str, reference: float | str, *, resident: bool = True) -> State:
    """A guild's relative abundance, kept on the simplex with the other guilds."""
    return State(
        unit="fraction",
        lower=0,
        upper=1,
        description=description,
        projection=_SIMPLEX,
        reference=reference,
        resident=resident,
    )


def _relative(description: str, reference: float | str = 1.0) -> State:
    """A non-negative state relative to the healthy reference (healthy = 1 by default)."""
    return State(
        unit="relative",
        lower=0,
        upper=_INF,
        description=description,
        projection=_BOUNDS,
        reference=reference,
    )


def _unit_interval(unit: str, description: str, reference: float | str = 0.0) -> State:
    """A state clipped to [0, 1] (0 in the healthy reference by default)."""
    return State(
        unit=unit,
        lower=0,
        upper=1,
        description=description,
        projection=_BOUNDS,
        reference=reference,
    )


def _free(unit: str, description: str, reference: float | str) -> State:
    """An unbounded state."""
    return State(
        unit=unit,
        lower=-_INF,
        upper=_INF,
        description=description,
        projection=_NONE,
        reference=reference,
    )


def _transit(stage: int) -> State:
    """A stage of the probiotic's host-response chain. Not projected: the chain's exact step
    keeps every stage in [0, 1] (:func:`gutbrain.model.dynamics.advance_probiotic_response`)."""
    return State(
        unit="0-1",
        lower=0,
        upper=1,
        description=f"the host's response to the probiotic, stage {stage} of {N_TRANSIT} "
        "(fraction of a full probiotic niche; 0 without a probiotic)",
        projection=_NONE,
        reference=0.0,
    )


class S(_Indexed):
    """Every integrated (slow) state, in the order of the state vector: its index, and its
    declaration in ``S.<name>.state``."""

    state: State

    def __init__(self, declaration: State) -> None:
        self.state = replace(declaration, name=self.name)

    butyrate_producers = _guild(
        "Faecalibacterium, Roseburia, Coprococcus, Eubacterium", "ref_butyrate_producers"
    )
    bifidobacteria_lab = _guild(
        "bifidobacteria and lactic-acid bacteria (GABA, lactate)", "ref_bifidobacteria_lab"
    )
    bacteroides_prevotella = _guild(
        "Bacteroides/Prevotella generalists", "ref_bacteroides_prevotella"
    )
    pathobionts = _guild("Enterobacteriaceae and other Proteobacteria (LPS)", "ref_pathobionts")
    akkermansia = _guild("mucin degraders", "ref_akkermansia")
    probiotic = _guild("administered, transient probiotic strains", 0.0, resident=False)
    diversity = _relative("community richness, healthy = 1", "diversity_capacity")
    barrier = _unit_interval("fraction", "gut barrier integrity", "barrier_ref")
    inflammation = _relative("systemic inflammation index (IL-6, TNF, CRP), healthy = 1")
    gr_sensitivity = _relative("glucocorticoid receptor sensitivity, healthy = 1")
    pituitary = _relative("corticotroph mass, healthy = 1")
    adrenal = _relative("adrenal cortex mass, healthy = 1")
    ssri_adaptation = State(
        unit="dose-eq",
        lower=0,
        upper=_INF,
        description="adapted SSRI action (autoreceptor desensitisation)",
        projection=_BOUNDS,
        reference=0.0,
    )
    serotonergic = _relative("central serotonergic tone, healthy = 1")
    gabaergic = _relative("central GABAergic tone, healthy = 1")
    dopaminergic = _relative("dopaminergic/noradrenergic tone, healthy = 1")
    neuroplasticity = _relative("neuroplasticity/BDNF, healthy = 1")
    eta_na = _free("logit", "negative affect on the logit scale", "eta_na_ref")
    eta_pa = _free("logit", "positive affect on the logit scale", "eta_pa_ref")
    mindfulness_skill = _unit_interval("0-1", "trained mindfulness skill")
    cbt_skill = _unit_interval("0-1", "skills acquired in psychotherapy (CBT)")
    expectancy = _unit_interval("0-1", "placebo expectancy response")
    sleep_debt = _unit_interval("relative", "recent sleep deficit relative to need")
    fitness = _relative("aerobic training state, reference exercise = 1")
    hassles = _free("0-1 stressor", "day-to-day life noise in stressors (OU)", 0.0)
    taxa_pool = _relative(
        "pool of resident taxa that sets attainable diversity, healthy = 1", "diversity_capacity"
    )
    probiotic_response_1 = _transit(1)
    probiotic_response_2 = _transit(2)
    probiotic_response_3 = _transit(3)
    probiotic_response_4 = _transit(4)
    probiotic_response_5 = _transit(5)
    episode = _unit_interval("0-1", "load holding a depressive episode (wanes at a person's rate)")


#: Every integrated state's declaration, in the order of the state vector.
STATES: tuple[State, ...] = tuple(s.state for s in S)
STATE_INFO: dict[str, State] = {s.name: s for s in STATES}
N_STATES = len(STATES)

GUILDS: tuple[str, ...] = tuple(s.name for s in STATES if s.projection is _SIMPLEX)
FIRST_GUILD = int(S[GUILDS[0]])
N_GUILDS = len(GUILDS)
#: The guilds of the resident community (all but the probiotic), the first of the guilds.
RESIDENT_GUILDS: tuple[str, ...] = tuple(g for g in GUILDS if STATE_INFO[g].resident)
N_RESIDENT_GUILDS = len(RESIDENT_GUILDS)
FIRST_TRANSIT = int(S.probiotic_response_1)
LAST_TRANSIT = FIRST_TRANSIT + N_TRANSIT - 1


def _aux(unit: str, lower: float, upper: float, description: str) -> StateInfo:
    """A quasi-steady quantity reported beside the states."""
    return StateInfo(unit=unit, lower=lower, upper=upper, description=description)


class A(_Indexed):
    """Every quasi-steady (algebraic) quantity reported beside the states: its index in the
    output, and its declaration in ``A.<name>.info``."""

    info: StateInfo

    def __init__(self, declaration: StateInfo) -> None:
        self.info = replace(declaration, name=self.name)

    butyrate = _aux("relative", 0, _INF, "SCFA/butyrate production, healthy = 1")
    gaba = _aux("relative", 0, _INF, "microbial GABA, healthy = 1")
    serotonin_gut = _aux("relative", 0, _INF, "enterochromaffin serotonin, healthy = 1")
    kynurenine = _aux("relative", 0, _INF, "tryptophan flux to kynurenine, healthy = 1")
    dopamine_microbial = _aux(
        "relative", 0, _INF, "microbial dopamine/noradrenaline, 0 without producers"
    )
    lps = _aux("relative", 0, _INF, "endotoxin translocation, healthy = 1")
    permeability = _aux("fraction", 0, 1, "1 - barrier integrity")
    vagal_tone = _aux("relative", 0, _INF, "vagal afferent signalling, healthy = 1")
    perceived_stress = _aux("0-1+", 0, _INF, "perceived stress")
    hpa_drive = _aux("relative", 0, _INF, "CRH-level drive u, healthy = 1")
    crh = _aux("relative", 0, _INF, "CRH at quasi-steady state, healthy = 1")
    acth = _aux("relative", 0, _INF, "ACTH at quasi-steady state, healthy = 1")
    cortisol = _aux("relative", 0, _INF, "cortisol at quasi-steady state, healthy = 1")
    epithelial_oxygen = _aux("relative", -1, 1, "dysbiosis signal from epithelial oxygenation")


AUX_INFO: dict[str, StateInfo] = {a.name: a.info for a in A}
N_AUX = len(AUX_INFO)


def _check_declarations() -> None:
    """Refuse declarations the derived layout and the kernel's projection cannot honour."""
    for s in STATES:
        if not s.lower <= s.upper:
            raise ValueError(f"states.py: {s.name} has bounds [{s.lower}, {s.upper}]")
        if s.projection is _BOUNDS and not math.isfinite(s.lower):
            raise ValueError(
                f"states.py: {s.name} is clipped to its bounds; its lower must be finite"
            )
        if s.projection is _SIMPLEX and (s.lower, s.upper) != (0, 1):
            raise ValueError(f"states.py: guild {s.name} must have bounds [0, 1]")
        if s.resident and s.projection is not _SIMPLEX:
            raise ValueError(f"states.py: {s.name} is resident but no guild")
    if GUILDS != tuple(s.name for s in STATES[FIRST_GUILD : FIRST_GUILD + N_GUILDS]):
        raise ValueError(f"states.py: the guilds {GUILDS} must be adjacent in STATES")
    if RESIDENT_GUILDS != GUILDS[:N_RESIDENT_GUILDS]:
        raise ValueError(f"states.py: the resident guilds {RESIDENT_GUILDS} must come first")
    chain = tuple(f"probiotic_response_{k}" for k in range(1, N_TRANSIT + 1))
    if tuple(s.name for s in STATES if s.name.startswith("probiotic_response_")) != chain or (
        S[chain[-1]] != LAST_TRANSIT
    ):
        raise ValueError(f"states.py: the transit chain must be the adjacent states {chain}")


_check_declarations()
