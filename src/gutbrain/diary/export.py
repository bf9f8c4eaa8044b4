"""Export a study as a study bundle that the analysis reads unchanged.

:func:`study_bundle` reads one study from the database into a :class:`gutbrain.io.StudyBundle`;
:func:`export_zip` writes it with :func:`gutbrain.io.write_bundle` (CSV tables), reads the written
folder back with :func:`gutbrain.io.read_bundle`, the reader the analysis uses, and zips it. An
export that the analysis could not read is therefore never handed out: it fails with the
reader's message (a :class:`~gutbrain.errors.DataError` naming the table, row, column and value).

The bundle holds pseudonymous codes only: no e-mail addresses, tokens or consent texts leave the
database this way. App records that are not part of the bundle contract (prompt log, edit
history, risk flags, withdrawal reasons) go in an ``app/`` folder beside the bundle's files;
bundle readers ignore it.

Columns follow the bundle specification (ARCHITECTURE.md, :data:`gutbrain.io.TABLES`):
``participants`` (participant, arm or sequence, enrolled, withdrawn_day), ``diary``
(participant, day, date, phase for N-of-1 studies, negative_affect, positive_affect, one column
per daily item, submitted_at) and, for studies with visits, ``visits`` (participant, visit, day,
instrument, score, item_1 ...).

A skipped or not-answered item is an empty cell (missing). Entries stored before the diary form
could record "not answered" (an untouched slider then saved 50, see
:attr:`gutbrain.diary.models.Entry.records_unanswered`) are kept as they are; when a study has
any, the ``diary`` table gets the extra column :data:`BEFORE_NOT_ANSWERED` (1 for such an entry,
0 otherwise), declared as ``int`` in ``study.toml``'s ``[columns.diary]``.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from gutbrain.diary.crud.entries import (
    EntryRow,
    entry_rows,
    revision_rows,
    risk_flags_of,
    visit_responses_of,
)
from gutbrain.diary.crud.participants import list_participants
from gutbrain.diary.crud.prompts import prompts_of
from gutbrain.diary.items import ITEM_DTYPES
from gutbrain.diary.models import Participant, Study, VisitResponse
from gutbrain.diary.questionnaires import get_instrument, score
from gutbrain.diary.schedule import phase_for_day
from gutbrain.diary.timeline import first_day, last_day
from gutbrain.errors import DataError
from gutbrain.io import (
    TABLES,
    Arm,
    BundleDataError,
    StudyBundle,
    StudyMeta,
    read_bundle,
    write_bundle,
)
from gutbrain.io.meta import ExtraKind

__all__ = ["BEFORE_NOT_ANSWERED", "app_records", "export_zip", "study_bundle", "study_meta"]

#: Extra diary column: 1 for an entry stored before the form could record "not answered".
BEFORE_NOT_ANSWERED = "before_not_answered_option"

#: The bundle kind declared for an extra diary column, by the item's pandas dtype.
_EXTRA_KIND: dict[str, ExtraKind] = {"float64": "float", "Int64": "int", "str": "text"}


def _bundle_instruments(study: Study) -> tuple[str, ...]:
    """``diary`` and the bundle instruments of the visits, in schedule order (as defined)."""
    names = ["diary"]
    for visit in sorted(study.visits, key=lambda v: (v.day, v.id)):
        for out in get_instrument(visit.instrument).outputs:
            if out not in names:
                names.append(out)
    return tuple(names)


def planned_days(study: Study, participants: Sequence[Participant]) -> tuple[int, int] | None:
    """The study days data can fall on, or None for an open-ended study (no ``duration_days``).

    From the earliest of day ``-run_in_days``, any participant's first diary day (enrolment
    before the study's start comes earlier) and any visit's day, to the later of the last diary
    day and the last day of any visit's window.
    """
    last = last_day(study)
    if last is None:
        return None
    visits = list(study.visits)
    lo = min([-study.run_in_days] + [first_day(p) for p in participants] + [v.day for v in visits])
    hi = max([last] + [v.day + v.window_days - 1 for v in visits])
    return lo, hi


def study_meta(
    study: Study, participants: Sequence[Participant] = (), *, legacy_entries: bool = False
) -> StudyMeta:
    """The bundle's ``study.toml``: only the keys the bundle specification defines.

    Arms of parallel and observational studies become ``[[arms]]``; the phases of an N-of-1
    study become ``[[phases]]`` with ``[nof1] block_days`` (and ``wash_in_days`` when set). The
    app's own settings (window, blinding, number of pairs, items) stay in the app. The kind of
    each daily item that is an extra diary column is declared in ``[columns.diary]``, so a free
    text answer such as ``007`` is read back as text from the CSV export. A study with a planned
    end declares its ``days`` (:func:`planned_days` of ``participants``). With
    ``legacy_entries`` the :data:`BEFORE_NOT_ANSWERED` column is declared too.

    Raises
    ------
    BundleDataError
        If the study cannot be described by a valid ``study.toml`` (e.g. an empty ``day0``).
    """
    groups = tuple(Arm(a.label, a.description) for a in study.arms)
    declared: dict[str, ExtraKind] = {
        item.key: _EXTRA_KIND[ITEM_DTYPES[item.kind]]
        for item in study.items
        if TABLES["diary"].column(item.key) is None
    }
    if legacy_entries:
        declared[BEFORE_NOT_ANSWERED] = "int"
    nof1: dict[str, int] | None = None
    if study.design == "nof1":
        nof1 = {"block_days": int(study.block_days or 1)}
        if study.wash_in_days:
            nof1["wash_in_days"] = int(study.wash_in_days)
    return StudyMeta(
        name=study.name,
        design=study.design,  # type: ignore[arg-type]  # the app stores only bundle designs
        start=study.start,
        day0=study.day0,
        instruments=_bundle_instruments(study),
        arms=() if study.design == "nof1" else groups,
        phases=groups if study.design == "nof1" else (),
        nof1=nof1,
        columns={"diary": declared} if declared else None,
        days=planned_days(study, participants),
    )


def _participants(study: Study, participants: list[Participant]) -> pd.DataFrame:
    group = "sequence" if study.design == "nof1" else "arm"
    return pd.DataFrame(
        {
            "participant": pd.Series([p.code for p in participants], dtype="str"),
            group: pd.Series(
                [p.sequence if group == "sequence" else p.arm for p in participants], dtype="str"
            ),
            "enrolled": pd.Series(
                pd.to_datetime([p.enrolled for p in participants]), dtype="datetime64[us]"
            ),
            "withdrawn_day": pd.Series([p.withdrawn_day for p in participants], dtype="Int64"),
        }
    )


def _diary(
    study: Study, by_id: dict[int, Participant], entries: Sequence[EntryRow]
) -> pd.DataFrame:
    """The diary table from :data:`~gutbrain.diary.crud.entries.EntryRow` rows."""
    people = [by_id[e.participant_id] for e in entries]
    cols: dict[str, pd.Series] = {
        "participant": pd.Series([p.code for p in people], dtype="str"),
        "day": pd.Series([e.day for e in entries], dtype="int64"),
        "date": pd.Series(pd.to_datetime([e.date for e in entries]), dtype="datetime64[us]"),
    }
    if study.design == "nof1":
        cols["phase"] = pd.Series(
            [
                phase_for_day(p.sequence, study.block_days, e.day)
                for p, e in zip(people, entries, strict=True)
            ],
            dtype="str",
        )
    for item in study.items:
        cols[item.key] = pd.Series(
            [e.values.get(item.key) for e in entries], dtype=ITEM_DTYPES[item.kind]
        )
    cols["submitted_at"] = pd.Series(
        pd.to_datetime([e.submitted_at for e in entries], utc=True), dtype="datetime64[us, UTC]"
    )
    if _has_legacy(entries):
        cols[BEFORE_NOT_ANSWERED] = pd.Series(
            [0 if e.records_unanswered else 1 for e in entries], dtype="Int64"
        )
    return pd.DataFrame(cols)


def _has_legacy(entries: Sequence[EntryRow]) -> bool:
    """Whether any entry was stored before the form could record "not answered"."""
    return any(not e.records_unanswered for e in entries)


def _visits(responses: list[VisitResponse], codes: dict[int, str]) -> pd.DataFrame:
    rows = []
    for r in responses:
        inst = get_instrument(r.instrument)
        for name, value in score(inst, r.answers).items():
            row: dict[str, Any] = {
                "participant": codes[r.participant_id],
                "visit": r.visit,
                "day": r.day,
                "instrument": name,
                "score": float(value),
            }
            row.update({f"item_{i}": a for i, a in enumerate(r.answers, 1)})
            rows.append(row)
    base = ["participant", "visit", "day", "instrument", "score"]
    df = pd.DataFrame(rows, columns=base) if not rows else pd.DataFrame(rows)
    out = df.astype(
        {
            "participant": "str",
            "visit": "str",
            "day": "int64",
            "instrument": "str",
            "score": "float64",
        }
    )
    for c in out.columns:
        if c.startswith("item_"):
            out[c] = out[c].astype("Int64")  # PHQ-9 rows have no item_10 ... item_20
    return out


def study_bundle(session: Session, *, study: Study) -> StudyBundle:
    """Read one study from the database into a (not yet validated) study bundle.

    Parameters
    ----------
    session
        An open database session.
    study
        The study to export.

    Returns
    -------
    gutbrain.io.StudyBundle
        ``participants``, ``diary`` and, for studies with visits, ``visits``. Participants who
        were deleted are absent from every table; withdrawn participants keep their data up to
        ``withdrawn_day``.
    """
    participants = list_participants(session, study=study)
    by_id = {p.id: p for p in participants}
    codes = {p.id: p.code for p in participants}
    ids = list(by_id)
    entries = entry_rows(session, participant_ids=ids)
    visits = None
    if study.visits:
        visits = _visits(visit_responses_of(session, participant_ids=ids), codes)
    return StudyBundle(
        study=study_meta(study, participants, legacy_entries=_has_legacy(entries)),
        participants=_participants(study, participants),
        diary=_diary(study, by_id, entries),
        visits=visits,
    )


def _iso(ts: Any) -> str | None:
    return None if ts is None else pd.Timestamp(ts).isoformat()


def app_records(session: Session, *, study: Study) -> dict[str, pd.DataFrame]:
    """The app's own records, outside the bundle contract: ``prompt_log``, ``entry_history``
    (every revision of every entry), ``risk_flags`` and ``withdrawals`` (day, time and reason
    of each withdrawal), by participant code."""
    participants = list_participants(session, study=study)
    codes = {p.id: p.code for p in participants}
    ids = list(codes)
    item_keys = [i.key for i in study.items]
    prompts = prompts_of(session, participant_ids=ids)
    prompt_cols = [
        "scheduled_at",
        "expires_at",
        "opened_at",
        "submitted_at",
        "expired_at",
        "reminder_sent_at",
    ]
    prompt_df = pd.DataFrame(
        [
            {
                "participant": codes[r.participant_id],
                "day": r.day,
                **{c: _iso(getattr(r, c)) for c in prompt_cols},
            }
            for r in prompts
        ],
        columns=["participant", "day", *prompt_cols],
    )
    history = revision_rows(session, participant_ids=ids)
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
    flags = risk_flags_of(session, participant_ids=ids)
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
    withdrawal_cols = ["participant", "withdrawn_day", "withdrawn_at", "reason"]
    withdrawals_df = pd.DataFrame(
        [
            (p.code, p.withdrawn_day, _iso(p.withdrawn_at), p.withdrawn_reason)
            for p in participants
            if p.withdrawn_day is not None
        ],
        columns=withdrawal_cols,
    ).astype({"withdrawn_day": "Int64"})
    return {
        "prompt_log": prompt_df,
        "entry_history": history_df,
        "risk_flags": flags_df,
        "withdrawals": withdrawals_df,
    }


def _panel(bundle: StudyBundle) -> tuple[dict[str, Any], pd.DataFrame]:
    """The panel's modalities (questionnaire and diary summaries) and its participant-visits."""
    if bundle.visits is None or not len(bundle.visits):
        raise DataError(
            f"study {bundle.study.name!r} has no visits; the panel's observations are "
            "participant-visits: export without the panel"
        )
    try:
        from gutbrain.omics.panel import bundle_modalities, panel_obs  # the omics extra

        obs = panel_obs(bundle.visits)
        return bundle_modalities(obs, visits=bundle.visits, diary=bundle.diary), obs
    except ImportError as exc:  # a diary-only install: say so (422), not a server error
        raise DataError(f"the panel export is not available here: {exc}") from None


