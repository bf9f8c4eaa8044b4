"""Write one person's deterministic model and a schedule as SBML Level 3 Version 2 (libsbml).

The document holds:

* every state as a species (compartment ``host`` of size 1; dimensionless amounts) with a rate
  rule from :func:`gutbrain.exchange.trace.trace_model`;
* every parameter of ``parameters.csv`` as a constant parameter with its value for this person,
  its unit, and its source, role, range and table unit in an annotation (:data:`NAMESPACE`);
* the derived constants as initial assignments, the reported quasi-steady quantities and the
  other named values as assignment rules, and the subexpressions they share as assignment rules
  ``w_<n>`` (common-subexpression elimination keeps the unrolled cortisol Newton steps small);
* every exposure channel as a parameter ``in_<name>`` that events set at the start of each day
  on which the schedule changes (day ``d`` applies over ``[d, d + 1)``, as in the kernel), and
  an FMT as an event moving the guilds and diversity on its day.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from gutbrain.errors import ParameterError
from gutbrain.exchange.trace import Equations
from gutbrain.model.exposures import EXPOSURES, E
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.schedule import Schedule
from gutbrain.model.states import AUX_INFO, STATES

__all__ = ["NAMESPACE", "Person", "check_sbml", "infix", "sbml_document"]

#: The XML namespace of the parameter annotations.
NAMESPACE = "https://gutbrain.org/sbml/parameter"
_DIMENSIONLESS = {"relative", "fraction", "logit", "0-1", "unit", "g/g", "weight", "0/1"}
#: SBO terms: the model's framework, rate constants and other parameters.
_SBO_CONTINUOUS = 62
_SBO_KINETIC_CONSTANT = 9
_SBO_PARAMETER = 2


@dataclass(frozen=True)
class Person:
    """What one exported model runs: a person's parameters and day-0 state, and a schedule."""

    name: str
    params: np.ndarray
    y0: np.ndarray
    schedule: Schedule


def _unit(text: str) -> str | None:
    """The SBML unit of a table unit: per_day, day or dimensionless; None when the quantity has
    a physical unit the model never converts (g/day, min/day, ...; kept in the annotation)."""
    if text == "1/day":
        return "per_day"
    if text in ("days", "day"):
        return "day"
    if text in _DIMENSIONLESS or text.startswith(("per relative", "per unit", "logit per")):
        return "dimensionless"
    return None


_OPS = {
    sp.StrictGreaterThan: ">",
    sp.StrictLessThan: "<",
    sp.GreaterThan: ">=",
    sp.LessThan: "<=",
    sp.Equality: "==",
}


def _number(x: float) -> str:
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def infix(expr: Any) -> str:
    """``expr`` in SBML Level 3 infix (libsbml's ``parseL3Formula``), floats to full precision."""
    e = sp.sympify(expr)
    if e is sp.true:
        return "true"
    if e is sp.false:
        return "false"
    if isinstance(e, sp.Symbol):
        return e.name
    if e.is_Number:
        return _number(float(e))
    if isinstance(e, sp.Piecewise):
        parts = []
        for value, cond in e.args[:-1]:
            parts += [infix(value), infix(cond)]
        last_value, last_cond = e.args[-1]
        parts += (
            [infix(last_value)] if last_cond is sp.true else [infix(last_value), infix(last_cond)]
        )
        return f"piecewise({', '.join(parts)})"
    if isinstance(e, sp.Mul):
        num = [infix(a) for a in e.args if not _reciprocal(a)]
        den = [infix(1 / a) for a in e.args if _reciprocal(a)]
        top = " * ".join(num) if num else "1"
        return f"({top} / ({' * '.join(den)}))" if den else f"({top})"
    args = [infix(a) for a in e.args]
    if isinstance(e, sp.Add):
        return "(" + " + ".join(args) + ")"
    if isinstance(e, sp.Pow):
        if e.exp == sp.Rational(1, 2):
            return f"sqrt({args[0]})"
        return f"({args[0]} ^ {args[1]})"
    if type(e) in _OPS:
        return f"({args[0]} {_OPS[type(e)]} {args[1]})"
    named = {sp.Max: "max", sp.Min: "min", sp.Abs: "abs", sp.exp: "exp", sp.log: "ln"}
    if e.func in named:
        return f"{named[e.func]}({', '.join(args)})"
    if isinstance(e, sp.And):
        return "(" + " && ".join(args) + ")"
    if isinstance(e, sp.Or):
        return "(" + " || ".join(args) + ")"
    if isinstance(e, sp.Not):
        return f"!({args[0]})"
    raise TypeError(f"no SBML form for {e.func.__name__}")  # pragma: no cover


