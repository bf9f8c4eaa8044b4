"""Turn the "new study" web form into a study definition.

The form covers the common cases without JavaScript: design, arms or phases (one per line,
``label: description``), the response window, the default NA/PA scales plus optional standard
items, and visits (one per line, ``visit day instrument instrument ...``). Anything else (custom
items, licensed item texts) goes through an uploaded ``study.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gutbrain.diary.numbers import parse_float, parse_int
from gutbrain.diary.schemas import StudyCreate, parse_study
from gutbrain.errors import DataError

__all__ = ["OPTIONAL_ITEMS", "study_from_form"]

#: Standard optional daily items offered as check boxes: form field -> item definition.
OPTIONAL_ITEMS: dict[str, dict[str, Any]] = {
    "item_stool_form": {
        "key": "stool_form", "kind": "bristol",
        "label": "Which picture best matches your stool today (Bristol stool form scale)?",
    },
    "item_adherence": {
        "key": "adherence", "kind": "yesno",
        "label": "Did you take today's study product as instructed?",
    },
    "item_stress": {
        "key": "stress", "kind": "vas", "label": "How stressed did you feel today?",
        "low": "not at all", "high": "extremely",
    },
    "item_sleep_hours": {
        "key": "sleep_hours", "kind": "number", "label": "How many hours did you sleep last night?",
        "min": 0, "max": 24,
    },
    "item_notes": {"key": "notes", "kind": "text", "label": "Anything else about today?"},
}  # fmt: skip


def _int_or_none(form: Mapping[str, str], key: str) -> int | None:
    raw = (form.get(key) or "").strip()
    return parse_int(raw, key) if raw else None


def _float_or_none(form: Mapping[str, str], key: str) -> float | None:
    raw = (form.get(key) or "").strip()
    return parse_float(raw, key) if raw else None


def study_from_form(form: Mapping[str, str]) -> StudyCreate:
    """Validate the new-study form; raises :class:`DataError` naming the field and value."""
    arms = []
    for n, line in enumerate((form.get("arms") or "").splitlines(), 1):
        if not line.strip():
            continue
        label, _, description = line.partition(":")
        if not label.strip():
            raise DataError(f"arms line {n}: {line!r} has no label; write 'label: description'")
        arms.append({"label": label.strip(), "description": description.strip()})
    visits = []
    for n, line in enumerate((form.get("visits") or "").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 3:
            raise DataError(
                f"visits line {n}: {line!r}; write 'visit day instrument ...', e.g. "
                "'baseline 0 PHQ-9 GAD-7'"
            )
        day = parse_int(parts[1], f"visits line {n}: day")
        visits.append({"visit": parts[0], "day": day, "instruments": parts[2:]})
    items = StudyCreate.model_fields["items"].default_factory()  # type: ignore[call-arg,misc]
    item_dicts = [i.model_dump(by_alias=True) for i in items]
    for field, item in OPTIONAL_ITEMS.items():
        if form.get(field):
            item = dict(item)
            risky = (form.get(f"{field}_risky_at") or "").strip()
            if risky:
                item["risky_at"] = parse_float(risky, f"{field}_risky_at")
            item_dicts.append(item)
    window_hours = _float_or_none(form, "window_hours")
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "design": form.get("design", ""),
        "start": form.get("start", ""),
        "consent_text": form.get("consent_text", ""),
        "arms": arms,
        "timezone": form.get("timezone") or "UTC",
        "window_open": form.get("window_open") or "00:00",
        "window_hours": 24.0 if window_hours is None else window_hours,
        "run_in_days": _int_or_none(form, "run_in_days") or 0,
        "duration_days": _int_or_none(form, "duration_days"),
        "blinded": bool(form.get("blinded")),
        "items": item_dicts,
        "visits": visits,
    }
    if data["design"] == "nof1":
        data["block_days"] = _int_or_none(form, "block_days")
        data["n_pairs"] = _int_or_none(form, "n_pairs")
        data["wash_in_days"] = _int_or_none(form, "wash_in_days")
    return parse_study(data)
