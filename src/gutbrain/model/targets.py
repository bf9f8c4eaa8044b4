"""The targets table: published figures the model is calibrated to and validated against.

``data/targets.csv`` holds one row per published figure: what was measured, in whom, under which
design (what a simulation has to reproduce), the value with its CI, range, SD or SE, the source
and the page it was read in, and whether the row is a ``calibration`` or a ``holdout`` target.
The split is drawn once, before any fit, by :mod:`gutbrain.model.target_split`; docs/targets.md
describes the columns, the categories and how to add a row.

A qualitative result is a ``direction`` row: its value is the published sign (-1, 0 for a null
result, +1), never an invented number. A figure published only as a range ("35% to 40%") has no
value; ``low`` and ``high`` are the range and ``interval`` is ``range``.

Example
-------
>>> from gutbrain.model.targets import load_targets
>>> rows = load_targets()
>>> row = next(t for t in rows if t.key == "STETLER2011_CORTISOL")
>>> (row.value, row.low, row.high, row.interval)
(0.6, 0.54, 0.66, 'ci95')
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from gutbrain._config import Where
from gutbrain.errors import DataError

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "INTERVALS",
    "KINDS",
    "SPLITS",
    "Target",
    "load_targets",
    "parse_targets",
    "read_targets",
]

#: Category -> what it covers (issue 18, item 1).
CATEGORIES: dict[str, str] = {
    "microbiome": "microbiome responses to antibiotics, diet and fibre",
    "scfa_barrier": "SCFA, barrier and LPS",
    "depressed_vs_healthy": "inflammatory markers, cortisol and ACTH, depressed vs healthy",
    "hpa_timescales": "HPA time scales",
    "control_arms": "the course of placebo, usual-care and untreated arms in depression",
    "treatment_effects": "SSRI, probiotic (adjunct and alone), diet, exercise and FMT effects",
    "daily_affect": "structure of daily affect: ICC, autocorrelation, levels",
}

#: Kind -> what the value is.
KINDS: dict[str, str] = {
    "mean": "a mean level",
    "mean_difference": "a difference of means, in the row's unit",
    "smd": "a standardised mean difference (Cohen's d, Hedges' g, SMD)",
    "proportion": "a share in [0, 1]",
    "ratio": "a ratio of means",
    "odds_ratio": "an odds ratio",
    "relative_risk": "a relative risk (risk ratio)",
    "correlation": "a correlation coefficient in [-1, 1]",
    "icc": "an intraclass correlation in [0, 1]",
    "autocorrelation": "a lag-1 autocorrelation in [-1, 1]",
    "half_life": "a half-life, > 0",
    "duration": "a time span, > 0",
    "direction": "the published sign only: -1, 0 (null result) or 1",
}

#: What ``low`` and ``high`` are: a published 95% CI, or the published range of the figure.
INTERVALS = ("ci95", "range")
SPLITS = ("calibration", "holdout")
COLUMNS = (
    "key",
    "category",
    "quantity",
    "cohort",
    "design",
    "kind",
    "value",
    "unit",
    "low",
    "high",
    "interval",
    "sd",
    "se",
    "n",
    "source",
    "where_read",
    "note",
    "split",
)
_TEXT = ("quantity", "cohort", "design", "unit", "source", "where_read")
_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_READ_IN = ("https://", "http://", "EVIDENCE.md ")
_BOUNDS: dict[str, tuple[float, float, str]] = {
    "proportion": (0.0, 1.0, "a share in [0, 1]"),
    "correlation": (-1.0, 1.0, "a correlation in [-1, 1]"),
    "autocorrelation": (-1.0, 1.0, "an autocorrelation in [-1, 1]"),
    "icc": (0.0, 1.0, "an ICC in [0, 1]"),
    "ratio": (0.0, math.inf, "a ratio > 0"),
    "odds_ratio": (0.0, math.inf, "an odds ratio > 0"),
    "relative_risk": (0.0, math.inf, "a relative risk > 0"),
    "half_life": (0.0, math.inf, "a half-life > 0"),
    "duration": (0.0, math.inf, "a time span > 0"),
}


@dataclass(frozen=True)
class Target:
    """One published figure (one row of ``targets.csv``).

    ``value`` is ``None`` only for a figure published as a range (``interval == "range"``).
    ``low``/``high`` are the 95% CI or the range (``interval``), or ``None``; ``sd`` and ``se``
    are the published between-person SD and standard error, or ``None``; ``n`` is the number of
    people behind the figure where the source gives it.
    """

    key: str
    category: str
    quantity: str
    cohort: str
    design: str
    kind: str
    value: float | None
    unit: str
    low: float | None
    high: float | None
    interval: str | None
    sd: float | None
    se: float | None
    n: int | None
    source: str
    where_read: str
    note: str
    split: str

    @property
    def held_out(self) -> bool:
        """True for a holdout row: never fitted, only predicted."""
        return self.split == "holdout"

    @property
    def sign(self) -> int:
        """The published sign: of the value, or of a range lying on one side of 0 (else 0)."""
        if self.value is not None:
            return int(math.copysign(1, self.value)) if self.value else 0
        assert self.low is not None and self.high is not None  # a range row
        return 1 if self.low > 0 else -1 if self.high < 0 else 0

    @property
    def ci95_width(self) -> float | None:
        """The width of the published 95% CI, or ``None`` when the source gives none."""
        if self.interval != "ci95" or self.low is None or self.high is None:
            return None
        return self.high - self.low


def _number(at: Where, cell: str) -> float | None:
    """The cell as a finite number, or ``None`` when empty."""
    if not cell.strip():
        return None
    try:
        number = float(cell)
    except ValueError:
        raise at.bad(cell, "a number or an empty cell") from None
    if not math.isfinite(number):
        raise at.bad(cell, "a finite number")
    return number


def _count(at: Where, cell: str) -> int | None:
    if not cell.strip():
        return None
    if not cell.strip().isdigit() or int(cell) < 1:
        raise at.bad(cell, "a whole number of people >= 1, or an empty cell")
    return int(cell)


def _check_numbers(at: Where, kind: str, cells: Mapping[str, float | None]) -> None:
    """Kind-specific limits on value, low and high (a ratio or a time is > 0)."""
    if kind not in _BOUNDS:
        return
    lo, hi, expected = _BOUNDS[kind]
    positive = hi == math.inf
    for name in ("value", "low", "high"):
        x = cells[name]
        if x is not None and not (lo < x <= hi if positive else lo <= x <= hi):
            raise at.column(name).bad(x, f"{expected} (kind {kind!r})")


def _row(table: Where, line: int, raw: Mapping[str, str]) -> Target:
    """Check one row (CSV line ``line``) and return it typed."""
    cell = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    key = cell["key"]
    if not _KEY.fullmatch(key):
        raise (
            table.row(line)
            .column("key")
            .bad(key, "a key of capitals, digits and _ (e.g. STETLER2011_ACTH)")
        )
    at = table.row(line, f"key {key!r}")
    for name in _TEXT:
        if not cell[name]:
            raise at.column(name).missing(f"the {name} of the figure")
    category = at.column("category").among(cell["category"], CATEGORIES, "a category")
    kind = at.column("kind").among(cell["kind"], KINDS, "a kind")
    split = at.column("split").among(cell["split"], SPLITS, "a split")
    if not cell["where_read"].startswith(_READ_IN):
        raise at.column("where_read").bad(
            cell["where_read"], "the page read: a URL, or 'EVIDENCE.md KEY'"
        )
    numbers = {n: _number(at.column(n), cell[n]) for n in ("value", "low", "high", "sd", "se")}
    value, low, high = numbers["value"], numbers["low"], numbers["high"]
    interval = cell["interval"] or None
    if (low is None) != (high is None):
        raise at.column("high" if high is None else "low").missing("both ends of the interval")
    if low is None and interval is not None:
        raise at.column("interval").bad(interval, "empty when low and high are empty")
    if low is not None and high is not None:
        interval = at.column("interval").among(interval or "", INTERVALS, "an interval")
        if low > high:
            raise at.column("low").bad(low, f"a lower end <= high ({high:g})")
        if value is not None and not low <= value <= high:
            raise at.column("value").bad(value, f"a value inside [{low:g}, {high:g}]")
    if value is None and interval != "range":
        raise at.column("value").missing("the published value (empty only with interval range)")
    if kind == "direction":
        if value not in (-1.0, 0.0, 1.0) or cell["unit"] != "sign":
            raise at.column("value").bad(cell["value"], "-1, 0 or 1 with unit 'sign'")
        if low is not None or numbers["sd"] is not None or numbers["se"] is not None:
            raise at.column("kind").problem("a direction row carries no interval, SD or SE")
    for name in ("sd", "se"):
        spread = numbers[name]
        if spread is not None and spread <= 0:
            raise at.column(name).bad(spread, "a spread > 0, or an empty cell")
    _check_numbers(at, kind, numbers)
    return Target(
        key=key,
        category=category,
        quantity=cell["quantity"],
        cohort=cell["cohort"],
        design=cell["design"],
        kind=kind,
        value=value,
        unit=cell["unit"],
        low=low,
        high=high,
        interval=interval,
        sd=numbers["sd"],
        se=numbers["se"],
        n=_count(at.column("n"), cell["n"]),
        source=cell["source"],
        where_read=cell["where_read"],
        note=cell["note"],
        split=split,
    )


def parse_targets(text: str, source: str = "targets.csv") -> tuple[Target, ...]:
    """Parse and check the text of a targets table; ``source`` names it in errors."""
    at = Where(source, DataError)
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        raise at.problem(
            f"header {','.join(header)!r}; expected the columns {', '.join(COLUMNS)} in this "
            f"order (missing {missing or 'none'}, unknown {extra or 'none'})"
        )
    rows: list[Target] = []
    first: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        row = _row(at, line, raw)
        if row.key in first:
            used = first[row.key]
            raise at.row(line).column("key").bad(row.key, f"a key not used on line {used}")
        first[row.key] = line
        rows.append(row)
    if not rows:
        raise at.problem("no rows; expected one row per published figure")
    return tuple(rows)


def read_targets(path: str | Path) -> tuple[Target, ...]:
    """Read and check a targets table from a file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from None
    return parse_targets(text, str(path))


@cache
def load_targets() -> tuple[Target, ...]:
    """The packaged table, ``gutbrain/model/data/targets.csv`` (read once)."""
    text = files("gutbrain.model").joinpath("data/targets.csv").read_text(encoding="utf-8")
    return parse_targets(text, "targets.csv")
