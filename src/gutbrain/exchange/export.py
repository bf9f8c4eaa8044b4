"""``gutbrain export-sbml``: a scenario arm's person and schedule, written as one SBML file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from gutbrain._config import read_toml
from gutbrain._outdir import check_parents
from gutbrain.errors import DataError, ScenarioError
from gutbrain.exchange.sbml import Person, check_sbml, sbml_document
from gutbrain.exchange.trace import trace_model
from gutbrain.model.parameters import Parameters
from gutbrain.model.person import cohort
from gutbrain.model.scenario import parse_scenario

__all__ = ["export_sbml", "scenario_person"]

#: Days exported without a scenario: one year of the archetype's baseline life.
DEFAULT_DAYS = 365


def scenario_person(
    scenario: str | Path | None = None,
    *,
    arm: str | None = None,
    archetype: str | None = None,
    days: int | None = None,
    member: Parameters | None = None,
) -> Person:
    """The person and schedule of one arm of ``scenario`` (default: the first arm), as
    ``gutbrain simulate --no-noise --people 1`` runs it: the scenario's (or ``archetype``'s)
    person with ``member``'s parameters in place of the table's, at its deterministic steady
    state. ``days`` replaces the scenario's length; schedule entries without an end run on to it.
    Without a scenario: ``archetype``'s (default healthy) baseline life, one year."""
    if scenario is None:
        data: dict[str, Any] = {"name": archetype or "healthy", "days": DEFAULT_DAYS}
        source = "export-sbml"
    else:
        data = dict(read_toml(Path(scenario), ScenarioError))
        source = str(scenario)
    if days is not None:
        data["days"] = days
    if archetype is not None:
        data["person"] = {**data.get("person", {}), "archetype": archetype}
    sc = parse_scenario(data, source)
    names = sc.arm_names
    chosen = names[0] if arm is None else arm
    if chosen not in names:
        raise ScenarioError(f"{source}: --arm {chosen!r} is not an arm; arms: {', '.join(names)}")
    schedule = dict(sc.arms)[chosen]
    c = cohort(sc.archetype, 1, sc.parameters, sc.baseline, member, f"{source}: [person]")
    return Person(f"{sc.name}: {chosen}", c.params.values[0], c.y0[0], schedule)


def export_sbml(person: Person, out: str | Path, *, overwrite: bool = False) -> list[str]:
    """Write ``person``'s model as SBML to the file ``out``; return libsbml's warnings.

    An existing ``out`` is replaced only with ``overwrite``; the file is written whole or not
    at all."""
    path = Path(out)
    check_parents(path)
    if path.is_dir():
        raise DataError(f"output {path}: is a folder; --out takes an .xml file name")
    if path.exists() and not overwrite:
        raise DataError(f"output {path}: exists; pass --overwrite to replace it")
    text = sbml_document(trace_model(), person)
    warnings = check_sbml(text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"output {path}: cannot write ({exc.strerror or exc})") from exc
    return warnings
