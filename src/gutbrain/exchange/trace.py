"""The model's equations as symbolic expressions, traced from the kernel's own functions.

Nothing here restates an equation. The compiled functions of :mod:`gutbrain.model.dynamics`,
:mod:`~gutbrain.model.derived` and :mod:`~gutbrain.model.kernel` keep their Python source
(``.py_func``); :func:`trace_model` runs that source on sympy symbols instead of arrays, so the
expressions are the kernel's arithmetic, operation for operation. Four things are swapped in:

* the scalar helpers become their sympy forms (:data:`_HELPERS`): ``_floor`` is ``Max``,
  ``_clip`` ``Min(Max)``, ``_pos`` ``Max(x, 0)``, ``_relax2`` and ``_endotoxin_response``
  ``Piecewise``; ``min``/``max``, ``np.sqrt``, ``np.log`` and ``math.exp`` their sympy
  namesakes (a test checks each helper against the compiled one);
* a Python ``if`` on a symbolic condition is traced both ways (every path through the source is
  run) and the results are joined with ``Piecewise`` on that condition;
* the cortisol Newton loop (:func:`~gutbrain.model.dynamics.cortisol_qss`) runs all its 8 steps:
  its stopping test is made false (``_NEWTON_RTOL = 0``). The kernel stops once a step is below
  1e-8 of the iterate; Newton converges quadratically, so the steps it skips change cortisol by
  rounding only (checked in the tests);
* each value a subsystem function returns (substrate, metabolites, perceived stress, the HPA
  hormones, ...) becomes a named symbol with its own definition, so the reported quasi-steady
  quantities (:class:`~gutbrain.model.states.A`) appear as named assignment rules.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp
from numba.core.registry import CPUDispatcher
from sympy.core.relational import Relational

from gutbrain.model import derived, dynamics, kernel
from gutbrain.model.derived import C
from gutbrain.model.exposures import EXPOSURES
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.states import AUX_INFO, STATES, A, S

__all__ = ["Equations", "state_symbol", "trace_model"]


def _piecewise_relax2(target: Any, x: Any, up: Any, down: Any) -> Any:
    d = target - x
    return sp.Piecewise((up * d, d > 0), (down * d, True))


#: The kernel's scalar helpers, as sympy expressions (a test compares each with the compiled one).
_HELPERS: dict[str, Callable[..., Any]] = {
    "_floor": lambda x, lo: sp.Max(x, lo),
    "_clip": lambda x, lo, hi: sp.Min(sp.Max(x, lo), hi),
    "_pos": lambda x: sp.Max(x, 0),
    "_relax2": _piecewise_relax2,
    "_endotoxin_response": lambda lps: sp.Piecewise((sp.log(lps), lps > 1), (0, True)),
}
_NP = types.SimpleNamespace(sqrt=sp.sqrt, log=sp.log, exp=sp.exp, empty=lambda n: _Out())
_MATH = types.SimpleNamespace(exp=sp.exp, log=sp.log, sqrt=sp.sqrt)
_BUILTINS = {"min": sp.Min, "max": sp.Max, "_NEWTON_RTOL": 0.0}


def state_symbol(name: str) -> sp.Symbol:
    """The symbol of a state (its name)."""
    return sp.Symbol(name, real=True)


def _symbols(prefix: str, names: list[str]) -> dict[int, sp.Symbol]:
    return {i: sp.Symbol(f"{prefix}{n}", real=True) for i, n in enumerate(names)}


#: Symbol names: states and parameters by their own names, exposures ``in_<name>``, derived
#: constants ``c_<name>`` (the SBML ids).
_Y = _symbols("", [s.name for s in STATES])
_E = _symbols("in_", list(EXPOSURES))
_P = _symbols("", list(PARAMETER_TABLE))
_C = _symbols("c_", [c.name for c in C])


class _Trace:
    """One run of the source along one path: the branch decisions to take, the conditions met,
    and the definitions of the named values."""

    def __init__(self, decisions: list[bool]) -> None:
        self.decisions = decisions
        self.conditions: list[Any] = []
        self.definitions: dict[sp.Symbol, Any] = {}
        self.calls: dict[str, int] = {}

    def decide(self, condition: Any) -> bool:
        k = len(self.conditions)
        if k >= len(self.decisions):
            raise _Branch(condition)
        self.conditions.append(condition)
        return self.decisions[k]

    def name(self, func: str, value: Any, position: int) -> Any:
        """A named symbol standing for ``value``, the ``position``-th return value of ``func``."""
        if isinstance(value, (sp.Atom, int, float)):
            return value
        n = self.calls.get(func, 0)
        sym = sp.Symbol(f"{func}{'' if n == 0 else n}_{position}", real=True)
        self.definitions[sym] = value
        return sym


class _Branch(Exception):
    """The traced source reached a condition not yet decided."""

    def __init__(self, condition: Any) -> None:
        self.condition = condition


_CURRENT: list[_Trace] = []


def _wrap(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``func`` whose returned values become named symbols of the current trace."""

    def call(*args: Any) -> Any:
        trace = _CURRENT[-1]
        out = func(*args)
        if out is None:
            return None
        if isinstance(out, tuple):
            named = tuple(trace.name(name, v, i) for i, v in enumerate(out))
        else:
            named = trace.name(name, out, 0)
        trace.calls[name] = trace.calls.get(name, 0) + 1
        return named

    return call


