"""``study.toml``: what a study is, parsed into a frozen :class:`StudyMeta`.

Example::

    name = "JS2025 in silico"
    design = "parallel"            # parallel | crossover | nof1 | observational
    start = 2026-01-05             # TOML date: calendar date of day 0
    day0 = "first intervention day"
    instruments = ["diary", "PANAS-NA", "PANAS-PA", "STAI-state", "PSWQ"]

    [[arms]]
    label = "placebo"
    description = "maltodextrin"

    [[arms]]
    label = "probiotic"
    description = "Ecologic Barrier 5e9 CFU/day"

Crossover and N-of-1 studies declare ``[[phases]]`` (one-character labels such as ``A`` and
``B``) instead of arms; N-of-1 studies may add ``[nof1] block_days = 14, wash_in_days = 3``.
Simulated studies add ``[provenance]`` (seed, gutbrain_version, design_file, ...).

``[columns.<table>]`` declares the kind of extra columns (ones the bundle specification does not
define), so that a CSV cell is read as what it is: ``notes = "text"`` keeps ``007`` as the text
"007"; ``"int"`` and ``"float"`` make the reader convert, and report a cell that is not a number.
Undeclared extra columns are inferred from their cells (see :func:`gutbrain.io.read_bundle`).
:func:`gutbrain.io.write_bundle` adds the declarations a reader needs.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from gutbrain.io._problems import fail
from gutbrain.io.instruments import DIARY, INSTRUMENTS
from gutbrain.io.schema import TABLES

__all__ = ["DESIGNS", "EXTRA_KINDS", "Arm", "Design", "ExtraKind", "StudyMeta", "read_study_toml"]

Design = Literal["parallel", "crossover", "nof1", "observational"]
DESIGNS: tuple[Design, ...] = ("parallel", "crossover", "nof1", "observational")
ExtraKind = Literal["text", "int", "float"]
#: Kinds an extra column may be declared as in ``[columns.<table>]``.
EXTRA_KINDS: tuple[ExtraKind, ...] = ("text", "int", "float")

_TOP_KEYS = (
    "name",
    "design",
    "start",
    "day0",
    "instruments",
    "arms",
    "phases",
    "nof1",
    "provenance",
    "columns",
)
_REQUIRED_KEYS = ("name", "design", "start", "day0", "instruments")
_ARM_KEYS = ("label", "description")
_NOF1_KEYS = {"block_days": 1, "wash_in_days": 0}  # key -> smallest allowed value
_PROVENANCE_TYPES: dict[str, type | tuple[type, ...]] = {
    "seed": int,
    "gutbrain_version": str,
    "design_file": str,
}


@dataclass(frozen=True)
class Arm:
    """An arm (parallel, observational) or phase (crossover, N-of-1) of a study.

    Parameters
    ----------
    label
        Short name used in ``participants.arm`` (arms) or in sequences such as ``ABBA`` (phases,
        one character each).
    description
        What participants receive, e.g. ``"maltodextrin"``.
    """

    label: str
    description: str = ""

    def to_dict(self) -> dict[str, str]:
        """TOML-ready mapping; ``description`` is omitted when empty."""
        return (
            {"label": self.label, "description": self.description}
            if self.description
            else {"label": self.label}
        )


def _type_name(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return "datetime"
    if isinstance(v, dt.date):
        return "date"
    return {
        str: "string",
        int: "integer",
        float: "float",
        bool: "boolean",
        list: "array",
        dict: "table",
    }.get(type(v), type(v).__name__)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _want(source: str, key: str, value: Any, kind: type | tuple[type, ...], expected: str) -> None:
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is int)
    if kind is dt.date and isinstance(value, dt.datetime):
        ok = False
    if not ok:
        fail(
            source,
            f"is {_a(_type_name(value))}; expected {expected}",
            column=key,
            value=value,
            has_value=True,
        )


def _labels(source: str, key: str, items: Any) -> tuple[Arm, ...]:
    _want(source, key, items, list, f"an array of tables ([[{key}]] with label = ...)")
    out = []
    for i, item in enumerate(items, start=1):
        where = f"{key}[{i}]"
        _want(source, where, item, dict, f"a table with label = ... ([[{key}]])")
        unknown = sorted(set(item) - set(_ARM_KEYS))
        if unknown:
            fail(
                source,
                f"unknown key {unknown[0]!r}; expected only {', '.join(_ARM_KEYS)}",
                column=where,
            )
        if "label" not in item:
            fail(source, 'has no label; add label = "..."', column=where)
        _want(source, f"{where}.label", item["label"], str, "a string")
        desc = item.get("description", "")
        _want(source, f"{where}.description", desc, str, "a string")
        out.append(Arm(item["label"], desc))
    return tuple(out)


@dataclass(frozen=True)
class StudyMeta:
    """The study described by ``study.toml``.

    Parameters
    ----------
    name
        Study name.
    design
        ``"parallel"``, ``"crossover"``, ``"nof1"`` or ``"observational"``.
    start
        Calendar date of study day 0.
    day0
        What day 0 is, in words (e.g. ``"first intervention day"``).
    instruments
        What the study measures: ``"diary"`` and/or names from
        :data:`gutbrain.io.INSTRUMENTS`. Every instrument in ``visits`` must be listed.
    arms
        Parallel designs: two or more; observational: any number; crossover/nof1: none.
    phases
        Crossover and nof1 designs: two or more, with one-character labels; otherwise none.
    nof1
        Optional N-of-1 block structure: ``block_days`` (>= 1), ``wash_in_days`` (>= 0).
    provenance
        Optional, for simulated studies: ``seed``, ``gutbrain_version``, ``design_file`` and any
        other TOML values.
    columns
        Optional declared kinds of extra columns, by table: ``{"diary": {"notes": "text"}}``.
        A kind is one of :data:`EXTRA_KINDS`; columns the bundle specification defines cannot be
        declared.

    Raises
    ------
    BundleDataError
        When the fields are inconsistent (checked at construction).
    """

    name: str
    design: Design
    start: dt.date
    day0: str
    instruments: tuple[str, ...]
    arms: tuple[Arm, ...] = ()
    phases: tuple[Arm, ...] = ()
    nof1: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = field(default=None)
    columns: dict[str, dict[str, ExtraKind]] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", tuple(self.instruments))
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "phases", tuple(self.phases))
        _check(self, "StudyMeta")

    @property
    def labels(self) -> tuple[str, ...]:
        """Arm labels (parallel, observational) or phase labels (crossover, nof1)."""
        return tuple(a.label for a in (self.phases if self.uses_sequences else self.arms))

    def declared(self, table: str) -> dict[str, ExtraKind]:
        """The declared kinds of ``table``'s extra columns (empty when none are declared)."""
        return dict((self.columns or {}).get(table, {}))

    @property
    def uses_sequences(self) -> bool:
        """True for crossover and nof1 designs, whose participants carry a ``sequence``."""
        return self.design in ("crossover", "nof1")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str = "study.toml") -> StudyMeta:
        """Build from a parsed ``study.toml`` mapping, naming ``source`` and the key in errors.

        Raises
        ------
        BundleDataError
            For a missing or unknown key, a value of the wrong type, or an inconsistent design.
        """
        if not isinstance(d, Mapping):
            fail(source, f"is a {type(d).__name__}; expected a TOML table")
        unknown = [k for k in d if k not in _TOP_KEYS]
        if unknown:
            fail(
                source,
                f"unknown key {unknown[0]!r}; expected only {', '.join(_TOP_KEYS)}",
                column=unknown[0],
            )
        for key in _REQUIRED_KEYS:
            if key not in d:
                fail(source, f"missing key {key!r}; expected {_HELP[key]}", column=key)
        _want(source, "name", d["name"], str, "a string")
        _want(source, "design", d["design"], str, f"one of {', '.join(DESIGNS)}")
        if d["design"] not in DESIGNS:
            fail(
                source,
                f"is not a design; expected one of {', '.join(DESIGNS)}",
                column="design",
                value=d["design"],
                has_value=True,
            )
        _want(source, "start", d["start"], dt.date, "a TOML date such as 2026-01-05 (no quotes)")
        _want(source, "day0", d["day0"], str, "a string")
        _want(source, "instruments", d["instruments"], list, 'an array such as ["diary"]')
        for i, inst in enumerate(d["instruments"], start=1):
            _want(source, f"instruments[{i}]", inst, str, "a string")
        nof1 = d.get("nof1")
        if nof1 is not None:
            _want(source, "nof1", nof1, dict, "a table: [nof1] block_days = 14")
        provenance = d.get("provenance")
        if provenance is not None:
            _want(source, "provenance", provenance, dict, "a table: [provenance] seed = 1")
        columns = d.get("columns")  # checked with the rest in _check
        meta = _unchecked(
            cls,
            name=d["name"],
            design=cast(Design, d["design"]),
            start=d["start"],
            day0=d["day0"],
            instruments=tuple(d["instruments"]),
            arms=_labels(source, "arms", d["arms"]) if "arms" in d else (),
            phases=_labels(source, "phases", d["phases"]) if "phases" in d else (),
            nof1=dict(nof1) if nof1 is not None else None,
            provenance=dict(provenance) if provenance is not None else None,
            columns=(
                {t: dict(v) if isinstance(v, dict) else v for t, v in columns.items()}
                if isinstance(columns, dict)
                else columns
            ),
        )
        _check(meta, source)
        return meta

    def to_dict(self) -> dict[str, Any]:
        """A TOML-ready mapping (``start`` stays a :class:`datetime.date`); empty parts omitted."""
        out: dict[str, Any] = {
            "name": self.name,
            "design": self.design,
            "start": self.start,
            "day0": self.day0,
            "instruments": list(self.instruments),
        }
        if self.arms:
            out["arms"] = [a.to_dict() for a in self.arms]
        if self.phases:
            out["phases"] = [p.to_dict() for p in self.phases]
        if self.nof1 is not None:
            out["nof1"] = dict(self.nof1)
        if self.provenance is not None:
            out["provenance"] = dict(self.provenance)
        if self.columns:
            out["columns"] = {t: dict(decl) for t, decl in self.columns.items() if decl}
        return out

    def __repr__(self) -> str:
        parts = ", ".join(self.labels)
        return (
            f"StudyMeta(name={self.name!r}, design={self.design!r}, start={self.start.isoformat()},"
            f" {'phases' if self.uses_sequences else 'arms'}=[{parts}],"
            f" instruments=[{', '.join(self.instruments)}])"
        )


