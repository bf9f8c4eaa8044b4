"""Pydantic schemas: what comes in (forms, JSON, study.toml) and what goes out (JSON replies).

ORM models live in :mod:`gutbrain.diary.models`; these classes never touch the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from gutbrain._config import Where
from gutbrain.diary.items import DEFAULT_ITEMS, ITEM_KINDS, ItemSpec, bundle_problem
from gutbrain.diary.questionnaires import QUESTIONNAIRES
from gutbrain.errors import DataError
from gutbrain.io.meta import (
    NOF1_MIN,
    check_day0,
    check_groups,
    check_instrument,
    check_labels,
    check_name,
    check_nof1,
)

__all__ = [
    "ArmIn",
    "EntryAck",
    "ErrorBody",
    "ErrorItem",
    "ItemIn",
    "StudyCreate",
    "VisitAck",
    "VisitIn",
    "locate",
    "parse_study",
]

Design = Literal["parallel", "nof1", "observational"]

#: The first and last start date a study may have. A diary collects answers as they happen, so a
#: start in this century suffices; the bound keeps every date the schedule derives from it (at
#: most 40 years of N-of-1 blocks, see ``block_days`` and ``n_pairs``) inside the date range of
#: Python and of the databases (year 9999), where ``9999-12-31`` broke enrolment.
START_MIN = dt.date(2000, 1, 1)
START_MAX = dt.date(2099, 12, 31)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArmIn(_In):
    """An arm (parallel, observational) or a phase (N-of-1, single-character label)."""

    label: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = Field(default="", max_length=500)


class ItemIn(_In):
    key: str = Field(min_length=1, max_length=40)
    kind: Literal["vas", "likert", "yesno", "number", "bristol", "text"]
    label: str = Field(min_length=1, max_length=300)
    min_value: float | None = Field(default=None, alias="min")
    max_value: float | None = Field(default=None, alias="max")
    low_anchor: str = Field(default="", max_length=80, alias="low")
    high_anchor: str = Field(default="", max_length=80, alias="high")
    required: bool = False
    risky_at: float | None = None

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    def to_spec(self) -> ItemSpec:
        return ItemSpec(
            key=self.key,
            kind=self.kind,
            label=self.label,
            min_value=self.min_value,
            max_value=self.max_value,
            low_anchor=self.low_anchor,
            high_anchor=self.high_anchor,
            required=self.required,
            risky_at=self.risky_at,
        )


def _default_items() -> list[ItemIn]:
    return [
        ItemIn(
            key=s.key,
            kind=s.kind,  # type: ignore[arg-type]
            label=s.label,
            low=s.low_anchor,
            high=s.high_anchor,
            required=s.required,
        )
        for s in DEFAULT_ITEMS
    ]


class VisitIn(_In):
    visit: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    day: int = Field(ge=-365, le=3650)
    instruments: list[str] = Field(min_length=1)
    window_days: int = Field(default=3, ge=1, le=60)


class StudyCreate(_In):
    """Everything that defines a study; built from the web form or from a ``study.toml``.

    The rules a study shares with the study bundle (labels, arms or phases per design, the N-of-1
    blocks, instrument names) are :mod:`gutbrain.io.meta`'s, applied by :meth:`check`.
    """

    name: str = Field(max_length=200)
    design: Design
    start: dt.date = Field(ge=START_MIN, le=START_MAX)
    day0: str = Field(default="first intervention day", max_length=200)
    consent_text: str = Field(min_length=1, max_length=20_000)
    arms: list[ArmIn] = Field(min_length=1, max_length=12)
    timezone: str = "UTC"
    window_open: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    window_hours: float = Field(default=24.0, gt=0, le=48)
    run_in_days: int = Field(default=0, ge=0, le=60)
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    blinded: bool = True
    block_days: int | None = Field(default=None, ge=NOF1_MIN["block_days"], le=365)
    n_pairs: int | None = Field(default=None, ge=1, le=20)
    wash_in_days: int | None = Field(default=None, ge=NOF1_MIN["wash_in_days"], le=60)
    items: list[ItemIn] = Field(default_factory=_default_items, max_length=40)
    visits: list[VisitIn] = Field(default_factory=list, max_length=40)
    instrument_text: dict[str, list[str]] = Field(default_factory=dict)

    def check(self, source: str = "study") -> StudyCreate:
        """Cross-field rules; raises :class:`DataError` naming ``source``, the key and the value."""
        from gutbrain.diary.schedule import check_timezone

        at = Where(source, DataError)
        check_timezone(self.timezone)
        self._check_study(at)
        self._check_items(at)
        self._check_visits(at)
        return self

    def _check_study(self, at: Where) -> None:
        """What the study bundle's ``study.toml`` also requires, by its rules."""
        check_name(at.key("name"), self.name)
        check_day0(at.key("day0"), self.day0)
        labels = [a.label for a in self.arms]
        nof1 = self.design == "nof1"
        check_labels(at.key("phases" if nof1 else "arms"), labels, phases=nof1)
        check_groups(at, self.design, 0 if nof1 else len(labels), len(labels) if nof1 else 0)
        if not nof1:
            return
        if self.block_days is None or self.n_pairs is None:
            raise at.key("nof1").problem(
                "design 'nof1' needs block_days and n_pairs (pairs of blocks)"
            )
        blocks = {"block_days": self.block_days, "wash_in_days": self.wash_in_days}
        check_nof1(at.key("nof1"), {k: v for k, v in blocks.items() if v is not None})
        if self.wash_in_days is not None and self.wash_in_days >= self.block_days:
            raise (
                at.key("nof1")
                .key("wash_in_days")
                .bad(self.wash_in_days, f"fewer days than block_days = {self.block_days}")
            )

    def _check_items(self, at: Where) -> None:
        keys = [i.key for i in self.items]
        at.key("items").unique(keys, "key")
        for required in ("negative_affect", "positive_affect"):
            if required not in keys:
                raise at.key("items").problem(
                    f"daily items must include {required!r} (0-100), which the analysis reads"
                )
        for item in self.items:
            spec = item.to_spec()  # raises DataError for a bad key, kind or range
            problem = bundle_problem(spec)
            if problem:
                raise at.key("items").problem(problem)
            if spec.key in ("negative_affect", "positive_affect") and spec.kind != "vas":
                raise at.key("items").problem(
                    f"daily item {spec.key!r} must be kind 'vas' (a 0-100 scale, as the analysis "
                    f"reads it), not {spec.kind!r}"
                )

    def _check_visits(self, at: Where) -> None:
        from gutbrain.diary.questionnaires import get_instrument

        for i, visit in enumerate(self.visits, start=1):
            insts = at.key("visits").item(i).key("instruments")
            for j, name in enumerate(visit.instruments, start=1):
                check_instrument(insts.item(j), name, QUESTIONNAIRES)
        pairs = [(v.visit, i) for v in self.visits for i in v.instruments]
        if len(set(pairs)) != len(pairs):
            raise at.key("visits").problem("an instrument is listed twice for the same visit")
        for name, texts in self.instrument_text.items():
            get_instrument(name, {name: texts})

    def item_specs(self) -> list[ItemSpec]:
        return [i.to_spec() for i in self.items]


