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

``days = [-7, 55]`` (optional) declares the planned study days, first and last inclusive, day 0
being the study's day 0 (negative days are run-in). The readers then refuse a row of any table
dated outside them. The trial engine and the diary app's export write it; a bundle without it
(older bundles, users' own files) is read as before, without a range check.

``primary = "negative_affect"`` (optional) declares the trial's primary outcome before the data
are seen: ``negative_affect`` or ``positive_affect`` (the diary) or one of the visit instruments.
``gutbrain analyze`` tests it at the full alpha and adjusts the secondary outcomes for
multiplicity (Holm); without it, the analysis uses a documented default and says so.

``[columns.<table>]`` declares the kind of extra columns (ones the bundle specification does not
define), so that a CSV cell is read as what it is: ``notes = "text"`` keeps ``007`` as the text
"007"; ``"int"`` and ``"float"`` make the reader convert, and report a cell that is not a number.
Undeclared extra columns are inferred from their cells (see :func:`gutbrain.io.read_bundle`).
:func:`gutbrain.io.write_bundle` adds the declarations a reader needs.

The rules a study follows (:func:`check_name`, :func:`check_start`, :func:`check_day0`,
:func:`check_labels`, :func:`check_groups`, :func:`check_instrument`, :func:`check_nof1`,
:data:`NOF1_MIN`, and :data:`KEY_HELP` for a missing key) are written here once and also applied
by the trial design parser and the diary app, which define studies of their own. Problems raise
:class:`~gutbrain.io.BundleDataError` in the format of every reader (:mod:`gutbrain._config`):
``study.toml: phases[2].label = 'BB'; expected a single character, ...``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gutbrain._config import Where, parse_toml, read_toml
from gutbrain.io._problems import BundleDataError
from gutbrain.io.instruments import DIARY, INSTRUMENTS
from gutbrain.io.schema import TABLES

__all__ = [
    "DESIGNS",
    "EXTRA_KINDS",
    "KEY_HELP",
    "NOF1_MIN",
    "Arm",
    "Design",
    "ExtraKind",
    "StudyMeta",
    "check_day0",
    "check_groups",
    "check_instrument",
    "check_labels",
    "check_name",
    "check_nof1",
    "check_start",
    "parse_study_toml",
    "read_study_toml",
]

Design = Literal["parallel", "crossover", "nof1", "observational"]
DESIGNS: tuple[Design, ...] = ("parallel", "crossover", "nof1", "observational")
#: Designs whose participants follow a sequence of phases rather than one arm.
SEQUENCE_DESIGNS = ("crossover", "nof1")
ExtraKind = Literal["text", "int", "float"]
#: Kinds an extra column may be declared as in ``[columns.<table>]``.
EXTRA_KINDS: tuple[ExtraKind, ...] = ("text", "int", "float")

#: What each required key of a ``study.toml`` holds, for messages about a missing one.
KEY_HELP = {
    "name": 'a study name, e.g. name = "My study"',
    "design": f"design = one of {', '.join(DESIGNS)}",
    "start": "the calendar date of day 0, e.g. start = 2026-01-05",
    "day0": 'what day 0 is, e.g. day0 = "first intervention day"',
    "instruments": 'what is measured, e.g. instruments = ["diary", "PHQ-9"]',
}
#: The diary outcomes a study may declare as its primary outcome.
DIARY_OUTCOMES = ("negative_affect", "positive_affect")
PRIMARY_HELP = 'the primary outcome, e.g. primary = "negative_affect" or a visit instrument'
PANEL_HELP = 'the multi-omics panel file in the bundle folder, e.g. panel = "panel.h5mu"'
_TOP_KEYS = (
    *KEY_HELP, "days", "primary", "arms", "phases", "nof1", "provenance", "columns", "panel"
)  # fmt: skip
_ARM_KEYS = ("label", "description")
#: The ``[nof1]`` block structure: each key and its smallest allowed value.
NOF1_MIN = {"block_days": 1, "wash_in_days": 0}
_PROVENANCE_TYPES: dict[str, type | tuple[type, ...]] = {
    "seed": int,
    "gutbrain_version": str,
    "design_file": str,
}


def _located(
    message: str, *, file: str, row: int | None, column: str | None, value: Any
) -> BundleDataError:
    return BundleDataError(message, file=file, row=row, column=column, value=value)


def _study_where(source: str = "study.toml") -> Where:
    """The top of a ``study.toml`` named ``source``: its errors are :class:`BundleDataError`."""
    return Where(source, _located)


# -- the rules a study definition follows, wherever it is read (trials, diary) --------------------


def check_start(at: Where, value: Any) -> dt.date:
    """A study's start: a TOML date (not text, not a date with a time)."""
    return at.want(value, dt.date, "a TOML date such as 2026-01-05 (no quotes)")


def check_name(at: Where, value: Any) -> str:
    """A study's name: text that is not blank."""
    return at.text(value, "a study name")


def check_day0(at: Where, value: Any) -> str:
    """What day 0 of a study is, in words: text that is not blank."""
    return at.text(value, 'what day 0 is, e.g. "first intervention day"')


def check_labels(at: Where, labels: Sequence[Any], *, phases: bool) -> tuple[str, ...]:
    """Arm or phase labels (``at`` is the array): text without surrounding spaces, each used once.

    A phase label is one character, so that sequences such as ``"ABBA"`` can be read.
    """
    for i, label in enumerate(labels, start=1):
        w = at.item(i).key("label")
        if phases and (not isinstance(label, str) or len(label) != 1 or not label.strip()):
            raise w.bad(label, 'a single character, so that sequences such as "ABBA" can be read')
        if not isinstance(label, str) or not label.strip() or label != label.strip():
            raise w.bad(label, "a text label without leading or trailing spaces")
    at.unique(labels, "label")
    return tuple(labels)


def check_groups(at: Where, design: str, arms: int, phases: int) -> None:
    """Which designs have arms and which phases, and how many (``at`` is the file's top)."""
    if design in SEQUENCE_DESIGNS:
        if phases < 2:
            raise at.key("phases").problem(
                f'a {design} design needs at least two phases ([[phases]], e.g. label = "A" and '
                f'label = "B"); found {phases}'
            )
        if arms:
            raise at.key("arms").problem(
                f"a {design} design uses phases and participants' sequences, not arms; rename "
                "[[arms]] to [[phases]]"
            )
        return
    if design == "parallel" and arms < 2:
        raise at.key("arms").problem(
            f"a parallel design needs at least two arms ([[arms]]); found {arms}"
        )
    if phases:
        raise at.key("phases").problem(
            f"a {design} design has arms ([[arms]]), not phases; phases are for crossover and "
            "nof1 designs"
        )


def check_instrument(at: Where, name: Any, known: Collection[str] = (DIARY, *INSTRUMENTS)) -> str:
    """An instrument name: one of ``known`` (by default the bundle's)."""
    return at.among(name, known, "an instrument")


def check_nof1(at: Where, table: Any) -> dict[str, int]:
    """The ``[nof1]`` block structure: ``block_days`` (>= 1) and ``wash_in_days`` (>= 0)."""
    t = at.table(table, "a table: [nof1] block_days = 14")
    at.keys(t, tuple(NOF1_MIN))
    for key, lo in NOF1_MIN.items():
        if key in t:
            at.number(t, key, lo, integer=True)
    return t


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
    days
        Optional planned study days ``(first, last)``, inclusive: every table's ``day`` must lie
        within them. ``None`` (older bundles) leaves days unchecked.
    primary
        Optional declared primary outcome: ``"negative_affect"`` or ``"positive_affect"`` (with
        a diary) or a listed visit instrument.

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
    days: tuple[int, int] | None = None
    primary: str | None = None
    panel: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "instruments", tuple(self.instruments))
        if isinstance(self.days, list):
            object.__setattr__(self, "days", tuple(self.days))
        object.__setattr__(self, "arms", tuple(self.arms))
        object.__setattr__(self, "phases", tuple(self.phases))
        _check(self, _study_where("StudyMeta"))

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
        return self.design in SEQUENCE_DESIGNS

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str = "study.toml") -> StudyMeta:
        """Build from a parsed ``study.toml`` mapping, naming ``source`` and the key in errors.

        Raises
        ------
        BundleDataError
            For a missing or unknown key, a value of the wrong type, or an inconsistent design.
        """
        at = _study_where(source)
        d = at.table(d, "a TOML table")
        at.keys(d, _TOP_KEYS, KEY_HELP)
        insts = at.get(d, "instruments", list, 'an array such as ["diary"]')
        columns = d.get("columns")
        meta = _unchecked(
            cls,
            name=d["name"],
            design=d["design"],
            start=d["start"],
            day0=d["day0"],
            instruments=tuple(insts),
            days=_days(at, d),
            primary=at.get(d, "primary", str, PRIMARY_HELP, None),
            panel=at.get(d, "panel", str, PANEL_HELP, None),
            arms=_groups(at, d, "arms"),
            phases=_groups(at, d, "phases"),
            nof1=_copy(at.get(d, "nof1", dict, "a table: [nof1] block_days = 14", None)),
            provenance=_copy(at.get(d, "provenance", dict, "a table: [provenance] seed = 1", None)),
            columns=(
                {t: dict(v) if isinstance(v, dict) else v for t, v in columns.items()}
                if isinstance(columns, dict)
                else columns
            ),
        )
        _check(meta, at)
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
        if self.days is not None:
            out["days"] = list(self.days)
        if self.primary is not None:
            out["primary"] = self.primary
        if self.panel is not None:
            out["panel"] = self.panel
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


