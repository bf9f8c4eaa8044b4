"""Data catalogues shipped with the model: probiotic products, antibiotic spectra, FMT donors
and person archetypes. Each is a TOML file in ``data/``, validated when loaded."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from gutbrain.errors import ScenarioError
from gutbrain.model.states import GUILDS, RESIDENT_GUILDS

__all__ = [
    "MECHANISMS",
    "Antibiotic",
    "Archetype",
    "Donor",
    "Strain",
    "antibiotics",
    "archetypes",
    "donors",
    "strains",
]

MECHANISMS = (
    "scfa",
    "gaba",
    "barrier",
    "anti_inflammatory",
    "hpa",
    "vagal",
    "kynurenine",
    "dopamine",
)


def _read(name: str) -> dict[str, Any]:
    text = files("gutbrain.model").joinpath(f"data/{name}").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - shipped data is tested
        raise ScenarioError(f"{name}: malformed TOML: {exc}") from exc


def _keys(table: dict[str, Any], expected: tuple[str, ...], where: str) -> dict[str, float]:
    unknown = set(table) - set(expected)
    missing = set(expected) - set(table)
    if unknown or missing:
        raise ScenarioError(
            f"{where}: unknown keys {sorted(unknown)} / missing keys {sorted(missing)}; "
            f"expected {list(expected)}"
        )
    return {k: float(table[k]) for k in expected}


@dataclass(frozen=True)
class Strain:
    """A probiotic strain or product: mechanism weights, persistence, dose response, evidence."""

    key: str
    label: str
    weights: dict[str, float]
    persistence_half_life_days: float
    dose_ec50_log10_cfu: float
    dose_slope: float
    evidence: tuple[dict[str, str], ...] = field(default=())

    @property
    def washout_rate(self) -> float:
        """First-order washout rate (1/day) after the last dose."""
        return math.log(2.0) / self.persistence_half_life_days

    def colonisation_pressure(self, cfu_per_day: float) -> float:
        """Logistic dose response on log10 CFU/day, in [0, 1]; zero for no dose."""
        if cfu_per_day <= 0:
            return 0.0
        x = math.log10(cfu_per_day) - self.dose_ec50_log10_cfu
        return 1.0 / (1.0 + math.exp(-self.dose_slope * x))


@dataclass(frozen=True)
class Antibiotic:
    key: str
    label: str
    kill: dict[str, float]


@dataclass(frozen=True)
class Donor:
    key: str
    label: str
    composition: dict[str, float]
    diversity: float


@dataclass(frozen=True)
class Archetype:
    key: str
    description: str
    parameters: dict[str, float]
    baseline: dict[str, float]
    initial: dict[str, float]


@cache
def strains() -> dict[str, Strain]:
    """The psychobiotic catalogue, keyed by product name."""
    out = {}
    for key, d in _read("strains.toml").items():
        out[key] = Strain(
            key=key,
            label=d["label"],
            weights=_keys(d["weights"], MECHANISMS, f"strains.toml [{key}].weights"),
            persistence_half_life_days=float(d["persistence_half_life_days"]),
            dose_ec50_log10_cfu=float(d["dose_ec50_log10_cfu"]),
            dose_slope=float(d["dose_slope"]),
            evidence=tuple(d.get("evidence", ())),
        )
    return out


@cache
def antibiotics() -> dict[str, Antibiotic]:
    """Antibiotic spectra, keyed by name."""
    return {
        k: Antibiotic(k, d["label"], _keys(d["kill"], GUILDS, f"antibiotics.toml [{k}].kill"))
        for k, d in _read("antibiotics.toml").items()
    }


@cache
def donors() -> dict[str, Donor]:
    """FMT donor profiles, keyed by name."""
    out = {}
    for k, d in _read("donors.toml").items():
        comp = _keys(d["composition"], RESIDENT_GUILDS, f"donors.toml [{k}].composition")
        out[k] = Donor(k, d["label"], comp, float(d["diversity"]))
    return out


@cache
def archetypes() -> dict[str, Archetype]:
    """Person archetypes, keyed by name."""
    return {
        k: Archetype(
            key=k,
            description=d["description"],
            parameters={n: float(v) for n, v in d.get("parameters", {}).items()},
            baseline={n: float(v) for n, v in d.get("baseline", {}).items()},
            initial={n: float(v) for n, v in d.get("initial", {}).items()},
        )
        for k, d in _read("archetypes.toml").items()
    }


def lookup(catalogue: dict[str, Any], key: str, what: str, where: str) -> Any:
    """Return ``catalogue[key]`` or raise a ScenarioError listing the known keys."""
    if key not in catalogue:
        raise ScenarioError(
            f"{where}: unknown {what} {key!r}; known: {', '.join(sorted(catalogue))}"
        )
    return catalogue[key]
