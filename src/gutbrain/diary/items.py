"""Daily item kinds and the server-side validation of a participant's answers.

Kinds
-----
vas      visual analogue scale, 0-100 (integer), the default for negative and positive affect
likert   integer from ``min`` to ``max`` (e.g. 1-7) with optional anchor labels
yesno    exported as 1 (yes) / 0 (no)
number   a real number within optional ``min`` / ``max`` (e.g. sleep hours 0-24)
bristol  Bristol stool form scale, integer 1-7 (Lewis & Heaton 1997, Scand J Gastroenterol 32:920)
text     free text, at most ``TEXT_MAX`` characters

Skipped optional items are stored as missing (``None``) and exported as NaN, as the bundle
specification asks; required items must be answered. A slider (``vas``) always holds a position,
so the form sends ``unanswered_<key>`` beside it while it has not been moved (a box ticked by
default, cleared when the slider moves): such an item is *not answered*, stored as missing, never
as the slider's resting position (:func:`form_answers`).

An item's key is its column in the exported ``diary`` table. Where the bundle format already
defines that column (``adherence`` 0/1, ``stool_form`` 1-7, ``sleep_hours`` 0-24, ``stress``
0-100, the affect items 0-100; see :data:`gutbrain.io.TABLES`), :func:`bundle_problem` says
whether the item's answers fit it, so that a study never collects data its export cannot hold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gutbrain.diary.numbers import parse_float
from gutbrain.errors import DataError
from gutbrain.io import TABLES

__all__ = [
    "ANSWER_PREFIX",
    "DEFAULT_ITEMS",
    "ITEM_DTYPES",
    "ITEM_KINDS",
    "TEXT_MAX",
    "UNANSWERED_PREFIX",
    "ItemSpec",
    "bundle_problem",
    "form_answers",
    "is_risky",
    "validate_answers",
]

ITEM_KINDS = ("vas", "likert", "yesno", "number", "bristol", "text")
#: pandas dtype of an item's exported diary column, by kind. VAS answers are whole numbers but
#: share the float dtype of the bundle's 0-100 affect and stress columns.
ITEM_DTYPES = {
    "vas": "float64",
    "number": "float64",
    "likert": "Int64",
    "yesno": "Int64",
    "bristol": "Int64",
    "text": "str",
}
TEXT_MAX = 2000
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Column names the bundle already uses for other things; an item may not take them.
RESERVED_KEYS = frozenset(
    {
        "participant",
        "day",
        "date",
        "phase",
        "submitted_at",
        "arm",
        "sequence",
        "csrf",
        "client_id",
        "before_not_answered_option",
    }
)
#: Form field of an item's answer: ``a_<key>``.
ANSWER_PREFIX = "a_"
#: Form field sent while an item is not answered (an untouched slider): ``unanswered_<key>``.
UNANSWERED_PREFIX = "unanswered_"


@dataclass(frozen=True)
class ItemSpec:
    """One daily question, as a study defines it.

    Parameters
    ----------
    key
        Column name in the exported ``diary`` table (lower snake case).
    kind
        One of :data:`ITEM_KINDS`.
    label
        The question shown to the participant.
    min_value, max_value
        Bounds for ``likert`` and ``number`` (fixed for ``vas``, ``bristol`` and ``yesno``).
    low_anchor, high_anchor
        Words shown at the ends of a scale.
    required
        Whether the item must be answered.
    risky_at
        An answer at or above this value is treated as risky (crisis resources and a flag).
    """

    key: str
    kind: str
    label: str
    min_value: float | None = None
    max_value: float | None = None
    low_anchor: str = ""
    high_anchor: str = ""
    required: bool = False
    risky_at: float | None = None

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key) or self.key in RESERVED_KEYS:
            raise DataError(
                f"daily item key {self.key!r} is not allowed: use lower snake case, at most 40 "
                f"characters, not one of {sorted(RESERVED_KEYS)}"
            )
        if self.kind not in ITEM_KINDS:
            raise DataError(
                f"daily item {self.key!r}: kind {self.kind!r} is not one of {ITEM_KINDS}"
            )
        if not self.label.strip():
            raise DataError(f"daily item {self.key!r}: the label (question text) is empty")
        fixed = {"vas": (0.0, 100.0), "bristol": (1.0, 7.0), "yesno": (0.0, 1.0)}
        if self.kind in fixed:
            object.__setattr__(self, "min_value", fixed[self.kind][0])
            object.__setattr__(self, "max_value", fixed[self.kind][1])
        if self.kind == "likert":
            if self.min_value is None or self.max_value is None:
                raise DataError(f"daily item {self.key!r}: a likert item needs min and max")
            if not float(self.min_value).is_integer() or not float(self.max_value).is_integer():
                raise DataError(f"daily item {self.key!r}: likert min and max must be integers")
            if not 2 <= self.max_value - self.min_value + 1 <= 11:
                raise DataError(
                    f"daily item {self.key!r}: likert scale {self.min_value}-{self.max_value} "
                    "must have 2 to 11 points"
                )
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value >= self.max_value
        ):
            raise DataError(
                f"daily item {self.key!r}: min {self.min_value} must be below max {self.max_value}"
            )
        if self.risky_at is not None and self.kind == "text":
            raise DataError(f"daily item {self.key!r}: a text item cannot have risky_at")

    @property
    def is_integer(self) -> bool:
        return self.kind in ("vas", "likert", "yesno", "bristol")


DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        key="negative_affect",
        kind="vas",
        label="How negative (anxious, sad, irritable) did you feel today?",
        low_anchor="not at all",
        high_anchor="extremely",
        required=True,
    ),
    ItemSpec(
        key="positive_affect",
        kind="vas",
        label="How positive (cheerful, energetic, content) did you feel today?",
        low_anchor="not at all",
        high_anchor="extremely",
        required=True,
    ),
)


def _span(lo: float | None, hi: float | None) -> str:
    """``"0 to 24"``; an open end reads ``-inf`` or ``inf``."""
    return f"{'-inf' if lo is None else f'{lo:g}'} to {'inf' if hi is None else f'{hi:g}'}"


def _parse_one(spec: ItemSpec, raw: Any) -> float | int | str | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if spec.required:
            move = ' (move the slider; "Not answered" must be clear)' if spec.kind == "vas" else ""
            raise DataError(f"{spec.key}: an answer is required{move}")
        return None
    if spec.kind == "text":
        text = str(raw)
        if len(text) > TEXT_MAX:
            raise DataError(f"{spec.key}: {len(text)} characters, at most {TEXT_MAX} allowed")
        return text
    if spec.kind == "yesno" and isinstance(raw, str):
        lowered = raw.strip().lower()
        mapping = {"yes": 1, "no": 0, "1": 1, "0": 0, "true": 1, "false": 0}
        if lowered not in mapping:
            raise DataError(f"{spec.key}: {raw!r} is not an answer; expected yes or no")
        return mapping[lowered]
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, str):
        value = parse_float(raw, spec.key)
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise DataError(f"{spec.key}: {raw!r} is not a number")
    if not math.isfinite(value):
        raise DataError(f"{spec.key}: {raw!r} is not a finite number")
    if spec.is_integer and not value.is_integer():
        raise DataError(f"{spec.key}: {raw!r} must be a whole number")
    lo, hi = spec.min_value, spec.max_value
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise DataError(f"{spec.key}: {raw!r} is out of range; expected {_span(lo, hi)}")
    return int(value) if spec.is_integer else value


def validate_answers(
    specs: Sequence[ItemSpec], raw: Mapping[str, Any]
) -> dict[str, float | int | str | None]:
    """Check a submission against the study's items and return the typed answers.

    Parameters
    ----------
    specs
        The study's daily items.
    raw
        Answers by item key, as strings (a form) or numbers (JSON). Unknown keys are rejected.

    Returns
    -------
    dict
        One value per item key: int, float, str, or None for a skipped optional item.

    Raises
    ------
    DataError
        Naming the item, the value and what was expected; every problem is listed.
    """
    known = {s.key for s in specs}
    unknown = sorted(set(raw) - known)
    problems: list[str] = []
    if unknown:
        problems.append(f"unknown item(s) {unknown}; this study asks {sorted(known)}")
    out: dict[str, float | int | str | None] = {}
    for spec in specs:
        try:
            out[spec.key] = _parse_one(spec, raw.get(spec.key))
        except DataError as exc:
            problems.append(str(exc))
    if problems:
        raise DataError("; ".join(problems))
    return out


def form_answers(fields: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The raw answers of a daily form post, by item key, for :func:`validate_answers`.

    ``a_<key>`` carries an answer; ``unanswered_<key>`` marks the item not answered, so its
    answer is empty (missing) whatever position its slider rests at. Other fields (``csrf``,
    ``client_id``) are not answers. An ``unanswered_`` key the study does not ask is kept, so
    :func:`validate_answers` reports it as unknown.
    """
    raw: dict[str, str] = {}
    unanswered: set[str] = set()
    for name, value in fields:
        if not isinstance(value, str):
            continue
        if name.startswith(ANSWER_PREFIX):
            raw[name.removeprefix(ANSWER_PREFIX)] = value
        elif name.startswith(UNANSWERED_PREFIX):
            unanswered.add(name.removeprefix(UNANSWERED_PREFIX))
    return raw | dict.fromkeys(unanswered, "")