def _groups(at: Where, d: Mapping[str, Any], key: str) -> tuple[Arm, ...]:
    out = []
    for w, item in at.array(d, key, f"an array of tables ([[{key}]] with label = ...)", []):
        item = w.table(item, f"a table with label = ... ([[{key}]])")
        w.keys(item, _ARM_KEYS, {"label": 'a label, e.g. label = "placebo"'})
        desc = w.get(item, "description", str, "a string", "")
        out.append(Arm(item["label"], desc))
    return tuple(out)


def _days(at: Where, d: Mapping[str, Any]) -> tuple[int, int] | None:
    """The optional ``days = [first, last]`` as a tuple (checked by :func:`_check`)."""
    days = at.get(
        d, "days", list, "the first and last planned study day, e.g. days = [-7, 55]", None
    )
    return None if days is None else tuple(days)


def _check_days(days: Any, at: Where) -> None:
    """``days``: two whole numbers, the first no later than the last."""
    expected = "the first and last planned study day, e.g. days = [-7, 55]"
    if not isinstance(days, tuple) or len(days) != 2:
        raise at.bad(list(days) if isinstance(days, tuple) else days, expected)
    for i, day in enumerate(days, start=1):
        at.item(i).within(day, integer=True)
    if days[0] > days[1]:
        raise at.bad(list(days), f"{expected}: the first day is after the last")


