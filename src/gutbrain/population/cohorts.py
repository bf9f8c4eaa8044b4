r"""Named cohorts of virtual people: trait distributions, demographics and real baseline microbiota.

A cohort (``data/cohorts.toml``) names a model archetype and gives each person trait
(:data:`gutbrain.model.parameters.TRAITS`) a distribution inside the parameter table's declared
range:

.. math::

    \text{logit-normal:}\quad x = l + (h - l)\,\operatorname{expit}\bigl(
        \operatorname{logit}\tfrac{m - l}{h - l} + s z\bigr), \qquad
    \text{log-normal:}\quad x = \operatorname{clip}(m e^{s z}, l, h)

with :math:`z \sim N(0, 1)`, median :math:`m` and range :math:`[l, h]`.

Each person's reference guild composition (``ref_*`` parameters) is one HITChip Atlas profile
(:func:`gutbrain.population.atlas.atlas_guilds`, LAHTI2014) perturbed in log-ratio space by
``atlas_jitter``, clipped into the declared ``ref_*`` ranges and closed to sum to 1.

Randomness: candidate ``k`` of a sampling run with seed ``s`` draws everything from its own
stream ``SeedSequence(s, spawn_key=(k,))`` (:mod:`gutbrain.population.streams`), so a person
does not depend on how many others are drawn, on chunking or on the machine that draws them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.errors import DesignError
from gutbrain.model.parameters import PARAMETER_TABLE, REFERENCE_COMPOSITION, TRAITS, Parameters
from gutbrain.model.person import cohort as archetype_cohort
from gutbrain.population.streams import person_streams as person_streams
from gutbrain.population.streams import stream_generators as stream_generators

__all__ = [
    "COHORTS",
    "CohortSpec",
    "Population",
    "TraitSpec",
    "cohort_spec",
    "cohorts",
    "person_streams",
    "sample_population",
    "stream_generators",
]

_SOURCE = "cohorts.toml"
_DISTS = ("logitnormal", "lognormal")
_GUILDS5 = tuple(n.removeprefix("ref_") for n in REFERENCE_COMPOSITION)
# Sub-streams of each candidate's SeedSequence: traits and microbiota, daily-life noise in the
# model, screening measurement error, adherence and dropout, the warm-up's daily life, and the
# person's stable offsets on questionnaires (gutbrain.observe.draw_respondents).
(
    STREAM_PERSON,
    STREAM_MODEL,
    STREAM_SCREEN,
    STREAM_CONDUCT,
    STREAM_WARMUP,
    STREAM_RESPONDENT,
) = range(6)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class TraitSpec:
    """Distribution of one person trait within ``[low, high]`` (see the module docstring)."""

    name: str
    dist: str
    median: float
    sd: float
    low: float
    high: float

    def __post_init__(self) -> None:
        where = f"{_SOURCE}: trait {self.name}"
        if self.dist not in _DISTS:
            raise DesignError(f"{where}: dist = {self.dist!r}; expected one of {_DISTS}")
        spec = PARAMETER_TABLE.get(self.name)
        if spec is None:
            raise DesignError(f"{where}: unknown parameter; expected one of {TRAITS}")
        if self.low < spec.low or self.high > spec.high or self.low >= self.high:
            raise DesignError(
                f"{where}: range [{self.low:g}, {self.high:g}] must lie inside the declared "
                f"[{spec.low:g}, {spec.high:g}]"
            )
        if not self.low < self.median < self.high and not (
            self.dist == "lognormal" and self.low <= self.median <= self.high
        ):
            raise DesignError(
                f"{where}: median = {self.median:g} must lie inside ({self.low:g}, {self.high:g})"
            )
        if not (np.isfinite(self.sd) and self.sd >= 0):
            raise DesignError(f"{where}: sd = {self.sd!r}; expected >= 0")

    def transform(self, z: np.ndarray) -> np.ndarray:
        """Map standard normal draws ``z`` to trait values."""
        if self.dist == "lognormal":
            return np.clip(self.median * np.exp(self.sd * z), self.low, self.high)
        w = self.high - self.low
        q = (self.median - self.low) / w
        return self.low + w * _expit(np.log(q / (1 - q)) + self.sd * z)


@dataclass(frozen=True)
class CohortSpec:
    """A named cohort: archetype, trait distributions, baseline exposures, demographics."""

    name: str
    description: str
    archetype: str
    traits: tuple[TraitSpec, ...]
    baseline: Mapping[str, float] = field(default_factory=dict)
    age: Mapping[str, float] = field(default_factory=dict)
    female_share: float = 0.5
    atlas_jitter: float = 0.1
    inclusion: tuple[Mapping[str, Any], ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per trait: distribution, median, sd and range."""
        return pd.DataFrame([t.__dict__ for t in self.traits])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "archetype": self.archetype,
            "traits": [dict(t.__dict__) for t in self.traits],
            "baseline": dict(self.baseline),
            "age": dict(self.age),
            "female_share": self.female_share,
            "atlas_jitter": self.atlas_jitter,
            "inclusion": [dict(c) for c in self.inclusion],
        }