_HELP = {
    "name": 'a study name, e.g. name = "My study"',
    "design": f"design = one of {', '.join(DESIGNS)}",
    "start": "the calendar date of day 0, e.g. start = 2026-01-05",
    "day0": 'what day 0 is, e.g. day0 = "first intervention day"',
    "instruments": 'what is measured, e.g. instruments = ["diary", "PHQ-9"]',
}


def _unchecked(cls: type[StudyMeta], **kwargs: Any) -> StudyMeta:
    """Construct without ``__post_init__`` so ``from_dict`` can check with the file's name."""
    obj = object.__new__(cls)
    for k, v in kwargs.items():
        object.__setattr__(obj, k, v)
    return obj


def _check(meta: StudyMeta, source: str) -> None:
    """Semantic checks shared by construction and :meth:`StudyMeta.from_dict`."""
    _want(source, "name", meta.name, str, "a string")
    if not meta.name.strip():
        fail(
            source,
            "is empty; expected a study name",
            column="name",
            value=meta.name,
            has_value=True,
        )
    if meta.design not in DESIGNS:
        fail(
            source,
            f"is not a design; expected one of {', '.join(DESIGNS)}",
            column="design",
            value=meta.design,
            has_value=True,
        )
    _want(source, "start", meta.start, dt.date, "a date such as 2026-01-05")
    _want(source, "day0", meta.day0, str, "a string")
    if not meta.day0.strip():
        fail(
            source,
            'is empty; expected what day 0 is, e.g. "first intervention day"',
            column="day0",
            value=meta.day0,
            has_value=True,
        )
    _check_instruments(meta, source)
    _check_labels(meta, source)
    _check_nof1(meta, source)
    _check_provenance(meta, source)
    _check_declared_columns(meta, source)


