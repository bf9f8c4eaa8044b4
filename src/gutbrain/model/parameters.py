"""Model parameters: one data table, a layout derived from it, and a frozen per-person container.

The table ``data/parameters.csv`` is the single source of every number in the equations: name,
value, unit, plausible range, role (literature, calibrated or assumed) and source (a citation key
from ``data/references.csv``, or "assumed"). Its row order defines the layout :data:`P`, an
``IntEnum`` that numba folds into constant indices.

Example
-------
>>> from gutbrain.model.parameters import Parameters
>>> p = Parameters.default(n=3).replace(vulnerability=0.6)
>>> p["vulnerability"].tolist()
[0.6, 0.6, 0.6]
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from importlib.resources import files
from typing import Any, cast

import numpy as np

from gutbrain.errors import ParameterError

__all__ = ["N_PARAMS", "PARAMETER_TABLE", "P", "ParameterSpec", "Parameters", "draw_ensemble"]

ROLES = ("literature", "calibrated", "assumed")
# Person traits that define an archetype (healthy, vulnerable, dysbiotic, ...). Uncertainty
# ensembles hold them at the archetype's values; cohorts of real variability sample them.
TRAITS = ("vulnerability", "threat_sensitivity", "diversity_capacity")
# Reference guild composition: these rows must sum to 1 for every person.
REFERENCE_COMPOSITION = (
    "ref_butyrate_producers",
    "ref_bifidobacteria_lab",
    "ref_bacteroides_prevotella",
    "ref_pathobionts",
    "ref_akkermansia",
)


@dataclass(frozen=True)
class ParameterSpec:
    """One row of the parameter table."""

    name: str
    value: float
    unit: str
    low: float
    high: float
    role: str
    source: str
    description: str

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise ParameterError(
                f"parameters.csv: {self.name} = {self.value} lies outside its range "
                f"[{self.low}, {self.high}]"
            )
        if self.role not in ROLES:
            raise ParameterError(
                f"parameters.csv: {self.name} has role {self.role!r}; expected one of {ROLES}"
            )


@cache
def _load_table() -> dict[str, ParameterSpec]:
    text = files("gutbrain.model").joinpath("data/parameters.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    table: dict[str, ParameterSpec] = {}
    for row in rows:
        spec = ParameterSpec(
            name=row["name"],
            value=float(row["value"]),
            unit=row["unit"],
            low=float(row["low"]),
            high=float(row["high"]),
            role=row["role"],
            source=row["source"],
            description=row["description"],
        )
        if spec.name in table:
            raise ParameterError(f"parameters.csv: duplicate parameter {spec.name!r}")
        table[spec.name] = spec
    return table


PARAMETER_TABLE: dict[str, ParameterSpec] = _load_table()

# The layout, derived from the table's row order. Typed as Any: its members come from data.
P: Any = cast(Any, IntEnum("P", list(PARAMETER_TABLE), start=0))
N_PARAMS = len(PARAMETER_TABLE)

_NAMES = list(PARAMETER_TABLE)
_DEFAULTS = np.array([s.value for s in PARAMETER_TABLE.values()], dtype=np.float64)
_LOW = np.array([s.low for s in PARAMETER_TABLE.values()], dtype=np.float64)
_HIGH = np.array([s.high for s in PARAMETER_TABLE.values()], dtype=np.float64)
_COMPOSITION = [int(P[n]) for n in REFERENCE_COMPOSITION]
# What Parameters(...) accepts: the declared ranges, except for the reference composition's
# shares, which are checked as a composition (each in [0, 1], summing to 1). draw_ensemble
# renormalises its draws, which can carry a share a little past its declared range (about 0.2 %
# of PERT draws); a share's declared range bounds what is drawn and what replace() sets.
_ACCEPT_LOW = _LOW.copy()
_ACCEPT_HIGH = _HIGH.copy()
_ACCEPT_LOW[_COMPOSITION] = 0.0
_ACCEPT_HIGH[_COMPOSITION] = 1.0


def _check_name(name: str, source: str) -> int:
    if name not in PARAMETER_TABLE:
        close = [n for n in PARAMETER_TABLE if name.lower() in n or n in name.lower()][:3]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ParameterError(f"{source}: unknown parameter {name!r}{hint}")
    return int(P[name])


def _outside(source: str, j: int, value: float, person: int | None, share: bool = False) -> str:
    """The one message for a parameter value outside its range: the declared one, or [0, 1]
    for a ``share`` of the reference composition built into a :class:`Parameters`."""
    spec = PARAMETER_TABLE[_NAMES[j]]
    who = "" if person is None else f" for person {person}"
    where = (
        "[0, 1] (a share of the reference composition)"
        if share
        else f"its declared range [{spec.low:g}, {spec.high:g}] {spec.unit}"
    )
    return f"{source}: {spec.name} = {value:g}{who} is outside {where}"


def _check_values(v: np.ndarray, source: str) -> None:
    """Refuse a value that is not finite or lies outside what :class:`Parameters` accepts."""
    bad = ~np.isfinite(v) | (v < _ACCEPT_LOW) | (v > _ACCEPT_HIGH)
    if np.any(bad):
        i, j = (int(k) for k in np.argwhere(bad)[0])
        raise ParameterError(_outside(source, j, float(v[i, j]), i, j in _COMPOSITION))
    _check_composition(v, source)


@dataclass(frozen=True)
class Parameters:
    """Per-person parameter values, shape ``(n_people, N_PARAMS)``, laid out by :data:`P`.

    Build with :meth:`default`, :meth:`replace` or :func:`draw_ensemble`, or from an array.
    However it is built, the object checks, when it is made and never deep inside a
    simulation: the shape ``(n_people, N_PARAMS)``; every value finite and inside its declared
    range; and the reference composition (:data:`REFERENCE_COMPOSITION`) on the simplex, each
    share in [0, 1] and the shares summing to 1 for every person. (A share's own declared range
    bounds what :func:`draw_ensemble` draws and what :meth:`replace` sets; the renormalised
    composition may leave it slightly.) A failure raises :class:`ParameterError` naming the
    parameter, the person, the value and the range expected.
    """

    values: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        try:
            v = np.asarray(self.values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError(
                f"Parameters: values must be an array of numbers of shape (n_people, {N_PARAMS})"
            ) from None
        if v.ndim != 2 or v.shape[1] != N_PARAMS:
            raise ParameterError(
                f"Parameters: the value array has shape {v.shape}; expected (n_people, {N_PARAMS})"
            )
        _check_values(v, "Parameters")
        v = np.ascontiguousarray(v)
        v.flags.writeable = False
        object.__setattr__(self, "values", v)

    @classmethod
    def default(cls, n: int = 1) -> Parameters:
        """The reference person's parameters, repeated for ``n`` people."""
        if n < 1:
            raise ParameterError(f"number of people must be at least 1, got {n}")
        return cls(np.tile(_DEFAULTS, (n, 1)))

    @property
    def n_people(self) -> int:
        return int(self.values.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[:, _check_name(name, "parameters")]

    def __len__(self) -> int:
        return self.n_people

    def __repr__(self) -> str:
        return f"Parameters(n_people={self.n_people}, n_params={N_PARAMS})"

    def replace(self, source: str = "parameters", /, **overrides: Any) -> Parameters:
        """Return a copy with some parameters set (a scalar or one value per person).

        Raises :class:`ParameterError` naming the parameter and value when a name is unknown or
        a value lies outside the declared range.
        """
        v = self.values.copy()
        for name, value in overrides.items():
            j = _check_name(name, source)
            arr = np.asarray(value, dtype=np.float64)
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != self.n_people):
                raise ParameterError(
                    f"{source}: {name} must be a number or {self.n_people} values, "
                    f"got shape {arr.shape}"
                )
            bad = ~np.isfinite(arr) | (arr < _LOW[j]) | (arr > _HIGH[j])
            if np.any(bad):
                i = int(np.argmax(bad)) if arr.ndim else None
                first = float(arr if i is None else arr[i])
                raise ParameterError(_outside(source, j, first, i))
            v[:, j] = arr
        _check_values(v, source)
        return Parameters(v)

    def take(self, index: np.ndarray | slice) -> Parameters:
        """The parameters of a subset of people (for chunked runs)."""
        return Parameters(self.values[index])

    def to_frame(self) -> Any:
        """A pandas DataFrame with one row per person and one column per parameter."""
        import pandas as pd

        return pd.DataFrame(self.values, columns=list(PARAMETER_TABLE))


