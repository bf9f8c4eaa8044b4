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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain._config import Where, read_toml
from gutbrain.errors import ScenarioError
from gutbrain.model.schedule import Schedule

__all__ = ["Scenario", "load_scenario", "parse_scenario"]

_TOP = (
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
)
_ARM = ("name", "description", "schedule", "probiotic", "antibiotic", "fmt")
_ENTRY = {
    "schedule": (("exposure", "value"), ("start", "end")),
    "probiotic": (("product", "cfu_per_day"), ("start", "end")),
    "antibiotic": (("spectrum",), ("start", "days")),
    "fmt": (("day",), ("donor", "engraftment")),
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


def _days(at: Where, e: dict[str, Any]) -> tuple[int, int | None]:
    """An entry's ``start`` (default 0) and ``end`` (default: the last day)."""
    return int(at.number(e, "start", default=0)), (
        None if "end" not in e else int(at.number(e, "end"))
    )


def _entry(at: Where, kind: str, e: dict[str, Any], s: Schedule) -> Schedule:
    """Apply one ``schedule``/``probiotic``/``antibiotic``/``fmt`` entry to ``s``."""
    w = str(at)
    if kind == "schedule":
        return s.set(str(e["exposure"]), float(at.number(e, "value")), *_days(at, e), where=w)
    if kind == "probiotic":
        cfu = float(at.number(e, "cfu_per_day"))
        return s.with_probiotic(str(e["product"]), cfu, *_days(at, e), where=w)
    if kind == "antibiotic":
        start, days = int(at.number(e, "start", default=0)), int(at.number(e, "days", default=7))
        return s.with_antibiotic(str(e["spectrum"]), start, days, where=w)
    return s.with_fmt(
        int(at.number(e, "day")),
        str(e.get("donor", "healthy")),
        float(at.number(e, "engraftment", default=0.5)),
        where=w,
    )


def _apply(s: Schedule, arm: dict[str, Any], at: Where) -> Schedule:
    """``s`` with the entries of ``arm`` (an ``[[arms]]`` table, or the file's top level)."""
    for kind, (req, opt) in _ENTRY.items():
        for w, raw in at.array(arm, kind, "an array of tables", []):
            e = w.table(raw)
            w.keys(e, req + opt, {k: f"a {kind} entry with {', '.join(req)}" for k in req})
            s = _entry(w, kind, e, s)
    return s


def _numbers(at: Where, table: Any) -> dict[str, float]:
    return {k: float(at.number(table, k)) for k in at.table(table)}


def parse_scenario(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping; errors name ``source`` and the key."""
    at = Where(source, ScenarioError)
    at.keys(data, _TOP, {"days": "the number of days, e.g. days = 56"})
    days = at.number(data, "days", 1)
    if days != int(days):
        raise at.key("days").bad(days, "a whole number >= 1")
    person = at.key("person").table(data.get("person", {}))
    at.key("person").keys(person, ("archetype", "parameters"))
    params = _numbers(at.key("person").key("parameters"), person.get("parameters", {}))
    baseline = _numbers(at.key("baseline"), data.get("baseline", {}))
    archetype = str(person.get("archetype", "healthy"))
    from gutbrain.model.catalogues import archetypes, lookup

    arch = lookup(archetypes(), archetype, "archetype", str(at.key("person").key("archetype")))
    base = Schedule.constant(int(days), str(at.key("baseline")), **{**arch.baseline, **baseline})
    if "arms" not in data:
        arms = [("scenario", _apply(base, data, at))]
    elif any(k in data for k in _ENTRY):
        raise at.key("arms").problem("with [[arms]], put schedules inside each arm")
    else:
        arms = []
        for w, arm in at.array(data, "arms", "an array of tables [[arms]]"):
            w.keys(w.table(arm), _ARM, {"name": 'an arm name, e.g. name = "placebo"'})
            arms.append((str(arm["name"]), _apply(base, arm, w)))
    at.key("arms").unique([a for a, _ in arms], "name")
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
    return parse_scenario(read_toml(p, ScenarioError), str(p))
