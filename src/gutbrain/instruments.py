"""The instrument registry: every questionnaire, rating scale and biomarker assay gutbrain knows.

One :class:`Instrument` per instrument, read from the package's ``instruments.toml`` and named as
the study bundle names it. It holds what the instrument *is*: what it measures, its items and
their scores, the published total-score range, the test-retest reliability, and the source of
each. :mod:`gutbrain.io` validates visit scores against the range, :mod:`gutbrain.observe`
simulates scores with the reliability, and the diary administers the self-report forms (item
texts and response options). What one use adds stays with that use, keyed by the instrument's
name: observe's response model (recall window, construct, anchors, person offsets), the diary's
safety rule.

Biomarker assays are the registry's ``[marker.NAME]`` tables, one :class:`Marker` each in
:data:`MARKERS`, named as the bundle's ``biomarkers.marker`` names them: what is measured, in which
specimen and unit, and when the sample is taken (``hours_after_waking`` for markers with a
diurnal rhythm). :mod:`gutbrain.io` checks the bundle's units against it, designs accept its
names, and :mod:`gutbrain.observe` keeps the measurement model (reference levels, noise) keyed by
the marker's name.

The module sits outside the layers, like :mod:`gutbrain.errors`, so that every layer may use it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from gutbrain.errors import ParameterError

__all__ = ["FORMS", "INSTRUMENTS", "MARKERS", "SOURCE", "Instrument", "Marker"]

SOURCE = "instruments.toml"
"""The registry's file, inside the package."""

_RATERS = ("self", "clinician")
_MARKER_TABLE = "marker"


@dataclass(frozen=True)
class Instrument:
    """One questionnaire or rating scale (a table of ``instruments.toml``).

    Attributes
    ----------
    name
        The name used in ``visits.instrument`` and in ``study.toml`` (e.g. ``"PHQ-9"``).
    title, measures, rater
        Its full title, what it measures, and who rates: ``"self"`` or ``"clinician"``.
    n_items, item_min, item_max
        Number of items and their scores (the widest item range where items differ).
    scoring
        How the total follows from the items.
    min, max
        The published total-score range, inclusive.
    source
        The publication that defines the instrument and its scoring.
    retest_r, retest_days, retest_source
        Published test-retest reliability, its retest interval in days, and where it comes from.
    form, form_items
        The questionnaire the instrument is printed on and its items' 1-based positions there:
        the instrument itself and 1..n_items, except where one form carries two instruments
        (PANAS-NA and PANAS-PA share the 20-item PANAS).
    instruction, options, item_text
        The form's instruction, the response labels (``item_min`` first) and the item texts, for
        the instruments the diary administers; empty otherwise.
    licensed_form
        The copyrighted form whose item texts are not shipped (a study that holds a licence
        supplies them); empty where the registry needs no texts or ships them.
    reversed_items
        1-based items scored ``item_min + item_max - answer``, where the diary scores them.
    """

    name: str
    title: str
    measures: str
    rater: str
    n_items: int
    item_min: int
    item_max: int
    scoring: str
    min: int
    max: int
    source: str
    retest_r: float
    retest_days: int
    retest_source: str
    form: str
    form_items: tuple[int, ...]
    instruction: str = ""
    options: tuple[str, ...] = ()
    item_text: tuple[str, ...] = ()
    licensed_form: str = ""
    reversed_items: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        n = self.n_items
        self._expect("rater", self.rater in _RATERS, f"one of {', '.join(_RATERS)}")
        self._expect("n_items", n >= 1, "at least 1")
        self._expect("item_max", self.item_min < self.item_max, f"above item_min {self.item_min}")
        self._expect("max", self.min < self.max, f"above min {self.min}")
        self._expect(
            "min",
            n * self.item_min <= self.min and self.max <= n * self.item_max,
            f"a total range inside {n} items x {self.item_min}-{self.item_max} "
            f"({n * self.item_min}-{n * self.item_max}; max is {self.max})",
        )
        self._expect("retest_r", 0.0 < self.retest_r <= 1.0, "0 < r <= 1")
        self._expect("retest_days", self.retest_days >= 1, "at least 1")
        self._expect(
            "form_items",
            len(set(self.form_items)) == n and min(self.form_items, default=0) >= 1,
            f"{n} distinct positions from 1",
        )
        self._expect(
            "reversed_items", set(self.reversed_items) <= set(range(1, n + 1)), f"items 1 to {n}"
        )
        span = self.item_max - self.item_min + 1
        self._expect("options", len(self.options) in (0, span), f"{span} labels or none")
        self._expect("item_text", len(self.item_text) in (0, n), f"{n} texts or none")
        self._expect(
            "item_text",
            not (self.item_text and self.licensed_form),
            "no texts for a licensed form",
        )
        if self.options:
            self._expect("instruction", bool(self.instruction), "the form's instruction")
            self._expect(
                "item_text",
                bool(self.item_text or self.licensed_form),
                f"{n} texts, or licensed_form for a licensed form",
            )

    def _expect(self, key: str, ok: bool, expected: str) -> None:
        if not ok:
            value = getattr(self, key)
            raise ParameterError(f"{SOURCE} [{self.name}] {key} = {value!r}; expected {expected}")


