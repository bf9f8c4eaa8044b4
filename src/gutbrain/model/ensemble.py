"""Parameter ensembles: named parameter sets (members) that carry the model's parameter
uncertainty into every prediction (``--ensemble N`` of ``simulate``, ``trial`` and ``validate``).

A member is a set of overrides of parameter-table values; every other parameter keeps its table
value, and a run under a member treats the member's values as the reference person's (people
still differ around them, and archetypes and cohorts still set their traits). Two sources:

- a calibrated posterior: ``ensemble.csv`` (a ``member`` column, then one column per parameter)
  beside ``ensemble.toml`` (``version``, ``method``, ``seed`` and any further provenance). The
  packaged one lives in ``gutbrain/model/data/ensemble/``; a file of the same format can be
  named with ``--ensemble-source FILE``;
- ``prior``: ``N`` draws across the declared ranges (:func:`draw_ensemble`, PERT around the
  table values), of every parameter except the person traits and the reference composition,
  which the archetype or the cohort sets.

``--ensemble N`` takes the packaged posterior when it exists and the prior otherwise; the
ensemble's :attr:`Ensemble.label` says which, and every command prints it.

Example
-------
>>> from gutbrain.model.ensemble import prior_ensemble
>>> ens = prior_ensemble(3, seed=1)
>>> ens.members
('prior-001', 'prior-002', 'prior-003')
>>> ens.parameters(0, n=2).n_people
2
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from gutbrain.errors import ParameterError
from gutbrain.model.parameters import (
    PARAMETER_TABLE,
    REFERENCE_COMPOSITION,
    TRAITS,
    P,
    Parameters,
    draw_ensemble,
)

__all__ = [
    "BAND_QUANTILES",
    "ENSEMBLE_SOURCES",
    "Ensemble",
    "bands",
    "load_ensemble",
    "packaged_ensemble_path",
    "prior_ensemble",
    "resolve_ensemble",
]

#: What ``--ensemble-source`` accepts besides a file: the packaged posterior or the prior.
ENSEMBLE_SOURCES = ("posterior", "prior")
#: Parameters a member may not set: who a person is, not how the model works.
PERSON_PARAMETERS = frozenset(TRAITS) | frozenset(REFERENCE_COMPOSITION)
_TOML_KEYS = ("version", "method", "seed")
_MEMBER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_VARIED = tuple(
    n for n, s in PARAMETER_TABLE.items() if s.high > s.low and n not in PERSON_PARAMETERS
)


@dataclass(frozen=True)
class Ensemble:
    """Members, each a row of ``values`` over the parameters ``names``.

    Attributes
    ----------
    members
        The members' names, in order.
    names
        The parameters the members set (every other one keeps its table value).
    values
        Shape ``(len(members), len(names))``.
    source
        ``"prior"``, or the path of the ``ensemble.csv`` read.
    info
        Provenance: for a file, its ``ensemble.toml``; for the prior, the seed and the spread.
    """

    members: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    source: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.members)

    @property
    def label(self) -> str:
        """One line saying where the members come from (every command prints it)."""
        n = len(self)
        if self.source == "prior":
            return (
                f"ensemble: {n} prior draws across the declared parameter ranges "
                f"(seed {self.info.get('seed')}; no calibrated posterior used)"
            )
        return (
            f"ensemble: {n} members of the posterior {self.source} "
            f"(version {self.info.get('version')}, method {self.info.get('method')})"
        )

    def overrides(self, i: int) -> dict[str, float]:
        """Member ``i``'s parameter values by name."""
        return {k: float(v) for k, v in zip(self.names, self.values[i], strict=True)}

    def parameters(self, i: int, n: int = 1) -> Parameters:
        """Member ``i``'s parameters for ``n`` identical people."""
        return Parameters.default(n).replace(
            f"{self.source}: member {self.members[i]}", **self.overrides(i)
        )

    def head(self, n: int) -> Ensemble:
        """The first ``n`` members; a :class:`ParameterError` if there are fewer."""
        if not 1 <= n <= len(self):
            raise ParameterError(
                f"--ensemble {n}: {self.source} holds {len(self)} members; "
                f"expected 1 to {len(self)}"
            )
        return Ensemble(self.members[:n], self.names, self.values[:n], self.source, self.info)

    def provenance(self, i: int) -> dict[str, Any]:
        """What a bundle or output made under member ``i`` records about it."""
        out: dict[str, Any] = {
            "ensemble_member": self.members[i],
            "ensemble_source": self.source,
        }
        out.update({f"ensemble_{k}": self.info[k] for k in _TOML_KEYS if k in self.info})
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ensemble's summary for manifests: source, provenance and member names."""
        return {
            "source": self.source,
            "label": self.label,
            **{k: v for k, v in self.info.items() if isinstance(v, str | int | float | bool)},
            "members": list(self.members),
        }


def prior_ensemble(n: int, seed: int = 0) -> Ensemble:
    """``n`` members drawn across the declared ranges from ``default_rng(seed)``
    (:func:`draw_ensemble`), varying every parameter but the person's own."""
    if n < 1:
        raise ParameterError(f"--ensemble {n}: expected at least 1 member")
    drawn = draw_ensemble(np.random.default_rng(seed), n, names=_VARIED)
    cols = [int(P[k]) for k in _VARIED]
    width = max(3, len(str(n)))
    members = tuple(f"prior-{i + 1:0{width}d}" for i in range(n))
    info = {"seed": seed, "spread": "pert"}
    return Ensemble(members, _VARIED, drawn.values[:, cols].copy(), "prior", info)