def _reciprocal(a: Any) -> bool:
    return isinstance(a, sp.Pow) and a.exp.is_Number and a.exp < 0


def _libsbml() -> Any:
    try:
        import libsbml
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ParameterError(
            "export-sbml needs python-libsbml: pip install 'gutbrain[sbml]'"
        ) from exc
    return libsbml


def _math(libsbml: Any, expr: Any, where: str) -> Any:
    text = infix(expr)
    ast = libsbml.parseL3Formula(text)
    if ast is None:  # pragma: no cover - a printer bug
        raise RuntimeError(
            f"{where}: libsbml cannot parse {text[:200]}: {libsbml.getLastParseL3Error()}"
        )
    return ast


def _ok(code: int, where: str) -> None:
    if code != 0:  # pragma: no cover - a writer bug
        raise RuntimeError(f"libsbml refused {where} (code {code})")


def _notes(text: str) -> str:
    return '<body xmlns="http://www.w3.org/1999/xhtml"><p>' + html.escape(text) + "</p></body>"


def _units(libsbml: Any, model: Any) -> None:
    for uid, kind, exponent in (
        ("day", libsbml.UNIT_KIND_SECOND, 1),
        ("per_day", libsbml.UNIT_KIND_SECOND, -1),
    ):
        ud = model.createUnitDefinition()
        ud.setId(uid)
        u = ud.createUnit()
        u.setKind(kind)
        u.setExponent(exponent)
        u.setScale(0)
        u.setMultiplier(86400.0)
    model.setTimeUnits("day")
    model.setSubstanceUnits("dimensionless")
    model.setExtentUnits("dimensionless")


def _parameter(model: Any, pid: str, value: float | None, constant: bool, unit: str | None) -> Any:
    par = model.createParameter()
    _ok(par.setId(pid), pid)
    if value is not None:
        par.setValue(float(value))
    par.setConstant(constant)
    if unit is not None:
        par.setUnits(unit)
    return par


def _annotate(libsbml: Any, par: Any, name: str) -> None:
    spec = PARAMETER_TABLE[name]
    par.setName(spec.description)
    par.setSBOTerm(_SBO_KINETIC_CONSTANT if spec.unit == "1/day" else _SBO_PARAMETER)
    attrs = {
        "source": spec.source,
        "role": spec.role,
        "unit": spec.unit,
        "low": repr(spec.low),
        "high": repr(spec.high),
        "table_value": repr(spec.value),
    }
    body = " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items())
    _ok(par.setAnnotation(f'<gutbrain:parameter xmlns:gutbrain="{NAMESPACE}" {body}/>'), name)


def _rules(libsbml: Any, model: Any, eq: Equations) -> None:
    """Assignment rules for the named values, the reported quantities and their shared
    subexpressions, and a rate rule for each state."""
    named = list(eq.definitions.items()) + [(sp.Symbol(k, real=True), v) for k, v in eq.aux.items()]
    rates = [eq.rates[s.name] for s in STATES]
    shared, reduced = sp.cse(
        [v for _, v in named] + rates,
        symbols=sp.numbered_symbols("w_", real=True),
        optimizations=None,
        order="none",
    )
    for sym, value in shared:
        _parameter(model, sym.name, None, False, None)
        rule = model.createAssignmentRule()
        rule.setVariable(sym.name)
        _ok(rule.setMath(_math(libsbml, value, sym.name)), sym.name)
    for (sym, _), value in zip(named, reduced[: len(named)], strict=True):
        par = _parameter(model, sym.name, None, False, None)
        if sym.name in AUX_INFO:
            info = AUX_INFO[sym.name]
            par.setName(info.description)
            par.setUnits("dimensionless")
        rule = model.createAssignmentRule()
        rule.setVariable(sym.name)
        _ok(rule.setMath(_math(libsbml, value, sym.name)), sym.name)
    for s, value in zip(STATES, reduced[len(named) :], strict=True):
        rule = model.createRateRule()
        rule.setVariable(s.name)
        _ok(rule.setMath(_math(libsbml, value, s.name)), s.name)