def _copy(table: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of a parsed table, so that the frozen :class:`StudyMeta` does not share it."""
    return None if table is None else dict(table)


def _unchecked(cls: type[StudyMeta], **kwargs: Any) -> StudyMeta:
    """Construct without ``__post_init__`` so ``from_dict`` can check with the file's name."""
    obj = object.__new__(cls)
    for k, v in kwargs.items():
        object.__setattr__(obj, k, v)
    return obj


def _check(meta: StudyMeta, at: Where) -> None:
    """Semantic checks shared by construction and :meth:`StudyMeta.from_dict`."""
    check_name(at.key("name"), meta.name)
    at.key("design").among(meta.design, DESIGNS)
    check_start(at.key("start"), meta.start)
    check_day0(at.key("day0"), meta.day0)
    insts = at.key("instruments")
    for i, inst in enumerate(meta.instruments, start=1):
        check_instrument(insts.item(i), inst)
    insts.unique(meta.instruments)
    for key in ("arms", "phases"):
        groups = getattr(meta, key)
        for i, arm in enumerate(groups, start=1):
            at.key(key).item(i).want(arm, Arm, "an Arm")
        check_labels(at.key(key), [a.label for a in groups], phases=key == "phases")
    check_groups(at, meta.design, len(meta.arms), len(meta.phases))
    if meta.nof1 is not None:
        if meta.design != "nof1":
            raise at.key("nof1").problem(
                f'a [nof1] table is only allowed with design = "nof1", not {meta.design!r}'
            )
        check_nof1(at.key("nof1"), meta.nof1)
    if meta.days is not None:
        _check_days(meta.days, at.key("days"))
    if meta.primary is not None:
        allowed = [i for i in meta.instruments if i != "diary"]
        if "diary" in meta.instruments:
            allowed = [*DIARY_OUTCOMES, *allowed]
        at.key("primary").among(meta.primary, tuple(allowed))
    if meta.panel is not None and not (
        isinstance(meta.panel, str)
        and meta.panel.endswith(".h5mu")
        and "/" not in meta.panel
        and "\\" not in meta.panel
        and not meta.panel.startswith(".")
    ):
        raise at.key("panel").bad(meta.panel, PANEL_HELP + " (a file name ending in .h5mu)")
    _check_provenance(meta, at.key("provenance"))
    _check_declared_columns(meta, at.key("columns"))


def _check_provenance(meta: StudyMeta, at: Where) -> None:
    if meta.provenance is None:
        return
    at.table(meta.provenance)
    for key, kind in _PROVENANCE_TYPES.items():
        if key in meta.provenance:
            at.get(meta.provenance, key, kind, "an integer" if kind is int else "a string")
    for key, value in meta.provenance.items():
        if not _is_toml_value(value):
            raise at.key(key).bad(value, "a value TOML can hold")


def _check_declared_columns(meta: StudyMeta, at: Where) -> None:
    if meta.columns is None:
        return
    at.table(meta.columns, 'a table: [columns.diary] notes = "text"')
    for table, decl in meta.columns.items():
        w = at.key(table)
        if table not in TABLES:
            raise w.bad(decl, f"a bundle table: {', '.join(TABLES)}")
        w.table(decl, f'a table: [columns.{table}] name = "text"')
        for name in decl:
            if TABLES[table].column(name) is not None:
                raise w.key(name).problem(
                    f"the bundle specification defines this column of {table}; only extra "
                    "columns can be declared"
                )
            w.choice(decl, name, EXTRA_KINDS, what="a column kind")


def _is_toml_value(v: Any) -> bool:
    if isinstance(v, str | int | float | bool | dt.date | dt.time):
        return True
    if isinstance(v, list):
        return all(_is_toml_value(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_toml_value(x) for k, x in v.items())
    return False


def parse_study_toml(text: str | bytes, source: str = "study.toml") -> dict[str, Any]:
    """Parse a ``study.toml`` document (bytes must be UTF-8) without checking its keys.

    Raises
    ------
    BundleDataError
        If the text is not UTF-8 or not valid TOML (the message gives the line and column).
    """
    return parse_toml(text, source, _located)


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
    hint = "; every bundle needs a study.toml (see docs/bundle.md)"
    return StudyMeta.from_dict(read_toml(path, _located, name, hint), source=name)