def _trait(cohort: str, name: str, d: Any) -> TraitSpec:
    if not isinstance(d, Mapping):
        raise DesignError(f"{_SOURCE}: [{cohort}] traits.{name} must be a table, got {d!r}")
    try:
        return TraitSpec(name=name, **d)
    except TypeError as exc:
        raise DesignError(f"{_SOURCE}: [{cohort}] traits.{name}: {exc}") from exc


def _parse(name: str, d: Mapping[str, Any]) -> CohortSpec:
    traits = d.get("traits", {})
    return CohortSpec(
        name=name,
        description=str(d.get("description", "")),
        archetype=str(d["archetype"]),
        traits=tuple(_trait(name, k, v) for k, v in traits.items()),
        baseline=dict(d.get("baseline", {})),
        age=dict(d.get("age", {})),
        female_share=float(d.get("female_share", 0.5)),
        atlas_jitter=float(d.get("atlas_jitter", 0.1)),
        inclusion=tuple(dict(c) for c in d.get("inclusion", ())),
    )


@cache
def cohorts() -> dict[str, CohortSpec]:
    """Every named cohort in the package's ``cohorts.toml``."""
    text = files("gutbrain.population").joinpath("data/cohorts.toml").read_text(encoding="utf-8")
    return {k: _parse(k, v) for k, v in tomllib.loads(text).items()}


COHORTS: tuple[str, ...] = tuple(cohorts())


def cohort_spec(name: str, where: str = "cohort") -> CohortSpec:
    """The named cohort; :class:`DesignError` naming the known ones if unknown."""
    table = cohorts()
    if name not in table:
        raise DesignError(f"{where} = {name!r} is not a cohort; expected one of {', '.join(table)}")
    return table[name]


@cache
def _atlas_pool() -> np.ndarray:
    from gutbrain.population.atlas import atlas_guilds

    pool = atlas_guilds("renormalise")
    return pool[list(_GUILDS5)].to_numpy(dtype=np.float64)


def _close_in_range(x: np.ndarray) -> np.ndarray:
    """Clip each guild into its declared ``ref_*`` range, then close to sum 1.

    The surplus or deficit after clipping is shared out in proportion to each guild's room to
    its bound, which keeps every guild inside its range (the bounds sum to 0.43 and 1.75).
    """
    lo = np.array([PARAMETER_TABLE[n].low for n in REFERENCE_COMPOSITION])
    hi = np.array([PARAMETER_TABLE[n].high for n in REFERENCE_COMPOSITION])
    x = np.clip(x / x.sum(axis=1, keepdims=True), lo, hi)
    gap = 1.0 - x.sum(axis=1, keepdims=True)
    room = np.where(gap > 0, hi - x, x - lo)
    x = x + gap * room / room.sum(axis=1, keepdims=True)
    return np.clip(x, lo, hi)