def bundle_problem(spec: ItemSpec) -> str | None:
    """Why ``spec``'s answers would not fit the bundle's ``diary`` column of the same name.

    Returns
    -------
    str or None
        A message naming the item, the column's kind and range and what to change; ``None`` if
        the key is not a column of the bundle format (an extra item column) or the item fits.
    """
    col = TABLES["diary"].column(spec.key)
    if col is None:
        return None
    where = f"daily item {spec.key!r}: the study bundle's {spec.key} column"
    if col.kind not in ("int", "float"):  # date, phase, ...: already reserved keys
        return f"{where} is not a daily item; choose another key"
    if spec.kind == "text":
        return f"{where} holds numbers; a text item needs another key"
    if col.kind == "int" and ITEM_DTYPES[spec.kind] != "Int64":
        return f"{where} holds whole numbers; use kind likert, yesno or bristol, not {spec.kind!r}"
    lo, hi = spec.min_value, spec.max_value
    too_low = col.min is not None and (lo is None or lo < col.min)
    too_high = col.max is not None and (hi is None or hi > col.max)
    if too_low or too_high:
        return (
            f"{where} holds {_span(col.min, col.max)} ({col.description}), but the item allows "
            f"{_span(lo, hi)}; set min and max within that range or use another key"
        )
    return None


def is_risky(spec: ItemSpec, value: float | int | str | None) -> bool:
    """Whether ``value`` meets the item's risk rule (``value >= risky_at``)."""
    if spec.risky_at is None or value is None or isinstance(value, str):
        return False
    return float(value) >= spec.risky_at
