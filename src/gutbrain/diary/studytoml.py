"""Read a study definition from a ``study.toml``, the bundle's own study file plus diary sections.

The keys of the study bundle (``name``, ``design``, ``start``, ``day0``, ``[[arms]]`` or
``[[phases]]``, ``[nof1]``) mean what they mean in the bundle; the diary adds::

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

import tomllib
from typing import Any

from gutbrain.diary.schemas import StudyCreate, parse_study
from gutbrain.errors import DataError

__all__ = ["study_from_toml"]

_IGNORED = {"instruments", "provenance"}


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
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{source}: not UTF-8 text") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{source}: invalid TOML: {exc}") from None

    doc = {k: v for k, v in doc.items() if k not in _IGNORED}
    data: dict[str, Any] = {}
    for key in ("name", "design", "start", "day0"):
        if key in doc:
            data[key] = doc.pop(key)
    if "consent" in doc:
        data["consent_text"] = doc.pop("consent")
    if data.get("design") == "crossover":
        raise DataError(
            f"{source}: design 'crossover' is not run by the diary app; use 'nof1' (randomised "
            "blocks within a person), 'parallel' or 'observational'"
        )
    arms, phases = doc.pop("arms", None), doc.pop("phases", None)
    if arms is not None and phases is not None:
        raise DataError(f"{source}: give either [[arms]] or [[phases]], not both")
    data["arms"] = arms if arms is not None else phases
    nof1 = doc.pop("nof1", {})
    if not isinstance(nof1, dict):
        raise DataError(f"{source}: [nof1] must be a table")
    renames = {"pairs": "n_pairs"}
    for key, value in nof1.items():
        data[renames.get(str(key), str(key))] = value
    diary = doc.pop("diary", {})
    if not isinstance(diary, dict):
        raise DataError(f"{source}: [diary] must be a table")
    for key, value in diary.items():
        data[key] = value
    if "visits" in doc:
        data["visits"] = doc.pop("visits")
    if "instrument_text" in doc:
        data["instrument_text"] = doc.pop("instrument_text")
    if doc:
        raise DataError(f"{source}: unknown key(s) {sorted(doc)}")
    if "items" in data:
        keys = [i.get("key") for i in data["items"] if isinstance(i, dict)]
        defaults = [
            i.model_dump(by_alias=True)
            for i in StudyCreate.model_fields["items"].default_factory()  # type: ignore[call-arg,misc]
            if i.key not in keys
        ]
        data["items"] = defaults + list(data["items"])
    return parse_study(data)