@dataclass(frozen=True)
class Population:
    """Sampled virtual people, spun up to steady state and ready to simulate.

    Attributes
    ----------
    spec
        The cohort they were drawn from.
    people
        One row per person: ``candidate`` (index in the sampling order), ``age``, ``sex``,
        trait columns, ``atlas_sample`` index and the ``ref_*`` composition.
    params, baseline, y0
        As in :class:`gutbrain.model.person.Cohort`.
    """

    spec: CohortSpec
    people: pd.DataFrame
    params: Parameters
    baseline: dict[str, float]
    y0: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        return f"Population(cohort={self.spec.name!r}, n={len(self.people)})"

    def __len__(self) -> int:
        return len(self.people)

    def summary(self) -> pd.DataFrame:
        """Mean, SD and range of the numeric person columns."""
        return self.people.drop(columns="candidate").describe().T

    def to_dict(self) -> dict[str, Any]:
        return {"cohort": self.spec.name, "n": len(self.people)}

    def take(self, index: np.ndarray) -> Population:
        """A subset of people (e.g. those passing screening)."""
        return Population(
            self.spec,
            self.people.iloc[index].reset_index(drop=True),
            self.params.take(index),
            self.baseline,
            self.y0[index],
        )


def sample_population(
    spec: CohortSpec | str,
    candidates: np.ndarray | int,
    seed: int | Sequence[int],
    *,
    parameters: Mapping[str, Any] | None = None,
    baseline: Mapping[str, float] | None = None,
) -> Population:
    """Draw virtual people from a cohort and spin them up to steady state.

    Parameters
    ----------
    spec
        A :class:`CohortSpec` or the name of a cohort in ``cohorts.toml``.
    candidates
        Candidate indices to draw (or a count ``n`` for ``0 .. n-1``); candidate ``k`` always
        gets the same person for the same ``seed``.
    seed
        Root seed of the sampling run.
    parameters, baseline
        Extra parameter overrides (scalars) and baseline exposures on top of the cohort's.

    Returns
    -------
    Population

    Examples
    --------
    >>> pop = sample_population("healthy_young_adults", 3, seed=1)  # doctest: +SKIP
    >>> len(pop)  # doctest: +SKIP
    3
    """
    spec = cohort_spec(spec) if isinstance(spec, str) else spec
    idx = np.arange(candidates) if isinstance(candidates, int) else np.asarray(candidates)
    n = len(idx)
    if n < 1:
        raise DesignError("sample_population: need at least one candidate")
    pool = _atlas_pool()
    k = len(spec.traits) + 2
    z = np.empty((n, k))
    pick = np.empty(n, dtype=np.int64)
    jit = np.empty((n, len(_GUILDS5)))
    female = np.empty(n, dtype=bool)
    for i, gen in enumerate(stream_generators(seed, idx, STREAM_PERSON)):
        z[i] = gen.standard_normal(k)
        pick[i] = gen.integers(0, len(pool))
        jit[i] = gen.standard_normal(len(_GUILDS5))
        female[i] = gen.random() < spec.female_share
    comp = pool[pick] * np.exp(spec.atlas_jitter * jit)
    comp = _close_in_range(comp / comp.sum(axis=1, keepdims=True))
    traits = {t.name: t.transform(z[:, j]) for j, t in enumerate(spec.traits)}
    age = spec.age
    ages = np.clip(
        age.get("mean", 40.0) + age.get("sd", 0.0) * z[:, -2],
        age.get("low", 18.0),
        age.get("high", 90.0),
    ).round()
    refs = {f"ref_{g}": comp[:, j] for j, g in enumerate(_GUILDS5)}
    base = Parameters.default(n).replace(f"cohort {spec.name}", **refs)
    made = archetype_cohort(
        spec.archetype,
        n,
        parameters={**traits, **dict(parameters or {})},
        baseline={**spec.baseline, **dict(baseline or {})},
        params=base,
        where=f"cohort {spec.name}",
    )
    people = pd.DataFrame(
        {
            "candidate": idx.astype(np.int64),
            "age": ages.astype(np.int64),
            "sex": np.where(female, "F", "M"),
            **traits,
            "atlas_sample": pick,
            **refs,
        }
    )
    return Population(spec, people, made.params, made.baseline, made.y0)
