"""The study bundle's tables and columns, declared in one place.

Every reader, writer and validator in :mod:`gutbrain.io` works from :data:`TABLES`;
``docs/bundle.md`` documents the same specification for people bringing their own data.

Column kinds and the pandas dtype each becomes after reading:

========== ==================================================== ===============================
kind       accepted in a CSV cell                               dtype after reading
========== ==================================================== ===============================
text       any text; an empty cell is missing                    ``str`` (pandas' string dtype)
int        whole number without a decimal point: ``14``, ``-3``  ``int64``, or ``Int64`` when the
                                                                 column may have missing values
float      decimal number: ``12``, ``12.5``, ``1e-3``            ``float64`` (missing is NaN)
date       ISO calendar date ``2026-01-05``                      ``datetime64[us]``
timestamp  ISO 8601 with offset ``2026-01-05T20:15:00+01:00``    ``datetime64[us, UTC]``
========== ==================================================== ===============================

In numeric, date and timestamp columns an empty cell or ``NA`` means missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pandas._typing import DtypeObj
from pandas.api.types import pandas_dtype

__all__ = [
    "AFFECT_MAX",
    "AFFECT_MIN",
    "TABLES",
    "Column",
    "Kind",
    "TableSpec",
]

Kind = Literal["text", "int", "float", "date", "timestamp"]

AFFECT_MIN = 0.0
AFFECT_MAX = 100.0
"""Daily diary affect items are visual-analogue sliders scored 0-100 (as in Kuppens et al. 2010)."""


@dataclass(frozen=True)
class Column:
    """One column of a bundle table.

    Parameters
    ----------
    name
        Column header.
    kind
        One of ``text``, ``int``, ``float``, ``date``, ``timestamp`` (see the module docstring).
    required
        The column must be present (some requirements depend on the design; see
        :mod:`gutbrain.io.validate`).
    nullable
        Cells may be missing.
    min, max
        Inclusive range for numeric kinds, or ``None`` for unbounded.
    description
        One line for the format reference.
    """

    name: str
    kind: Kind
    required: bool = False
    nullable: bool = True
    min: float | None = None
    max: float | None = None
    description: str = ""

    @property
    def dtype(self) -> DtypeObj:
        """The canonical pandas dtype of this column after reading."""
        return pandas_dtype(
            {
                "text": "str",
                "int": "Int64" if self.nullable else "int64",
                "float": "float64",
                "date": "datetime64[us]",
                "timestamp": "datetime64[us, UTC]",
            }[self.kind]
        )


@dataclass(frozen=True)
class TableSpec:
    """One table of a bundle.

    Parameters
    ----------
    name
        File stem: ``participants`` is read from ``participants.csv`` or ``participants.parquet``.
    row
        What one row is, for messages and docs (e.g. ``"participant-day"``).
    columns
        Declared columns; any other column is kept as an extra (numeric or text).
    key
        Columns whose combination must be unique.
    required
        Whether every bundle must have this table.
    """

    name: str
    row: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False

    def column(self, name: str) -> Column | None:
        """The declared column called ``name``, or ``None`` for an extra column."""
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of the columns every file of this table must have."""
        return tuple(c.name for c in self.columns if c.required)


def _id(description: str = "participant id, as in participants") -> Column:
    return Column("participant", "text", required=True, nullable=False, description=description)


def _day(description: str = "study day; day 0 is the first intervention day") -> Column:
    return Column("day", "int", required=True, nullable=False, description=description)


PARTICIPANTS = TableSpec(
    name="participants",
    row="participant",
    key=("participant",),
    required=True,
    columns=(
        _id("participant id, unique"),
        Column(
            "arm",
            "text",
            description="arm label from study.toml (parallel and observational designs)",
        ),
        Column(
            "sequence",
            "text",
            description="phase labels in block order, e.g. ABBA (crossover and nof1 designs)",
        ),
        Column("age", "float", min=0, max=130, description="age in years"),
        Column("sex", "text", description="free text, e.g. female / male"),
        Column("enrolled", "date", description="calendar date of enrolment"),
        Column("withdrawn_day", "int", description="study day of withdrawal; empty if completed"),
    ),
)

DIARY = TableSpec(
    name="diary",
    row="participant-day",
    key=("participant", "day"),
    required=True,
    columns=(
        _id(),
        _day(),
        Column(
            "negative_affect",
            "float",
            required=True,
            min=AFFECT_MIN,
            max=AFFECT_MAX,
            description="daily negative affect, 0-100; empty if the item was skipped",
        ),
        Column(
            "positive_affect",
            "float",
            required=True,
            min=AFFECT_MIN,
            max=AFFECT_MAX,
            description="daily positive affect, 0-100; empty if the item was skipped",
        ),
        Column("date", "date", description="calendar date of the entry"),
        Column(
            "phase",
            "text",
            description="phase label in force (crossover and nof1); empty in run-in and washout",
        ),
        Column("adherence", "int", min=0, max=1, description="1 if the day's dose was taken"),
        Column("stool_form", "int", min=1, max=7, description="Bristol stool form scale, 1-7"),
        Column("sleep_hours", "float", min=0, max=24, description="hours slept last night"),
        Column("stress", "float", min=0, max=100, description="perceived stress today, 0-100"),
        Column("submitted_at", "timestamp", description="when the entry was submitted"),
    ),
)

VISITS = TableSpec(
    name="visits",
    row="participant-visit-instrument",
    key=("participant", "visit", "instrument"),
    columns=(
        _id(),
        Column(
            "visit",
            "text",
            required=True,
            nullable=False,
            description="visit name, e.g. baseline, week4, post",
        ),
        _day("study day of the visit"),
        Column(
            "instrument",
            "text",
            required=True,
            nullable=False,
            description="instrument name from gutbrain.io.INSTRUMENTS, listed in study.toml",
        ),
        Column(
            "score",
            "float",
            required=True,
            nullable=False,
            description="total score, within the instrument's range",
        ),
    ),
)

BIOMARKERS = TableSpec(
    name="biomarkers",
    row="participant-day-marker",
    key=("participant", "day", "marker"),
    columns=(
        _id(),
        _day("study day of sampling"),
        Column(
            "marker",
            "text",
            required=True,
            nullable=False,
            description="e.g. salivary_cortisol_am, crp, il6; names in gutbrain.io.MARKERS",
        ),
        Column(
            "value",
            "float",
            required=True,
            nullable=False,
            min=0,
            description="measured concentration (not log-transformed)",
        ),
        Column(
            "unit",
            "text",
            required=True,
            nullable=False,
            description="e.g. nmol/L, mg/L; a marker in gutbrain.io.MARKERS carries its unit",
        ),
    ),
)

TAXA = TableSpec(
    name="taxa",
    row="sample-taxon",
    key=("sample", "taxon"),
    columns=(
        Column("sample", "text", required=True, nullable=False, description="sample id"),
        _id(),
        _day("study day the sample was collected"),
        Column("taxon", "text", required=True, nullable=False, description="taxon name"),
        Column(
            "abundance",
            "float",
            required=True,
            nullable=False,
            min=0,
            description="read count or relative abundance",
        ),
    ),
)

TRUTH_LATENT = TableSpec(
    name="truth_latent",
    row="participant-day",
    key=("participant", "day"),
    columns=(_id(), _day()),
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (PARTICIPANTS, DIARY, VISITS, BIOMARKERS, TAXA, TRUTH_LATENT)
}
"""Every bundle table by file stem, in the order they are read, written and documented."""
