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

from collections.abc import Sequence
from typing import Any, get_args

from gutbrain._config import Where
from gutbrain.diary.schemas import Design, StudyCreate, locate, parse_study
from gutbrain.errors import DataError
from gutbrain.io.meta import DESIGNS, KEY_HELP, parse_study_toml

__all__ = ["study_from_toml"]

_DESIGNS: tuple[str, ...] = get_args(Design)
_REQUIRED = {
    "name": KEY_HELP["name"],
    "design": f"design = one of {', '.join(_DESIGNS)}",
    "start": KEY_HELP["start"],
    "consent": 'what participants agree to, e.g. consent = """..."""',
}
_IGNORED = ("instruments", "provenance")
_KEYS = (*_REQUIRED, "day0", "arms", "phases", "nof1", "diary", "visits", "instrument_text")
#: Top-level keys whose field of :class:`StudyCreate` has another name.
_FIELDS = {"consent": "consent_text"}
#: ``[nof1]`` keys whose field has another name; any other field may be set in ``[nof1]`` or
#: ``[diary]`` too (``[diary] blinded = false``, ``[nof1] n_pairs = 2``).
_NOF1 = {"pairs": "n_pairs"}


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
    if "arms" in doc and "phases" in doc:
        raise at.key("phases").problem("give either [[arms]] or [[phases]], not both")
    # each field of StudyCreate -> the key of the file it is read from
    keys = {_FIELDS.get(k, k): k for k in _KEYS if k in doc}
    keys["arms"] = "phases" if "phases" in doc else "arms"
    data: dict[str, Any] = {
        f: doc[k] for f, k in keys.items() if k in doc and f in StudyCreate.model_fields
    }
    places = {f: at.key(k) for f, k in keys.items()}
    for table in ("nof1", "diary"):
        fields: dict[str, Any] = at.get(doc, table, dict, f"a table [{table}]", {})
        for k, v in fields.items():
            field = _NOF1.get(k, k) if table == "nof1" else k
            places[field], data[field] = at.key(table).key(k), v
    defaults = 0
    if isinstance(data.get("items"), list):
        data["items"], defaults = _with_default_items(data["items"])

    def place(loc: Sequence[int | str]) -> Where:
        field, *rest = loc
        if field == "items" and rest and isinstance(rest[0], int):
            rest[0] -= defaults  # a default item put first is valid
        return locate(places.get(str(field), at.key(str(field))), rest)

    return parse_study(data, source, place)


def _with_default_items(items: list[Any]) -> tuple[list[Any], int]:
    """The default daily items (negative and positive affect) first, unless redefined.

    Returns the items and how many defaults were put first.
    """
    keys = [i.get("key") for i in items if isinstance(i, dict)]
    defaults = [
        i.model_dump(by_alias=True)
        for i in StudyCreate.model_fields["items"].default_factory()  # type: ignore[call-arg,misc]
        if i.key not in keys
    ]
    return defaults + items, len(defaults)