@cache
def _symbolic(
    module: types.ModuleType,
) -> tuple[dict[str, Any], dict[str, Callable[..., Any]], frozenset[types.CodeType]]:
    """The globals under which ``module``'s compiled functions run symbolically, those functions
    unwrapped by name, and their code objects (whose conditions the trace decides)."""
    g: dict[str, Any] = dict(vars(module))
    raw: dict[str, Callable[..., Any]] = {}
    g.update(np=_NP, math=_MATH, **_BUILTINS)
    codes = set()
    for name, value in vars(module).items():
        if not isinstance(value, CPUDispatcher):
            continue
        if name in _HELPERS:
            g[name] = _HELPERS[name]
            continue
        py = value.py_func
        home = sys.modules[py.__module__]
        if home is not module:
            g[name] = _function(py)
            continue
        raw[name] = types.FunctionType(py.__code__, g, py.__name__, py.__defaults__)
        g[name] = _wrap(raw[name], name.strip("_"))
        codes.add(py.__code__)
    return g, raw, frozenset(codes)


def _function(py: Callable[..., Any]) -> Callable[..., Any]:
    """The symbolic version, returning named values, of the compiled function with source ``py``."""
    return _symbolic(sys.modules[py.__module__])[0][py.__name__]


def _raw(compiled: Any) -> Callable[..., Any]:
    """The symbolic version of the compiled function ``compiled``, returning expressions."""
    py = compiled.py_func
    return _symbolic(sys.modules[py.__module__])[1][py.__name__]


def _traced_codes() -> frozenset[types.CodeType]:
    return frozenset().union(*(_symbolic(m)[2] for m in (dynamics, derived, kernel)))


@contextmanager
def _deciding(trace: _Trace) -> Iterator[None]:
    """While tracing, a condition in the model's source asks ``trace`` which way to go; every
    other truth test of a sympy relation behaves as usual."""
    codes = _traced_codes()
    original = Relational.__bool__

    def decide(self: Relational) -> bool:
        if sys._getframe(1).f_code in codes:
            return trace.decide(self)
        return original(self)

    Relational.__bool__ = decide
    _CURRENT.append(trace)
    try:
        yield
    finally:
        _CURRENT.pop()
        Relational.__bool__ = original


@dataclass(frozen=True)
class _Result:
    outputs: dict[Any, Any]
    conditions: list[Any]