def _check_composition(v: np.ndarray, source: str) -> None:
    off = np.abs(v[:, _COMPOSITION].sum(axis=1) - 1.0)
    if np.any(off > 1e-6):
        i = int(np.argmax(off))
        raise ParameterError(
            f"{source}: the reference composition ({', '.join(REFERENCE_COMPOSITION)}) of "
            f"person {i} sums to {v[i, _COMPOSITION].sum():.6g}; it must sum to 1"
        )


def draw_ensemble(
    rng: np.random.Generator,
    n: int,
    *,
    names: tuple[str, ...] | None = None,
    spread: str = "pert",
    base: Parameters | None = None,
) -> Parameters:
    """Draw ``n`` parameter sets within the declared ranges (for bands and stress tests).

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    n : int
        Number of draws.
    names : tuple of str, optional
        Parameters to vary (default: every parameter whose range is not a single point, except
        the person traits in :data:`TRAITS`, which the archetype sets).
    spread : {"pert", "uniform"}
        ``"pert"``: a PERT (scaled beta) distribution on [low, high] with its mode at the
        table value, so most draws stay near the reference; ``"uniform"``: uniform over the whole
        range, the harshest test of numerical robustness.
    base : Parameters, optional
        One parameter set whose values are the modes (default: the table values).

    The reference composition is renormalised to sum to 1 after drawing.
    """
    if spread not in ("pert", "uniform"):
        raise ParameterError(f"spread must be 'pert' or 'uniform', got {spread!r}")
    mode = _DEFAULTS if base is None else base.values[0]
    v = np.tile(mode, (n, 1))
    chosen = [n for n in PARAMETER_TABLE if n not in TRAITS] if names is None else list(names)
    for name in chosen:
        j = _check_name(name, "draw_ensemble")
        lo, hi = _LOW[j], _HIGH[j]
        if hi <= lo:
            continue
        if spread == "uniform":
            v[:, j] = rng.uniform(lo, hi, size=n)
        else:
            m = min(max(mode[j], lo), hi)
            a = 1.0 + 4.0 * (m - lo) / (hi - lo)
            b = 1.0 + 4.0 * (hi - m) / (hi - lo)
            v[:, j] = lo + (hi - lo) * rng.beta(a, b, size=n)
    v[:, _COMPOSITION] /= v[:, _COMPOSITION].sum(axis=1, keepdims=True)
    return Parameters(v)
