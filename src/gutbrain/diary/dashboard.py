"""The researcher dashboard of one study: compliance per participant-day, dropouts, NA and PA
over time, and risk flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from gutbrain.diary.crud.entries import entry_rows, risk_flags_of
from gutbrain.diary.crud.participants import list_participants
from gutbrain.diary.crud.studies import study_clock
from gutbrain.diary.models import Study
from gutbrain.diary.plots import Series, line_chart
from gutbrain.diary.schedule import phase_for_day
from gutbrain.diary.timeline import first_day, last_day

__all__ = ["Dashboard", "build_dashboard"]

#: Consecutive missed days (up to today) after which an active participant counts as a dropout.
DROPOUT_MISSED_DAYS = 3
#: Days shown in the compliance grid.
GRID_DAYS = 28


@dataclass
class ParticipantRow:
    id: int
    code: str
    group: str
    enrolled: dt.date
    consented: bool
    today: int
    due: int
    done: int
    last_day: int | None
    status: str
    flagged: bool
    cells: list[str] = field(default_factory=list)

    @property
    def compliance(self) -> float | None:
        return None if self.due == 0 else self.done / self.due


@dataclass
class Dashboard:
    rows: list[ParticipantRow]
    grid_days: list[int]
    flags: list[tuple[str, int, str, float, dt.datetime]]
    na_chart: Markup
    pa_chart: Markup
    n_dropouts: int
    overall_compliance: float | None


def build_dashboard(session: Session, *, study: Study, now: dt.datetime) -> Dashboard:
    participants = list_participants(session, study=study)
    ids = [p.id for p in participants]
    entries: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for e in entry_rows(session, participant_ids=ids):
        entries[e.participant_id][e.day] = e.values
    clock = study_clock(study)
    end = last_day(study)
    rows: list[ParticipantRow] = []
    max_today = 0
    na: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    pa: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for p in participants:
        today = (clock.local_date(now) - p.day0_date).days
        max_today = max(max_today, today)
        lo = first_day(p)
        hi = today
        if end is not None:
            hi = min(hi, end)
        if p.withdrawn_day is not None:
            hi = min(hi, p.withdrawn_day - 1)
        mine = entries.get(p.id, {})
        due = 0
        trailing_missed = 0
        for day in range(lo, hi + 1):
            w = clock.window(p.day0_date, day)
            if day in mine:
                due += 1
                trailing_missed = 0
            elif w.expires <= now:
                due += 1
                trailing_missed += 1
        done = sum(1 for d in mine if lo <= d <= hi)
        if p.consented_at is None:
            status = "not consented"
        elif p.withdrawn_day is not None:
            status = "withdrawn"
        elif end is not None and today > end:
            status = "finished"
        elif trailing_missed >= DROPOUT_MISSED_DAYS:
            status = f"dropout ({trailing_missed} days missed)"
        else:
            status = "active"
        rows.append(
            ParticipantRow(
                id=p.id,
                code=p.code,
                group=(p.sequence or "") if study.design == "nof1" else (p.arm or ""),
                enrolled=p.enrolled,
                consented=p.consented_at is not None,
                today=today,
                due=due,
                done=done,
                last_day=max(mine) if mine else None,
                status=status,
                flagged=p.flagged,
            )
        )
        for day, values in mine.items():
            group = (
                phase_for_day(p.sequence, study.block_days, day) or "run-in"
                if study.design == "nof1"
                else (p.arm or "")
            )
            if values.get("negative_affect") is not None:
                na[group][day].append(float(values["negative_affect"]))
            if values.get("positive_affect") is not None:
                pa[group][day].append(float(values["positive_affect"]))
    grid_hi = min(max_today, end) if end is not None else max_today
    grid_lo = min((first_day(p) for p in participants), default=0)
    grid_days = list(range(max(grid_lo, grid_hi - GRID_DAYS + 1), grid_hi + 1))
    for p, row in zip(participants, rows, strict=True):
        mine = entries.get(p.id, {})
        for day in grid_days:
            w = clock.window(p.day0_date, day)
            if (
                day < first_day(p)
                or (end is not None and day > end)
                or (p.withdrawn_day is not None and day >= p.withdrawn_day)
            ):
                row.cells.append("na")
            elif day in mine:
                row.cells.append("done")
            elif w.expires <= now:
                row.cells.append("missed")
            elif w.opens <= now:
                row.cells.append("open")
            else:
                row.cells.append("future")
    codes = {p.id: p.code for p in participants}
    flags = [
        (codes[f.participant_id], f.day, f.source, f.value, f.created_at)
        for f in reversed(risk_flags_of(session, participant_ids=ids))
    ]

    names = {
        a.label: f"{a.label} ({a.description})" if a.description else a.label for a in study.arms
    }

    def chart(data: dict[str, dict[int, list[float]]], what: str) -> Markup:
        series = [
            Series(
                label=names.get(group, group) or "all",
                points=[(d, sum(v) / len(v)) for d, v in sorted(days.items())],
            )
            for group, days in sorted(data.items())
        ]
        by = "phase" if study.design == "nof1" else "arm"
        return line_chart(series, title=f"Mean daily {what} by {by}", y_label=f"{what} (0-100)")

    due_total = sum(r.due for r in rows)
    return Dashboard(
        rows=rows,
        grid_days=grid_days,
        flags=flags,
        na_chart=chart(na, "negative affect"),
        pa_chart=chart(pa, "positive affect"),
        n_dropouts=sum(1 for r in rows if r.status.startswith(("dropout", "withdrawn"))),
        overall_compliance=(sum(r.done for r in rows) / due_total) if due_total else None,
    )