def _explore(run: Callable[[_Trace], dict[Any, Any]], decisions: list[bool]) -> _Result:
    """Every path of ``run`` from ``decisions`` on, joined with ``Piecewise`` at each branch."""
    trace = _Trace(decisions)
    try:
        with _deciding(trace):
            out = run(trace)
    except _Branch:
        yes = _explore(run, [*decisions, True])
        no = _explore(run, [*decisions, False])
        cond = yes.conditions[len(decisions)]
        merged = {
            k: v if v == no.outputs[k] else sp.Piecewise((v, cond), (no.outputs[k], True))
            for k, v in yes.outputs.items()
        }
        return _Result(merged, yes.conditions[: len(decisions)])
    return _Result({**out, **trace.definitions}, trace.conditions)


@dataclass(frozen=True)
class Equations:
    """The deterministic model as expressions in the symbols of :func:`trace_model`.

    ``rates``: each state's ``d/dt`` (its rate rule); ``aux``: each reported quasi-steady
    quantity (:class:`~gutbrain.model.states.A`); ``definitions``: the other named values the
    subsystem functions return; ``derived``: the derived constants
    (:func:`~gutbrain.model.derived.derived_constants`) in the parameters; ``fmt``: a faecal
    microbiota transplant's new value of each state it moves, in the states and exposures
    (:func:`~gutbrain.model.kernel._fmt`).
    """

    rates: dict[str, Any]
    aux: dict[str, Any]
    definitions: dict[sp.Symbol, Any]
    derived: dict[str, Any]
    fmt: dict[str, Any]


class _Out(dict):
    """An output array written by index (``dydt``, ``aux``, the derived constants)."""


def _trace_rhs(trace: _Trace) -> dict[Any, Any]:
    dydt, aux = _Out(), _Out()
    rhs_c = _raw(dynamics.rhs_c)
    rhs_c(0.0, _Y, _E, _P, _C, dydt, aux)
    out: dict[Any, Any] = {("rate", S(i).name): v for i, v in dydt.items()}
    out.update({("aux", A(i).name): v for i, v in aux.items()})
    return out


def _named_aux(rates: dict[str, Any], aux: dict[str, Any], defs: dict[sp.Symbol, Any]) -> None:
    """Rename a definition that is exactly a reported quantity after that quantity, in place."""
    rename: dict[sp.Symbol, sp.Symbol] = {}
    for name, value in aux.items():
        if isinstance(value, sp.Symbol) and value in defs and value not in rename:
            rename[value] = sp.Symbol(name, real=True)
    for old, new in rename.items():
        defs[new] = defs.pop(old)
    for d in (rates, aux):
        for k, v in d.items():
            d[k] = sp.sympify(v).xreplace(rename)
    for k, v in list(defs.items()):
        defs[k] = sp.sympify(v).xreplace(rename)
    for name, value in list(aux.items()):
        if value == sp.Symbol(name, real=True):
            aux[name] = defs.pop(value)


@cache
def trace_model() -> Equations:
    """The model's equations, traced once per process from the kernel's source."""
    res = _explore(_trace_rhs, [])
    rates = {k[1]: v for k, v in res.outputs.items() if isinstance(k, tuple) and k[0] == "rate"}
    aux = {k[1]: v for k, v in res.outputs.items() if isinstance(k, tuple) and k[0] == "aux"}
    defs = {k: v for k, v in res.outputs.items() if isinstance(k, sp.Symbol)}
    _named_aux(rates, aux, defs)
    missing = [s.name for s in STATES if s.name not in rates] + [
        a for a in AUX_INFO if a not in aux
    ]
    if missing:  # pragma: no cover - guards a change of the kernel's layout
        raise RuntimeError(f"the traced model does not define {', '.join(missing)}")
    return Equations(rates, aux, defs, _trace_derived(), _trace_fmt())


def _trace_derived() -> dict[str, Any]:
    derived_c = _raw(derived.derived_constants)
    out = _explore(lambda trace: dict(derived_c(_P)), []).outputs
    return {C(i).name: v for i, v in out.items()}


def _trace_fmt() -> dict[str, Any]:
    fmt = _raw(kernel._fmt)

    def run(trace: _Trace) -> dict[Any, Any]:
        y = _Out(_Y)
        fmt(y, _E)
        return {S(i).name: v for i, v in y.items() if v is not _Y[i]}

    return _explore(run, []).outputs