#: Where a field of :class:`StudyCreate` came from: its location in pydantic's terms -> a place.
Locate = Callable[[Sequence[int | str]], Where]

#: pydantic's wording -> the kit's "expected ..." wording.
_EXPECTED = (
    ("Input should be greater", "a value greater"),
    ("Input should be less", "a value less"),
    ("Input should be ", ""),
    ("String should have", "a string with"),
    ("String should match", "a string matching"),
    ("List should have", "a list with"),
    ("Dictionary should have", "a table with"),
    ("Value error, ", ""),
    ("Datetimes provided to dates should have zero time - e.g. be exact dates", "a date"),
)


def locate(at: Where, loc: Sequence[int | str]) -> Where:
    """The place of a pydantic error location below ``at``, counting array items from 1."""
    for part in loc:
        at = at.item(part + 1) if isinstance(part, int) else at.key(part)
    return at


def _message(err: ErrorDetails, at: Where) -> str:
    """One pydantic error in the kit's format: file, key, value, what is expected."""
    if err["type"] == "missing":
        return str(at.missing("a value"))
    if err["type"] == "extra_forbidden":
        return str(at.problem("unknown key; check its spelling"))
    expected = err["msg"]
    for theirs, ours in _EXPECTED:
        if expected.startswith(theirs):
            expected = ours + expected[len(theirs) :]
            break
    else:
        expected = expected[:1].lower() + expected[1:]
    return str(at.bad(err["input"], expected))


def parse_study(
    data: dict[str, Any], source: str = "study form", place: Locate | None = None
) -> StudyCreate:
    """Validate a study definition, raising :class:`DataError` with every problem listed.

    ``source`` names the form or file in messages. ``place`` maps a field's location to where
    the file holds it (by default the field's own name under ``source``).
    """
    top = Where(source, DataError)
    try:
        study = StudyCreate.model_validate(data)
    except ValidationError as exc:
        lines = [
            _message(err, place(err["loc"]) if place else locate(top, err["loc"]))
            for err in exc.errors()
        ]
        raise DataError("\n".join(lines)) from None
    return study.check(source)


class ErrorItem(BaseModel):
    """One problem with a request: where (``loc``), what (``msg``) and pydantic's ``type``."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer of the API: a message for people and, for invalid fields, the list."""

    detail: str = Field(description="What went wrong and what to do, in one or two sentences.")
    errors: list[ErrorItem] = Field(
        default_factory=list,
        description="The invalid fields of a request that failed validation (422); else empty.",
    )


class VisitAck(BaseModel):
    """The server's confirmation that a visit questionnaire is stored durably."""

    ok: bool = True
    risk: bool = False
    crisis_text: str | None = None


class EntryAck(BaseModel):
    """The server's confirmation that a daily entry is stored durably."""

    ok: bool = True
    day: int
    date: dt.date
    revision: int
    submitted_at: dt.datetime
    values: dict[str, Any]
    risk: bool = False
    crisis_text: str | None = None


ITEM_KIND_NAMES = ITEM_KINDS
