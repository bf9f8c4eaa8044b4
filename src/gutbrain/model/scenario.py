"""Declarative scenarios: a TOML file of daily schedules, one or more arms, and a person.

Example file::

    name = "probiotic"
    days = 56
    [person]
    archetype = "healthy"            # healthy | vulnerable | depressed | dysbiotic | ...
    parameters = { threat_sensitivity = 1.2 }
    [baseline]                       # public exposures for the whole run (and the spin-up)
    fibre_g = 20
    [[arms]]
    name = "placebo"
    [[arms]]
    name = "probiotic"
    probiotic = [{ product = "ecologic_barrier", cfu_per_day = 5e9, start = 0, end = 28 }]
    schedule = [{ exposure = "stress", value = 0.4, start = 0, end = 14 }]
    antibiotic = [{ spectrum = "broad", start = 0, days = 7 }]
    fmt = [{ day = 0, donor = "healthy", engraftment = 0.5 }]

Without ``[[arms]]`` the top-level ``schedule``/``probiotic``/``antibiotic``/``fmt`` lists form a
single arm. Every arm is simulated for the same people (a paired, counterfactual comparison).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain.errors import ScenarioError
from gutbrain.model.schedule import Schedule

__all__ = ["Scenario", "load_scenario", "parse_scenario"]

_TOP = {
    "name",
    "description",
    "days",
    "person",
    "baseline",
    "arms",
    "schedule",
    "probiotic",
    "antibiotic",
    "fmt",
}
_ARM = {"name", "description", "schedule", "probiotic", "antibiotic", "fmt"}
_ENTRY = {
    "schedule": ({"exposure", "value"}, {"start", "end"}),
    "probiotic": ({"product", "cfu_per_day"}, {"start", "end"}),
    "antibiotic": ({"spectrum"}, {"start", "days"}),
    "fmt": ({"day"}, {"donor", "engraftment"}),
}


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario: its person, baseline and one schedule per arm."""

    name: str
    description: str
    days: int
    archetype: str
    parameters: dict[str, float]
    baseline: dict[str, float]
    arms: tuple[tuple[str, Schedule], ...]
    source: str = "scenario"

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.arms)


def _num(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _check_keys(table: Any, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: expected a table, got {table!r}")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    missing = sorted(required - set(table))
    if missing:
        raise ScenarioError(f"{where}: missing key {missing[0]!r}")
    return table


def _apply(s: Schedule, arm: dict[str, Any], where: str) -> Schedule:
    for kind, (req, opt) in _ENTRY.items():
        entries = arm.get(kind, [])
        if not isinstance(entries, list):
            raise ScenarioError(f"{where}.{kind}: expected a list of tables")
        for i, raw in enumerate(entries):
            w = f"{where}.{kind}[{i}]"
            e = _check_keys(raw, req | opt, req, w)
            if kind == "schedule":
                s = s.set(
                    str(e["exposure"]),
                    _num(e["value"], f"{w}.value"),
                    int(_num(e.get("start", 0), f"{w}.start")),
                    None if "end" not in e else int(_num(e["end"], f"{w}.end")),
                    where=w,
                )
            elif kind == "probiotic":
                s = s.with_probiotic(
                    str(e["product"]),
                    _num(e["cfu_per_day"], f"{w}.cfu_per_day"),
                    int(_num(e.get("start", 0), f"{w}.start")),
                    None if "end" not in e else int(_num(e["end"], f"{w}.end")),
                    where=w,
                )
            elif kind == "antibiotic":
                s = s.with_antibiotic(
                    str(e["spectrum"]),
                    int(_num(e.get("start", 0), f"{w}.start")),
                    int(_num(e.get("days", 7), f"{w}.days")),
                    where=w,
                )
            else:
                s = s.with_fmt(
                    int(_num(e["day"], f"{w}.day")),
                    str(e.get("donor", "healthy")),
                    _num(e.get("engraftment", 0.5), f"{w}.engraftment"),
                    where=w,
                )
    return s


def parse_scenario(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping; errors name ``source`` and the key."""
    _check_keys(data, _TOP, {"days"}, source)
    days = _num(data["days"], f"{source}: days")
    if days != int(days) or days < 1:
        raise ScenarioError(f"{source}: days = {data['days']!r} must be a positive whole number")
    person = _check_keys(
        data.get("person", {}), {"archetype", "parameters"}, set(), f"{source}: [person]"
    )
    params = {
        k: _num(v, f"{source}: [person.parameters] {k}")
        for k, v in person.get("parameters", {}).items()
    }
    baseline = {
        k: _num(v, f"{source}: [baseline] {k}") for k, v in data.get("baseline", {}).items()
    }
    archetype = str(person.get("archetype", "healthy"))
    from gutbrain.model.catalogues import archetypes, lookup

    arch = lookup(archetypes(), archetype, "archetype", f"{source}: [person] archetype")
    base = Schedule.constant(int(days), f"{source}: [baseline]", **{**arch.baseline, **baseline})
    raw_arms = data.get("arms")
    if raw_arms is None:
        raw_arms = [{"name": "scenario", **{k: data[k] for k in _ENTRY if k in data}}]
    elif any(k in data for k in _ENTRY):
        raise ScenarioError(f"{source}: with [[arms]], put schedules inside each arm")
    arms = []
    for i, arm in enumerate(raw_arms):
        w = f"{source}: arms[{i}]"
        _check_keys(arm, _ARM, {"name"}, w)
        arms.append((str(arm["name"]), _apply(base, arm, w)))
    names = [a for a, _ in arms]
    if len(set(names)) != len(names):
        raise ScenarioError(f"{source}: arm names must be unique, got {names}")
    return Scenario(
        str(data.get("name", Path(source).stem)),
        str(data.get("description", "")),
        int(days),
        archetype,
        params,
        baseline,
        tuple(arms),
        source,
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read scenario file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: malformed TOML: {exc}") from exc
    return parse_scenario(data, str(p))
