"""What the explorer page asks for: an archetype, a timeline of interventions and stressors, and
how many people; validated with pydantic and bounded so one request stays cheap.

:meth:`ExplorerRequest.scenario` turns a request into the model's scenario mapping (the format
of ``examples/scenarios/*.toml``): an arm with the timeline and an arm without it, lived by the
same people, so every plot compares the timeline with no intervention.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from gutbrain.model.catalogues import antibiotics, archetypes, strains

__all__ = [
    "ARMS",
    "MAX_DAYS",
    "MAX_ENTRIES",
    "MAX_MEMBERS",
    "MAX_PEOPLE",
    "MAX_PERSON_DAYS",
    "Antibiotic",
    "Diet",
    "ExplorerRequest",
    "Probiotic",
    "Stress",
]

#: The longest timeline (days).
MAX_DAYS = 730
#: The largest noisy cohort.
MAX_PEOPLE = 50
#: The most people x days one request may simulate (each in both arms): 50 people for a year.
MAX_PERSON_DAYS = 50 * 365
#: The most members of a parameter-uncertainty band (prior draws, one deterministic run each).
MAX_MEMBERS = 30
#: The most entries of each kind on one timeline.
MAX_ENTRIES = 8
#: The two arms every request runs: the timeline, and the same people without it.
ARMS = ("timeline", "no intervention")

_FORBID = ConfigDict(extra="forbid")


def _in(catalogue: Callable[[], dict[str, Any]], what: str) -> AfterValidator:
    """A check that a key is in a model catalogue; else a message listing the known keys."""

    def check(key: str) -> str:
        known = catalogue()
        if key not in known:
            raise ValueError(f"unknown {what} {key!r}; known: {', '.join(sorted(known))}")
        return key

    return AfterValidator(check)


class _Span(BaseModel):
    """Days ``start`` to ``end - 1`` of the timeline."""

    model_config = _FORBID
    start: int = Field(0, ge=0, le=MAX_DAYS - 1, description="First day (0 = first day).")
    end: int = Field(..., ge=1, le=MAX_DAYS, description="Day after the last day.")

    @model_validator(mode="after")
    def _ordered(self) -> _Span:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class Antibiotic(BaseModel):
    """An antibiotic course from the model's catalogue (``model/data/antibiotics.toml``)."""

    model_config = _FORBID
    spectrum: Annotated[str, _in(antibiotics, "antibiotic spectrum")] = Field(
        "broad", max_length=40, description="A catalogue spectrum."
    )
    start: int = Field(0, ge=0, le=MAX_DAYS - 1, description="First day of the course.")
    days: int = Field(7, ge=1, le=90, description="Length of the course (days).")


class Probiotic(_Span):
    """A probiotic product from the strain catalogue (``model/data/strains.toml``)."""

    product: Annotated[str, _in(strains, "probiotic product")] = Field(
        ..., max_length=60, description="A catalogue product key."
    )
    cfu_per_day: float = Field(5e9, gt=0, le=1e13, description="Dose (CFU/day).")


class Diet(_Span):
    """A diet change: the Mediterranean pattern (validation B4), or a fibre intake in g/day."""

    pattern: Literal["mediterranean", "fibre"] = "mediterranean"
    fibre_g: float = Field(35.0, ge=0, le=150, description="Fibre (g/day) for pattern 'fibre'.")


class Stress(_Span):
    """A stress period: external stressors at ``level`` (0.2 ordinary life, 0.6 chronic work
    stress; ``gutbrain.model.exposures``)."""

    level: float = Field(0.6, ge=0, le=1.5, description="Stressor level (0-1.5).")


class ExplorerRequest(BaseModel):
    """One explorer run: a person (or a small noisy cohort) living a timeline."""

    model_config = _FORBID
    archetype: Annotated[str, _in(archetypes, "archetype")] = Field(
        "healthy", max_length=40, description="A person archetype."
    )
    days: int = Field(365, ge=14, le=MAX_DAYS, description="Days to simulate.")
    people: int = Field(
        1, ge=1, le=MAX_PEOPLE, description="1: the archetype's reference person, deterministic; "
        "more: a cohort drawn around it, with daily noise and life events."
    )  # fmt: skip
    ensemble: int = Field(
        0, ge=0, le=MAX_MEMBERS, description="For one person: this many parameter sets (the "
        "packaged posterior's, or prior draws while none is shipped), shown as a band; 0: none."
    )  # fmt: skip
    seed: int = Field(
        1, ge=0, le=2**32 - 1, description="Seed of the cohort's or ensemble's draws."
    )
    antibiotic: list[Antibiotic] = Field(default_factory=list, max_length=MAX_ENTRIES)
    probiotic: list[Probiotic] = Field(default_factory=list, max_length=MAX_ENTRIES)
    diet: list[Diet] = Field(default_factory=list, max_length=MAX_ENTRIES)
    stress: list[Stress] = Field(default_factory=list, max_length=MAX_ENTRIES)

    @model_validator(mode="after")
    def _bounded(self) -> ExplorerRequest:
        if self.ensemble and self.people > 1:
            raise ValueError("an ensemble band is for one person: set people to 1 or ensemble to 0")
        if self.people * self.days > MAX_PERSON_DAYS:
            raise ValueError(
                f"people x days = {self.people * self.days} exceeds {MAX_PERSON_DAYS}; "
                "simulate fewer people or fewer days"
            )
        return self

    def scenario(self) -> dict[str, Any]:
        """The scenario mapping (as :func:`gutbrain.model.scenario.parse_scenario` reads it).

        Entries past the last day are cut at it (a course may run over the end of the plot).
        """
        # The Mediterranean pattern of validation check B4 (imported here: the validation
        # module loads the compiled kernel, which the page itself does not need).
        from gutbrain.model.validation import MEDITERRANEAN

        last = self.days

        def span(e: _Span) -> dict[str, int]:
            return {"start": e.start, "end": min(e.end, last)}

        schedule: list[dict[str, Any]] = []
        for d in self.diet:
            values = MEDITERRANEAN if d.pattern == "mediterranean" else {"fibre_g": d.fibre_g}
            schedule += [{"exposure": k, "value": v, **span(d)} for k, v in values.items()]
        schedule += [{"exposure": "stress", "value": s.level, **span(s)} for s in self.stress]
        arm = {
            "name": ARMS[0],
            "schedule": [e for e in schedule if e["start"] < last],
            "probiotic": [
                {"product": p.product, "cfu_per_day": p.cfu_per_day, **span(p)}
                for p in self.probiotic
                if p.start < last
            ],
            "antibiotic": [
                {"spectrum": a.spectrum, "start": a.start, "days": min(a.days, last - a.start)}
                for a in self.antibiotic
                if a.start < last
            ],
        }
        return {
            "name": "explorer",
            "days": self.days,
            "person": {"archetype": self.archetype},
            "arms": [arm, {"name": ARMS[1]}],
        }
