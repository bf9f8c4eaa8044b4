"""Study time: which diary day it is for a participant, its response window, and the N-of-1 phase.

A participant's day ``d`` is the calendar date ``day0_date + d`` in the study's time zone (day 0 is
the first intervention day; negative days are run-in). The prompt for day ``d`` opens at
``window_open`` local time on that date and expires ``window_hours`` later, which may be after
midnight. The current prompt is the latest day whose window contains ``now``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gutbrain.errors import DataError

__all__ = ["StudyClock", "Window", "phase_for_day"]


@dataclass(frozen=True)
class Window:
    """The response window of one participant-day (UTC instants)."""

    day: int
    date: dt.date
    opens: dt.datetime
    expires: dt.datetime


def parse_hhmm(text: str) -> dt.time:
    """Parse ``"HH:MM"`` (24-hour), raising :class:`DataError` otherwise."""
    try:
        hh, mm = text.split(":")
        return dt.time(int(hh), int(mm))
    except (ValueError, AttributeError):
        raise DataError(f"window_open {text!r} is not a time; expected HH:MM, e.g. 18:00") from None


def check_timezone(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name`` or raise :class:`DataError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"timezone {name!r} is unknown; expected an IANA name like Europe/Paris"
        ) from None


@dataclass(frozen=True)
class StudyClock:
    """The daily schedule of a study.

    Parameters
    ----------
    timezone
        IANA time zone of the study's calendar.
    window_open
        Local time the daily prompt opens, ``"HH:MM"``.
    window_hours
        How long the prompt stays open (0 < hours <= 48).
    """

    timezone: str = "UTC"
    window_open: str = "00:00"
    window_hours: float = 24.0

    def __post_init__(self) -> None:
        check_timezone(self.timezone)
        parse_hhmm(self.window_open)
        if not (0 < self.window_hours <= 48):
            raise DataError(f"window_hours {self.window_hours} is out of range; expected 0-48")

    def window(self, day0_date: dt.date, day: int) -> Window:
        """The window of participant-day ``day``."""
        tz = ZoneInfo(self.timezone)
        date = day0_date + dt.timedelta(days=day)
        opens_local = dt.datetime.combine(date, parse_hhmm(self.window_open), tzinfo=tz)
        opens = opens_local.astimezone(dt.UTC)
        return Window(day, date, opens, opens + dt.timedelta(hours=self.window_hours))

    def local_date(self, now: dt.datetime) -> dt.date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def current(self, day0_date: dt.date, now: dt.datetime) -> Window | None:
        """The open window at ``now`` (latest day first), or None between windows."""
        today = (self.local_date(now) - day0_date).days
        for day in range(today, today - math.ceil(self.window_hours / 24) - 2, -1):
            w = self.window(day0_date, day)
            if w.opens <= now < w.expires:
                return w
        return None

    def next_window(self, day0_date: dt.date, now: dt.datetime) -> Window:
        """The next window to open after ``now``."""
        today = (self.local_date(now) - day0_date).days
        for day in range(today, today + 3):
            w = self.window(day0_date, day)
            if w.opens > now:
                return w
        raise AssertionError("unreachable: a window opens every day")  # pragma: no cover


def local_time(value: dt.datetime, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` (an aware time) in ``timezone`` as ``fmt`` (``strftime``), labelled with the
    zone's abbreviation: ``2026-03-02 04:00 PST``. Pages and reminders show every time so, in the
    study's zone, never bare UTC."""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.strftime(fmt)} {local.strftime('%Z')}"


def period_for_day(
    sequence: str | None, block_days: int | None, day: int
) -> tuple[int, int] | None:
    """The N-of-1 period on ``day`` and the number of periods, ``(day // block_days + 1,
    len(sequence))``: the neutral label a blinded participant sees; None outside blocks."""
    if not sequence or not block_days or day < 0:
        return None
    block = day // block_days
    return (block + 1, len(sequence)) if block < len(sequence) else None


def phase_for_day(sequence: str | None, block_days: int | None, day: int) -> str | None:
    """The N-of-1 phase label on ``day``: ``sequence[day // block_days]``; None outside blocks."""
    period = period_for_day(sequence, block_days, day)
    return None if period is None or sequence is None else sequence[period[0] - 1]
