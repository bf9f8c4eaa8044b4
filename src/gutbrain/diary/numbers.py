"""Strict parsing of numbers typed into forms: ASCII digits only, nothing coerced.

Python's ``int()`` and ``float()`` (and pydantic's lax mode) read ``"٣"`` (an Arabic-Indic digit)
as 3 and ``"7_0"`` as 70, so a typo or another script's digits would be stored as a different
answer. Here a number must be spelled the way the study bundle's readers spell it
(:mod:`gutbrain.io._convert`): optional sign, ASCII digits, for a real number an optional decimal
point and exponent. Surrounding white space is allowed; anything else raises :class:`DataError`.
"""

from __future__ import annotations

import math

from gutbrain.errors import DataError
from gutbrain.io._convert import _FLOAT_RE, _INT_RE

__all__ = ["INT64_MAX", "parse_float", "parse_int"]

#: The largest integer a SQLite or PostgreSQL ``BIGINT`` column holds (2**63 - 1).
INT64_MAX = 2**63 - 1


def parse_int(text: str, what: str) -> int:
    """The whole number ``text`` spells, or :class:`DataError` naming ``what`` and the value."""
    if not _INT_RE.fullmatch(text.strip()):
        raise DataError(f"{what}: {text!r} is not a whole number; expected digits 0-9, e.g. 14")
    value = int(text)
    if abs(value) > INT64_MAX:
        raise DataError(f"{what}: {text!r} is too large; expected at most {INT64_MAX}")
    return value


def parse_float(text: str, what: str) -> float:
    """The finite number ``text`` spells, or :class:`DataError` naming ``what`` and the value."""
    if not _FLOAT_RE.fullmatch(text.strip()):
        raise DataError(f"{what}: {text!r} is not a number; expected digits 0-9, e.g. 7.5")
    value = float(text)
    if not math.isfinite(value):
        raise DataError(f"{what}: {text!r} is not a finite number")
    return value