def _check_instruments(meta: StudyMeta, source: str) -> None:
    known = (DIARY, *INSTRUMENTS)
    seen: set[str] = set()
    for i, inst in enumerate(meta.instruments, start=1):
        key = f"instruments[{i}]"
        _want(source, key, inst, str, "a string")
        if inst not in known:
            fail(
                source,
                f"is not a known instrument; expected one of {', '.join(known)}",
                column=key,
                value=inst,
                has_value=True,
            )
        if inst in seen:
            fail(source, "is listed twice", column=key, value=inst, has_value=True)
        seen.add(inst)


def _check_labels(meta: StudyMeta, source: str) -> None:
    for key, items in (("arms", meta.arms), ("phases", meta.phases)):
        seen: set[str] = set()
        for i, arm in enumerate(items, start=1):
            where = f"{key}[{i}].label"
            if not isinstance(arm, Arm):
                fail(source, f"is a {type(arm).__name__}; expected an Arm", column=f"{key}[{i}]")
            _want(source, where, arm.label, str, "a string")
            if not arm.label.strip() or arm.label != arm.label.strip():
                fail(
                    source,
                    "is empty or has leading/trailing spaces",
                    column=where,
                    value=arm.label,
                    has_value=True,
                )
            if arm.label in seen:
                fail(
                    source,
                    f"is used twice in {key}; labels must be unique",
                    column=where,
                    value=arm.label,
                    has_value=True,
                )
            seen.add(arm.label)
            if key == "phases" and len(arm.label) != 1:
                fail(
                    source,
                    'must be a single character so that sequences such as "ABBA" can be read',
                    column=where,
                    value=arm.label,
                    has_value=True,
                )
    d = meta.design
    if d == "parallel" and len(meta.arms) < 2:
        fail(
            source,
            f"a parallel design needs at least two [[arms]]; found {len(meta.arms)}",
            column="arms",
        )
    if meta.uses_sequences:
        if len(meta.phases) < 2:
            fail(
                source,
                f'a {d} design needs at least two [[phases]] (e.g. label = "A" and '
                f'label = "B"); found {len(meta.phases)}',
                column="phases",
            )
        if meta.arms:
            fail(
                source,
                f"a {d} design uses [[phases]] and participants' sequences, not "
                "[[arms]]; rename [[arms]] to [[phases]]",
                column="arms",
            )
    elif meta.phases:
        fail(
            source,
            f"a {d} design has [[arms]], not [[phases]]; phases are for crossover and nof1 designs",
            column="phases",
        )


