"""Pydantic schemas: what comes in (forms, JSON, study.toml) and what goes out (JSON replies).

ORM models live in :mod:`gutbrain.diary.models`; these classes never touch the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gutbrain.diary.items import DEFAULT_ITEMS, ITEM_KINDS, ItemSpec, bundle_problem
from gutbrain.diary.questionnaires import INSTRUMENTS
from gutbrain.errors import DataError

__all__ = [
    "ArmIn",
    "EntryAck",
    "ItemIn",
    "StudyCreate",
    "VisitIn",
    "format_validation_error",
]

Design = Literal["parallel", "nof1", "observational"]


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

    @field_validator("instruments")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [i for i in v if i not in INSTRUMENTS]
        if unknown:
            raise ValueError(
                f"unknown instrument(s) {unknown}; expected some of {list(INSTRUMENTS)}"
            )
        return v


class StudyCreate(_In):
    """Everything that defines a study; built from the web form or from a ``study.toml``."""

    name: str = Field(min_length=1, max_length=200)
    design: Design
    start: dt.date
    day0: str = Field(default="first intervention day", min_length=1, max_length=200)
    consent_text: str = Field(min_length=1, max_length=20_000)
    arms: list[ArmIn] = Field(min_length=1, max_length=12)
    timezone: str = "UTC"
    window_open: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    window_hours: float = Field(default=24.0, gt=0, le=48)
    run_in_days: int = Field(default=0, ge=0, le=60)
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    blinded: bool = True
    block_days: int | None = Field(default=None, ge=1, le=365)
    n_pairs: int | None = Field(default=None, ge=1, le=20)
    wash_in_days: int | None = Field(default=None, ge=0, le=60)
    items: list[ItemIn] = Field(default_factory=_default_items, max_length=40)
    visits: list[VisitIn] = Field(default_factory=list, max_length=40)
    instrument_text: dict[str, list[str]] = Field(default_factory=dict)

    def check(self) -> StudyCreate:
        """Cross-field rules; raises :class:`DataError` naming the key and the value."""
        from gutbrain.diary.questionnaires import get_instrument
        from gutbrain.diary.schedule import check_timezone

        check_timezone(self.timezone)
        labels = [a.label for a in self.arms]
        if len(set(labels)) != len(labels):
            raise DataError(f"arms/phases: labels {labels} are not unique")
        if self.design == "parallel" and len(self.arms) < 2:
            raise DataError("design 'parallel' needs at least two arms")
        if self.design == "nof1":
            if len(self.arms) < 2:
                raise DataError("design 'nof1' needs at least two phases, e.g. A and B")
            bad = [x for x in labels if len(x) != 1]
            if bad:
                raise DataError(
                    f"nof1 phase labels {bad} must be single characters (sequences read 'ABBA')"
                )
            if self.block_days is None or self.n_pairs is None:
                raise DataError("design 'nof1' needs block_days and n_pairs (pairs of blocks)")
            if self.wash_in_days is not None and self.wash_in_days >= self.block_days:
                raise DataError(
                    f"wash_in_days {self.wash_in_days} must be shorter than block_days "
                    f"{self.block_days}"
                )
        keys = [i.key for i in self.items]
        if len(set(keys)) != len(keys):
            raise DataError(f"daily items: keys {keys} are not unique")
        for required in ("negative_affect", "positive_affect"):
            if required not in keys:
                raise DataError(
                    f"daily items must include {required!r} (0-100), which the analysis reads"
                )
        for item in self.items:
            spec = item.to_spec()  # raises DataError for a bad key, kind or range
            problem = bundle_problem(spec)
            if problem:
                raise DataError(problem)
            if spec.key in ("negative_affect", "positive_affect") and spec.kind != "vas":
                raise DataError(
                    f"daily item {spec.key!r} must be kind 'vas' (a 0-100 scale, as the analysis "
                    f"reads it), not {spec.kind!r}"
                )
        for name, texts in self.instrument_text.items():
            get_instrument(name, {name: texts})
        pairs = [(v.visit, i) for v in self.visits for i in v.instruments]
        if len(set(pairs)) != len(pairs):
            raise DataError("visits: an instrument is listed twice for the same visit")
        return self

    def item_specs(self) -> list[ItemSpec]:
        return [i.to_spec() for i in self.items]


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``field.path: message``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "input"
        lines.append(f"{loc}: {err['msg']}")
    return "; ".join(lines)


def parse_study(data: dict[str, Any]) -> StudyCreate:
    """Validate a study definition, raising :class:`DataError` with every problem listed."""
    try:
        study = StudyCreate.model_validate(data)
    except ValidationError as exc:
        raise DataError(format_validation_error(exc)) from None
    return study.check()


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
