"""Export a study as a study bundle (``study.toml`` + tables) that the analysis reads unchanged.

:func:`bundle_tables` builds the bundle's content (the study metadata and pandas DataFrames);
:func:`export_zip` writes it into a zip archive. The bundle holds pseudonymous codes only: no
e-mail addresses, tokens or consent texts leave the database this way. App records that are not
part of the bundle contract (prompt log, edit history, risk flags) go in an ``app/`` folder.

Columns follow the bundle specification (ARCHITECTURE.md): ``participants`` (participant, arm or
sequence, enrolled, withdrawn_day), ``diary`` (participant, day, date, phase, negative_affect,
positive_affect, one column per daily item, submitted_at) and ``visits`` (participant, visit, day,
instrument, score, item_1 ...).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from gutbrain.diary.models import (
    Entry,
    EntryRevision,
    Participant,
    PromptLog,
    RiskFlag,
    Study,
    VisitResponse,
)
from gutbrain.diary.questionnaires import get_instrument, score
from gutbrain.diary.schedule import phase_for_day

__all__ = ["BundleContent", "bundle_tables", "export_zip", "study_meta"]


@dataclass(frozen=True)
class BundleContent:
    """A study bundle in memory: ``study.toml`` as a dict, tables, and app-only extras."""

    study: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    extras: dict[str, pd.DataFrame] = field(default_factory=dict)


def _bundle_instruments(study: Study) -> list[str]:
    names = ["diary"]
    for visit in study.visits:
        for out in get_instrument(visit.instrument).outputs:
            if out not in names:
                names.append(out)
    return names


def study_meta(study: Study) -> dict[str, Any]:
    """The ``study.toml`` of the bundle: only the keys the bundle specification defines."""
    meta: dict[str, Any] = {
        "name": study.name,
        "design": study.design,
        "start": study.start,
        "day0": study.day0,
        "instruments": _bundle_instruments(study),
    }
    groups = [{"label": a.label, "description": a.description} for a in study.arms]
    if study.design == "nof1":
        meta["phases"] = groups
        nof1: dict[str, int] = {"block_days": int(study.block_days or 1)}
        if study.wash_in_days:
            nof1["wash_in_days"] = int(study.wash_in_days)
        meta["nof1"] = nof1
    else:
        meta["arms"] = groups
    return meta


def _iso(ts: Any) -> str | None:
    return None if ts is None else pd.Timestamp(ts).isoformat()


def bundle_tables(session: Session, *, study: Study) -> BundleContent:
    """Read one study from the database into bundle form."""
    participants = session.scalars(
        select(Participant).where(Participant.study_id == study.id).order_by(Participant.id)
    ).all()
    codes = {p.id: p.code for p in participants}
    by_id = {p.id: p for p in participants}
    ids = list(codes)

    part_rows = []
    for p in participants:
        row: dict[str, Any] = {"participant": p.code}
        if study.design == "nof1":
            row["sequence"] = p.sequence
        else:
            row["arm"] = p.arm
        row["enrolled"] = p.enrolled.isoformat()
        row["withdrawn_day"] = p.withdrawn_day
        part_rows.append(row)
    group_col = "sequence" if study.design == "nof1" else "arm"
    participants_df = pd.DataFrame(
        part_rows, columns=["participant", group_col, "enrolled", "withdrawn_day"]
    ).astype({"withdrawn_day": "Int64"})

    item_keys = [i.key for i in study.items]
    item_kinds = {i.key: i.kind for i in study.items}
    entries = (
        session.scalars(
            select(Entry)
            .where(Entry.participant_id.in_(ids))
            .order_by(Entry.participant_id, Entry.day)
        ).all()
        if ids
        else []
    )
    diary_rows = []
    for e in entries:
        p = by_id[e.participant_id]
        row = {"participant": p.code, "day": e.day, "date": e.date.isoformat()}
        if study.design == "nof1":
            row["phase"] = phase_for_day(p.sequence, study.block_days, e.day)
        for key in item_keys:
            row[key] = e.values.get(key)
        row["submitted_at"] = _iso(e.submitted_at)
        diary_rows.append(row)
    diary_cols = ["participant", "day", "date"]
    if study.design == "nof1":
        diary_cols.append("phase")
    diary_cols += [*item_keys, "submitted_at"]
    diary_df = pd.DataFrame(diary_rows, columns=diary_cols)
    for key in item_keys:
        kind = item_kinds[key]
        if kind in ("vas", "number"):
            diary_df[key] = diary_df[key].astype("float64")
        elif kind in ("likert", "yesno", "bristol"):
            diary_df[key] = diary_df[key].astype("Int64")
        else:
            diary_df[key] = diary_df[key].astype("object")
    diary_df["day"] = diary_df["day"].astype("int64")

    tables: dict[str, pd.DataFrame] = {"participants": participants_df, "diary": diary_df}
    if study.visits:
        visit_rows = []
        responses = (
            session.scalars(
                select(VisitResponse)
                .where(VisitResponse.participant_id.in_(ids))
                .order_by(VisitResponse.participant_id, VisitResponse.day, VisitResponse.id)
            ).all()
            if ids
            else []
        )
        for r in responses:
            inst = get_instrument(r.instrument)
            for name, value in score(inst, r.answers).items():
                row = {
                    "participant": codes[r.participant_id],
                    "visit": r.visit,
                    "day": r.day,
                    "instrument": name,
                    "score": float(value),
                }
                row.update({f"item_{i}": a for i, a in enumerate(r.answers, 1)})
                visit_rows.append(row)
        visits_df = pd.DataFrame(
            visit_rows, columns=["participant", "visit", "day", "instrument", "score"]
        )
        if visit_rows:
            visits_df = pd.DataFrame(visit_rows)
            item_cols = [c for c in visits_df.columns if c.startswith("item_")]
            for c in item_cols:
                visits_df[c] = visits_df[c].astype("Int64")
        tables["visits"] = visits_df

    prompts = (
        session.scalars(
            select(PromptLog)
            .where(PromptLog.participant_id.in_(ids))
            .order_by(PromptLog.participant_id, PromptLog.day)
        ).all()
        if ids
        else []
    )
    prompt_df = pd.DataFrame(
        [
            {
                "participant": codes[r.participant_id],
                "day": r.day,
                "scheduled_at": _iso(r.scheduled_at),
                "expires_at": _iso(r.expires_at),
                "opened_at": _iso(r.opened_at),
                "submitted_at": _iso(r.submitted_at),
                "expired_at": _iso(r.expired_at),
                "reminder_sent_at": _iso(r.reminder_sent_at),
            }
            for r in prompts
        ],
        columns=[
            "participant",
            "day",
            "scheduled_at",
            "expires_at",
            "opened_at",
            "submitted_at",
            "expired_at",
            "reminder_sent_at",
        ],
    )
    history = (
        session.execute(
            select(
                Entry.participant_id,
                Entry.day,
                EntryRevision.revision,
                EntryRevision.submitted_at,
                EntryRevision.values,
            )
            .join(Entry, Entry.id == EntryRevision.entry_id)
            .where(Entry.participant_id.in_(ids))
            .order_by(Entry.participant_id, Entry.day, EntryRevision.revision)
        ).all()
        if ids
        else []
    )
    history_df = pd.DataFrame(
        [
            {
                "participant": codes[pid],
                "day": day,
                "revision": rev,
                "submitted_at": _iso(at),
                **{k: vals.get(k) for k in item_keys},
            }
            for pid, day, rev, at, vals in history
        ],
        columns=["participant", "day", "revision", "submitted_at", *item_keys],
    )
    flags = (
        session.scalars(
            select(RiskFlag).where(RiskFlag.participant_id.in_(ids)).order_by(RiskFlag.id)
        ).all()
        if ids
        else []
    )
    flags_df = pd.DataFrame(
        [
            {
                "participant": codes[f.participant_id],
                "day": f.day,
                "source": f.source,
                "value": f.value,
                "created_at": _iso(f.created_at),
            }
            for f in flags
        ],
        columns=["participant", "day", "source", "value", "created_at"],
    )
    extras = {"prompt_log": prompt_df, "entry_history": history_df, "risk_flags": flags_df}
    return BundleContent(study=study_meta(study), tables=tables, extras=extras)


def write_bundle_files(content: BundleContent) -> dict[str, bytes]:
    """The files of the bundle, by path inside the bundle folder."""
    files = {"study.toml": tomli_w.dumps(content.study).encode()}
    for name, df in content.tables.items():
        files[f"{name}.csv"] = df.to_csv(index=False, na_rep="").encode()
    for name, df in content.extras.items():
        files[f"app/{name}.csv"] = df.to_csv(index=False, na_rep="").encode()
    return files


def export_zip(session: Session, *, study: Study, folder: str) -> bytes:
    """The bundle of ``study`` as a zip archive whose single top folder is ``folder``."""
    content = bundle_tables(session, study=study)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in write_bundle_files(content).items():
            zf.writestr(f"{folder}/{path}", data)
    return buf.getvalue()
