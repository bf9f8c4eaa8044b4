"""Read a study definition from a ``study.toml``, the bundle's own study file plus diary sections.

The keys of the study bundle (``name``, ``design``, ``start``, ``day0``, ``[[arms]]`` or
``[[phases]]``, ``[nof1]``) mean what they mean in the bundle, and are read and checked by
:mod:`gutbrain.io.meta`'s rules; the diary adds::

    consent = \"\"\"What participants agree to ...\"\"\"
    [nof1]            # block_days, pairs (pairs of blocks, e.g. 2 gives ABAB/ABBA/...),
                      # wash_in_days, blinded (default true)
    [diary]           # timezone, window_open ("HH:MM"), window_hours, run_in_days, duration_days
    [[diary.items]]   # key, kind, label, min, max, low, high, required, risky_at
    [[visits]]        # visit, day, instruments = ["PHQ-9", ...], window_days
    [instrument_text] # "STAI-state" = [20 licensed item texts]

An exported bundle's ``study.toml`` is accepted too (``instruments`` and ``[provenance]`` are
ignored), so a finished study can be re-run.
"""

from __future__ import annotations

from typing import Any, get_args

from gutbrain._config import Where
from gutbrain.diary.schemas import Design, StudyCreate, parse_study
from gutbrain.errors import DataError
from gutbrain.io.meta import DESIGNS, check_groups, check_start, parse_study_toml

__all__ = ["study_from_toml"]

_DESIGNS: tuple[str, ...] = get_args(Design)
_REQUIRED = {
    "name": 'a study name, e.g. name = "My study"',
    "design": f"design = one of {', '.join(_DESIGNS)}",
    "start": "the calendar date of day 0, e.g. start = 2026-01-05",
    "consent": 'what participants agree to, e.g. consent = """..."""',
}
_IGNORED = ("instruments", "provenance")
_KEYS = (*_REQUIRED, "day0", "arms", "phases", "nof1", "diary", "visits", "instrument_text")
_NOF1 = {"block_days": "block_days", "pairs": "n_pairs", "wash_in_days": "wash_in_days"}
_DIARY = ("timezone", "window_open", "window_hours", "run_in_days", "duration_days", "items")


def study_from_toml(text: str | bytes, *, source: str = "study.toml") -> StudyCreate:
    """Parse and validate a study definition.

    Parameters
    ----------
    text
        The TOML document.
    source
        Name used in error messages.

    Raises
    ------
    DataError
        For invalid TOML, unknown keys, or any invalid value (naming the key).
    """
    doc = parse_study_toml(text, source)
    at = Where(source, DataError)
    at.keys(doc, (*_KEYS, *_IGNORED), _REQUIRED)
    design = at.choice(doc, "design", DESIGNS)
    if design not in _DESIGNS:
        raise at.key("design").bad(
            design,
            f"one of {', '.join(_DESIGNS)}: the diary app does not run {design} studies; use "
            "nof1 (randomised blocks within a person)",
        )
    groups = {k: at.array(doc, k, f"an array of tables [[{k}]]", []) for k in ("arms", "phases")}
    check_groups(at, design, len(groups["arms"]), len(groups["phases"]))
    data: dict[str, Any] = {
        "name": doc["name"],
        "design": design,
        "start": check_start(at.key("start"), doc["start"]),
        "consent_text": doc["consent"],
        "arms": [a for _, a in groups["phases" if design == "nof1" else "arms"]],
        **{k: doc[k] for k in ("day0", "visits", "instrument_text") if k in doc},
    }
    nof1 = at.get(doc, "nof1", dict, "a table [nof1]", {})
    at.key("nof1").keys(nof1, (*_NOF1, "blinded"))
    data.update({_NOF1.get(k, k): v for k, v in nof1.items()})
    diary = at.get(doc, "diary", dict, "a table [diary]", {})
    at.key("diary").keys(diary, _DIARY)
    data.update(diary)
    if "items" in data:
        data["items"] = _with_default_items(data["items"])
    return parse_study(data, source)


def _with_default_items(items: Any) -> Any:
    """The default daily items (negative and positive affect) first, unless redefined."""
    if not isinstance(items, list):
        return items  # refused by the schema, naming the key
    keys = [i.get("key") for i in items if isinstance(i, dict)]
    defaults = [
        i.model_dump(by_alias=True)
        for i in StudyCreate.model_fields["items"].default_factory()  # type: ignore[call-arg,misc]
        if i.key not in keys
    ]
    return defaults + items