@dataclass(frozen=True)
class Marker:
    """One biomarker assay (a ``[marker.NAME]`` table of ``instruments.toml``).

    Attributes
    ----------
    name
        The name used in the bundle's ``biomarkers.marker`` and in designs (e.g. ``"crp"``).
    title, specimen, unit
        What is measured, in which specimen, and the unit of ``biomarkers.value``.
    timing
        When the sample is taken, in words (e.g. ``"at bedtime"``, ``"24-h collection"``).
    hours_after_waking
        The sampling time the observation model uses for markers with a diurnal rhythm, in hours
        after waking; ``None`` for a 24-h collection or a marker without a modelled rhythm.
    source
        Where the unit and the sampling protocol come from.
    """

    name: str
    title: str
    specimen: str
    unit: str
    timing: str
    source: str
    hours_after_waking: float | None = None

    def __post_init__(self) -> None:
        where = f"{SOURCE} [{_MARKER_TABLE}.{self.name}]"
        for key in ("title", "specimen", "unit", "timing", "source"):
            if not (isinstance(getattr(self, key), str) and getattr(self, key)):
                raise ParameterError(f"{where} {key} = {getattr(self, key)!r}; expected a text")
        hours = self.hours_after_waking
        if hours is not None and not (
            isinstance(hours, int | float) and not isinstance(hours, bool) and 0 <= hours < 24
        ):
            raise ParameterError(
                f"{where} hours_after_waking = {hours!r}; expected hours from 0 to under 24"
            )


def _instrument(name: str, table: Mapping[str, Any]) -> Instrument:
    """One table of the file; ``form`` and ``form_items`` default to the instrument itself."""
    fields = {f.name: f for f in dataclasses.fields(Instrument) if f.name != "name"}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ParameterError(
            f"{SOURCE} [{name}]: unknown key(s) {unknown}; expected some of {', '.join(fields)}"
        )
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    values.setdefault("form", name)
    values.setdefault("form_items", tuple(range(1, int(values.get("n_items", 0)) + 1)))
    missing = [k for k, f in fields.items() if k not in values and f.default is dataclasses.MISSING]
    if missing:
        raise ParameterError(f"{SOURCE} [{name}]: missing key(s) {missing}")
    return Instrument(name=name, **values)


def _forms(instruments: Mapping[str, Instrument]) -> dict[str, tuple[Instrument, ...]]:
    """Group the instruments by the form they are printed on; the members of a form fill its
    positions once each and share its instruction and response options."""
    groups: dict[str, list[Instrument]] = {}
    for inst in instruments.values():
        groups.setdefault(inst.form, []).append(inst)
    for form, members in groups.items():
        names = [m.name for m in members]
        positions = sorted(p for m in members for p in m.form_items)
        if positions != list(range(1, len(positions) + 1)):
            raise ParameterError(
                f"{SOURCE}: form {form!r} ({', '.join(names)}): form_items {positions}; "
                f"expected each position 1 to {len(positions)} once"
            )
        for key in ("instruction", "options", "item_min", "item_max"):
            if len({getattr(m, key) for m in members}) > 1:
                raise ParameterError(
                    f"{SOURCE}: form {form!r}: {', '.join(names)} differ in {key}; "
                    "expected one value per form"
                )
    return {form: tuple(members) for form, members in groups.items()}


def _marker(name: str, table: Mapping[str, Any]) -> Marker:
    """One ``[marker.NAME]`` table of the file."""
    fields = {f.name: f for f in dataclasses.fields(Marker) if f.name != "name"}
    unknown = sorted(set(table) - set(fields))
    missing = [k for k, f in fields.items() if k not in table and f.default is dataclasses.MISSING]
    if unknown or missing:
        raise ParameterError(
            f"{SOURCE} [{_MARKER_TABLE}.{name}]: unknown key(s) {unknown}, missing key(s) "
            f"{missing}; expected {', '.join(fields)}"
        )
    return Marker(name=name, **table)


def _load() -> tuple[dict[str, Instrument], dict[str, Marker]]:
    text = files("gutbrain").joinpath(SOURCE).read_text(encoding="utf-8")
    tables = tomllib.loads(text)
    markers = tables.pop(_MARKER_TABLE, {})
    return (
        {name: _instrument(name, table) for name, table in tables.items()},
        {name: _marker(name, table) for name, table in markers.items()},
    )


_INSTRUMENTS, _MARKERS = _load()

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(_INSTRUMENTS)
"""Every instrument gutbrain knows, by bundle name, in the file's order (read-only)."""

FORMS: Mapping[str, tuple[Instrument, ...]] = MappingProxyType(_forms(INSTRUMENTS))
"""Every questionnaire form and the instruments printed on it, in the file's order (read-only):
``"PANAS"`` carries PANAS-NA and PANAS-PA; every other form is one instrument of that name."""

MARKERS: Mapping[str, Marker] = MappingProxyType(_MARKERS)
"""Every biomarker assay gutbrain knows, by bundle marker name, in the file's order (read-only)."""