def _events(libsbml: Any, model: Any, eq: Equations, schedule: Schedule) -> None:
    """One event per day on which an exposure changes or an FMT is given."""
    v = schedule.values
    for d in range(schedule.days):
        changed = [] if d == 0 else [j for j in range(v.shape[1]) if v[d, j] != v[d - 1, j]]
        fmt = v[d, E.fmt_fraction] > 0.0
        if not changed and not fmt:
            continue
        ev = model.createEvent()
        ev.setId(f"day_{d}")
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(False)  # so that a day-0 FMT fires at the start
        trig.setPersistent(True)
        _ok(trig.setMath(libsbml.parseL3Formula(f"time >= {d}")), f"day {d}")
        for j in changed:
            a = ev.createEventAssignment()
            a.setVariable(f"in_{E(j).name}")
            _ok(a.setMath(libsbml.parseL3Formula(_number(v[d, j]))), f"day {d}")
        if fmt:
            today = {sp.Symbol(f"in_{x.name}", real=True): float(v[d, x]) for x in E}
            for state, expr in eq.fmt.items():
                a = ev.createEventAssignment()
                a.setVariable(state)
                _ok(a.setMath(_math(libsbml, expr.xreplace(today), state)), f"FMT {d}")


def sbml_document(eq: Equations, person: Person) -> str:
    """The SBML L3V2 text of ``person`` living ``person.schedule`` under the equations ``eq``."""
    libsbml = _libsbml()
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    model.setId("gutbrain")
    model.setName(f"gutbrain microbiota-gut-brain axis: {person.name}")
    model.setSBOTerm(_SBO_CONTINUOUS)
    _units(libsbml, model)
    comp = model.createCompartment()
    comp.setId("host")
    comp.setSize(1.0)
    comp.setConstant(True)
    comp.setSpatialDimensions(3)
    comp.setUnits("dimensionless")
    for s, y in zip(STATES, person.y0, strict=True):
        sp_ = model.createSpecies()
        _ok(sp_.setId(s.name), s.name)
        sp_.setName(s.description)
        sp_.setCompartment("host")
        sp_.setInitialAmount(float(y))
        sp_.setHasOnlySubstanceUnits(True)
        sp_.setBoundaryCondition(False)
        sp_.setConstant(False)
        sp_.setSubstanceUnits("dimensionless")
        _ok(sp_.setNotes(_notes(f"{s.description} ({s.unit})")), s.name)
    for name, value in zip(PARAMETER_TABLE, person.params, strict=True):
        par = _parameter(model, name, value, True, _unit(PARAMETER_TABLE[name].unit))
        _annotate(libsbml, par, name)
    for name, expr in eq.derived.items():
        par = _parameter(model, f"c_{name}", None, True, None)
        ia = model.createInitialAssignment()
        ia.setSymbol(par.getId())
        _ok(ia.setMath(_math(libsbml, expr, name)), name)
    for x, value in zip(EXPOSURES.values(), person.schedule.values[0], strict=True):
        par = _parameter(model, f"in_{x.name}", value, False, _unit(x.unit))
        par.setName(f"{x.description} ({x.unit}); exposure set by the day's events")
        par.setSBOTerm(_SBO_PARAMETER)
    _rules(libsbml, model, eq)
    _events(libsbml, model, eq, person.schedule)
    return str(libsbml.writeSBMLToString(doc))


def check_sbml(text: str) -> list[str]:
    """libsbml's consistency checks of an SBML text: the messages, errors first; raises
    :class:`RuntimeError` when there is an error."""
    libsbml = _libsbml()
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    log = doc.getErrorLog()
    msgs = []
    errors = 0
    for i in range(log.getNumErrors()):
        err = log.getError(i)
        severe = err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR
        errors += severe
        kind = "error" if severe else "warning"
        msgs.append(f"{kind} {err.getErrorId()}: {err.getShortMessage()}")
    if errors:
        raise RuntimeError(
            "SBML consistency: " + "; ".join(m for m in msgs if m.startswith("error"))
        )
    return msgs