def _check_nof1(meta: StudyMeta, source: str) -> None:
    if meta.nof1 is None:
        return
    if meta.design != "nof1":
        fail(
            source,
            f'a [nof1] table is only allowed with design = "nof1", not {meta.design!r}',
            column="nof1",
        )
    _want(source, "nof1", meta.nof1, dict, "a table")
    for key, value in meta.nof1.items():
        where = f"nof1.{key}"
        if key not in _NOF1_KEYS:
            fail(source, f"unknown key; expected only {', '.join(_NOF1_KEYS)}", column=where)
        _want(source, where, value, int, "an integer number of days")
        if value < _NOF1_KEYS[key]:
            fail(source, f"is below {_NOF1_KEYS[key]}", column=where, value=value, has_value=True)


def _check_provenance(meta: StudyMeta, source: str) -> None:
    if meta.provenance is None:
        return
    _want(source, "provenance", meta.provenance, dict, "a table")
    for key, kind in _PROVENANCE_TYPES.items():
        if key in meta.provenance:
            _want(
                source,
                f"provenance.{key}",
                meta.provenance[key],
                kind,
                "an integer" if kind is int else "a string",
            )
    for key, value in meta.provenance.items():
        if not _is_toml_value(value):
            fail(
                source,
                f"cannot be written to TOML ({type(value).__name__})",
                column=f"provenance.{key}",
                value=value,
                has_value=True,
            )


def _check_declared_columns(meta: StudyMeta, source: str) -> None:
    if meta.columns is None:
        return
    _want(source, "columns", meta.columns, dict, 'a table: [columns.diary] notes = "text"')
    for table, decl in meta.columns.items():
        where = f"columns.{table}"
        if table not in TABLES:
            fail(
                source,
                f"is not a bundle table; expected one of {', '.join(TABLES)}",
                column=where,
            )
        _want(source, where, decl, dict, f'a table: [columns.{table}] name = "text"')
        for name, kind in decl.items():
            key = f"{where}.{name}"
            if TABLES[table].column(name) is not None:
                fail(
                    source,
                    f"is a column the bundle specification defines for {table}; only extra "
                    "columns can be declared",
                    column=key,
                )
            _want(source, key, kind, str, f"one of {', '.join(EXTRA_KINDS)}")
            if kind not in EXTRA_KINDS:
                fail(
                    source,
                    f"is not a column kind; expected one of {', '.join(EXTRA_KINDS)}",
                    column=key,
                    value=kind,
                    has_value=True,
                )


def _is_toml_value(v: Any) -> bool:
    if isinstance(v, str | int | float | bool | dt.date | dt.time):
        return True
    if isinstance(v, list):
        return all(_is_toml_value(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_toml_value(x) for k, x in v.items())
    return False


def read_study_toml(path: Path, label: str | None = None) -> StudyMeta:
    """Parse and check a ``study.toml`` file.

    Parameters
    ----------
    path
        The file.
    label
        How to name the file in messages (default: ``str(path)``).

    Raises
    ------
    BundleDataError
        If the file is missing, is not UTF-8, is malformed TOML (the message gives the line and
        column), or describes an inconsistent study.
    """
    name = label or str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        fail(name, "not found; every bundle needs a study.toml (see docs/bundle.md)")
    except OSError as exc:
        fail(name, f"cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        fail(name, f"is not UTF-8 text ({exc.reason} at byte {exc.start})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        fail(name, f"is not valid TOML: {exc}")
    return StudyMeta.from_dict(data, source=name)