def export_zip(session: Session, *, study: Study, folder: str, panel: bool = False) -> bytes:
    """The bundle of ``study`` as a zip archive whose single top folder is ``folder``.

    The bundle is validated and written by :func:`gutbrain.io.write_bundle` (CSV tables), then
    read back with :func:`gutbrain.io.read_bundle` before it is zipped, so every export is one
    the analysis reads. The app's records go under ``folder/app/``. ``panel``: also the
    multi-omics panel ``panel.h5mu`` (questionnaire and diary summaries per participant-visit,
    :mod:`gutbrain.omics.panel`; needs the ``omics`` extra), named in ``study.toml``.

    Raises
    ------
    DataError
        If the study's data do not make a valid bundle; the message names the table (as
        ``<folder>/<table>.csv``), row, column and value.
    """
    bundle = study_bundle(session, study=study)
    made = _panel(bundle) if panel else None
    if made is not None:
        bundle = dataclasses.replace(
            bundle, study=dataclasses.replace(bundle.study, panel="panel.h5mu")
        )
    extras = app_records(session, study=study)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="gutbrain-export-") as tmp:
        root = Path(tmp) / folder
        try:
            write_bundle(bundle, root, format="csv")
            if made is not None:
                from gutbrain.omics.panel import write_panel

                write_panel(*made, root)
            read_bundle(root)
        except BundleDataError as exc:
            # Name files relative to the bundle folder, not the server's temporary directory.
            raise DataError(
                f"the export is not a valid study bundle: {str(exc).replace(tmp + '/', '')}"
            ) from exc
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    zf.write(path, f"{folder}/{path.relative_to(root).as_posix()}")
            for name, df in extras.items():
                zf.writestr(f"{folder}/app/{name}.csv", df.to_csv(index=False, na_rep=""))
    return buf.getvalue()
