"""Path parameters, bounded where a request enters the app.

A database ID is a whole number from 1 to 2**63 - 1 (a SQLite ``INTEGER PRIMARY KEY``, a
PostgreSQL ``BIGINT``), spelled with the ASCII digits 0-9 only. Anything else (an ID beyond that
range, ``"7_0"``, ``"٣"``) is a 422 with the usual error body, before any SQL runs: an ID beyond
SQLite's range used to reach the driver and end in a 500.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

from gutbrain.diary.numbers import INT64_MAX

__all__ = ["ParticipantId", "ResearcherId", "StudyDay", "StudyId", "Token", "VisitName"]

_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")


def _ascii_digits(value: object) -> object:
    """Refuse text that pydantic's lax integer parsing would accept but is not plain digits."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("expected a whole number written with the digits 0-9")
    return value


def _signed_digits(value: object) -> object:
    """As :func:`_ascii_digits`, with an optional leading minus sign."""
    if isinstance(value, str) and not _SIGNED.fullmatch(value):
        raise ValueError("expected a whole number written with the digits 0-9 and an optional -")
    return value


def _id(what: str) -> object:
    return Path(ge=1, le=INT64_MAX, description=f"The {what}'s ID (1 to 2**63 - 1).")


StudyId = Annotated[int, _id("study"), BeforeValidator(_ascii_digits)]
ParticipantId = Annotated[int, _id("participant"), BeforeValidator(_ascii_digits)]
ResearcherId = Annotated[int, _id("researcher account"), BeforeValidator(_ascii_digits)]
#: A study day in a query (negative in the run-in), within any study's possible range.
StudyDay = Annotated[
    int,
    Query(ge=-100_000, le=100_000, description="A study day (negative during the run-in)."),
    BeforeValidator(_signed_digits),
]
#: A personal-link token: 43 URL-safe characters as issued (``secrets.token_urlsafe(32)``).
Token = Annotated[str, Path(min_length=1, max_length=128, description="The personal-link token.")]
#: A visit or instrument name in a questionnaire's path (both at most 40 characters).
VisitName = Annotated[str, Path(min_length=1, max_length=40)]