def packaged_ensemble_path() -> Path | None:
    """The packaged posterior's ``ensemble.csv``, or ``None`` while none is shipped."""
    path = Path(str(files("gutbrain.model").joinpath("data/ensemble/ensemble.csv")))
    return path if path.is_file() else None


def _read_info(path: Path) -> dict[str, Any]:
    meta = path.with_suffix(".toml")
    if not meta.is_file():
        raise ParameterError(f"{path}: its provenance file {meta.name} is missing beside it")
    try:
        info = tomllib.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ParameterError(f"{meta}: cannot read ({exc})") from exc
    missing = [k for k in _TOML_KEYS if k not in info]
    if missing:
        raise ParameterError(
            f"{meta}: missing key(s) {', '.join(missing)}; expected {', '.join(_TOML_KEYS)}"
        )
    return info


def _check_header(path: Path, header: list[str]) -> tuple[str, ...]:
    if not header or header[0] != "member":
        first = header[0] if header else ""
        raise ParameterError(f"{path}: first column is {first!r}; expected 'member'")
    names = tuple(header[1:])
    if not names:
        raise ParameterError(f"{path}: no parameter columns after 'member'")
    for name in names:
        if name not in PARAMETER_TABLE:
            raise ParameterError(f"{path}: column {name!r} is not a parameter in parameters.csv")
        if name in PERSON_PARAMETERS:
            raise ParameterError(
                f"{path}: column {name!r} is a person's trait or reference composition, set by "
                "the archetype or cohort; a member may not set it"
            )
        if names.count(name) > 1:
            raise ParameterError(f"{path}: column {name!r} appears twice")
    return names


def _parse_value(path: Path, row: int, name: str, text: str) -> float:
    spec = PARAMETER_TABLE[name]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and spec.low <= value <= spec.high):
        raise ParameterError(
            f"{path}: row {row}, column {name}: value {text!r}; expected a number in its "
            f"declared range [{spec.low:g}, {spec.high:g}] {spec.unit}"
        )
    return value


def load_ensemble(path: str | Path) -> Ensemble:
    """Read ``ensemble.csv`` and the ``ensemble.toml`` beside it.

    Raises :class:`ParameterError` naming the file, the row (1 = first member), the column and
    the value for: a missing ``member`` column or provenance file, an unknown, repeated or
    person-level parameter column, a missing, non-numeric or out-of-range value, a member name
    that is empty, repeated or not a plain folder name, or a file with no members.
    """
    path = Path(path)
    info = _read_info(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path}: cannot read ({exc})") from exc
    names = _check_header(path, rows[0] if rows else [])
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not body:
        raise ParameterError(f"{path}: no members (rows after the header)")
    members: list[str] = []
    values = np.empty((len(body), len(names)))
    for i, r in enumerate(body, start=1):
        if len(r) != len(names) + 1:
            raise ParameterError(
                f"{path}: row {i} has {len(r)} fields; expected {len(names) + 1} (member + "
                f"{len(names)} parameters)"
            )
        member = r[0].strip()
        if not _MEMBER_NAME.fullmatch(member) or member in members:
            raise ParameterError(
                f"{path}: row {i}, column member: {member!r}; expected a new name of letters, "
                "digits, '.', '_' and '-' (it names the member's output folder)"
            )
        members.append(member)
        values[i - 1] = [_parse_value(path, i, n, t) for n, t in zip(names, r[1:], strict=True)]
    return Ensemble(tuple(members), names, values, str(path), info)


def resolve_ensemble(n: int, source: str | None = None, seed: int = 0) -> Ensemble:
    """The ``n`` members ``--ensemble N --ensemble-source SOURCE`` asks for.

    ``source``: ``None`` or ``"posterior"``: the packaged posterior, or, while none is shipped,
    the prior (``None`` only; ``"posterior"`` then fails); ``"prior"``: ``n`` draws from
    ``seed``; anything else: the path of an ``ensemble.csv``. The result's
    :attr:`Ensemble.label` says which was used.
    """
    if n < 1:
        raise ParameterError(f"--ensemble {n}: expected at least 1 member")
    if source == "prior":
        return prior_ensemble(n, seed)
    if source in (None, "posterior"):
        packaged = packaged_ensemble_path()
        if packaged is None:
            if source == "posterior":
                raise ParameterError(
                    "--ensemble-source posterior: no calibrated posterior is packaged "
                    "(gutbrain/model/data/ensemble/ensemble.csv); use prior or a FILE"
                )
            return prior_ensemble(n, seed)
        return load_ensemble(packaged).head(n)
    return load_ensemble(source).head(n)


#: The quantiles of every ensemble band: the median, the 50 % band and the 90 % band.
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def bands(frame: Any, by: list[str], value: str, prefix: str) -> Any:
    """Quantiles :data:`BAND_QUANTILES` of ``frame[value]`` within each ``by`` group, as columns
    ``{prefix}q05 ... {prefix}q95`` of a pandas DataFrame with ``by`` as ordinary columns."""
    q = frame.groupby(by, sort=False)[value].quantile(list(BAND_QUANTILES)).unstack()
    q.columns = [f"{prefix}q{round(100 * p):02d}" for p in BAND_QUANTILES]
    return q.reset_index()
