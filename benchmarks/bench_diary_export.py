"""Cost of the diary's bundle export, step by step, on a large study.

Fills a fresh SQLite file with one N-of-1 study of ``--participants`` people who answered every
day for ``--days`` days (negative and positive affect, stool form, adherence, sleep hours and a
free-text note), then times, in the same run: reading the study from the database into a
``StudyBundle``, ``gutbrain.io.write_bundle`` (validation and CSV), the read-back with
``gutbrain.io.read_bundle`` that every export does, and the whole ``export_zip``. The ratio of
the read-back to the whole export is what the guarantee "every export is read back by the
analysis' reader" costs.

Usage: python benchmarks/bench_diary_export.py [--participants 200] [--days 365]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from gutbrain.diary.core.db import Database, migrate
from gutbrain.diary.crud.researchers import create_researcher
from gutbrain.diary.crud.studies import create_study
from gutbrain.diary.export import export_zip, study_bundle
from gutbrain.diary.models import Entry, Participant, Study
from gutbrain.diary.studytoml import study_from_toml
from gutbrain.io import read_bundle, write_bundle

TOML = """
name = "Export benchmark"
design = "nof1"
start = 2026-01-05
day0 = "first intervention day"
consent = "I agree."
[[phases]]
label = "A"
[[phases]]
label = "B"
[nof1]
block_days = 14
pairs = 2
[[diary.items]]
key = "stool_form"
kind = "bristol"
label = "Stool form?"
[[diary.items]]
key = "adherence"
kind = "yesno"
label = "Dose taken?"
[[diary.items]]
key = "sleep_hours"
kind = "number"
label = "Hours slept?"
min = 0
max = 24
[[diary.items]]
key = "notes"
kind = "text"
label = "Anything else?"
"""


def _fill(db: Database, n: int, days: int) -> int:
    start = dt.date(2026, 1, 5)
    with db.session() as s, s.begin():
        owner = create_researcher(s, email="bench@example.org", password="bench-password")
        study = create_study(s, owner=owner, spec=study_from_toml(TOML))
        s.execute(
            insert(Participant),
            [
                {
                    "study_id": study.id,
                    "code": f"P{i:04d}",
                    "token_hash": f"{i:064x}",
                    "sequence": "ABBA" if i % 2 else "BAAB",
                    "enrolled": start,
                    "day0_date": start,
                }
                for i in range(n)
            ],
        )
        ids = list(s.scalars(select(Participant.id).where(Participant.study_id == study.id)))
        at = dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC)
        rows = [
            {
                "participant_id": pid,
                "day": day,
                "date": start + dt.timedelta(days=day),
                "values": {
                    "negative_affect": (pid * 7 + day) % 101,
                    "positive_affect": (pid * 3 + day) % 101,
                    "stool_form": 1 + (pid + day) % 7,
                    "adherence": (pid + day) % 2,
                    "sleep_hours": 4 + ((pid + day) % 9) * 0.5,
                    "notes": "tired, slept badly" if day % 10 == 0 else None,
                },
                "revision": 1,
                "first_submitted_at": at + dt.timedelta(days=day),
                "submitted_at": at + dt.timedelta(days=day),
            }
            for pid in ids
            for day in range(days)
        ]
        for i in range(0, len(rows), 20_000):
            s.execute(insert(Entry), rows[i : i + 20_000])
        return study.id


def _time(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate(db.engine)
        sid = _fill(db, args.participants, args.days)
        n_rows = args.participants * args.days
        with db.session(write=False) as s:
            study = s.get(Study, sid)
            assert study is not None
            bundle = study_bundle(s, study=study)
            t_build = _time(lambda: study_bundle(s, study=study))
            out = Path(tmp) / "bundle"
            t_write = _time(lambda: write_bundle(bundle, out, format="csv", overwrite=True))
            t_read = _time(lambda: read_bundle(out))
            size = 0

            def whole() -> None:
                nonlocal size
                size = len(export_zip(s, study=study, folder="bench"))

            t_export = _time(whole)
        db.dispose()
    print(f"diary rows: {n_rows} ({args.participants} participants x {args.days} days)")
    for name, t in (
        ("database -> StudyBundle", t_build),
        ("write_bundle (validate + CSV)", t_write),
        ("read_bundle (read-back)", t_read),
        ("export_zip (all, incl. app/ and zip)", t_export),
    ):
        print(f"  {name:<38} {t:7.3f} s  {n_rows / t:10.0f} rows/s")
    print(f"  zip size {size / 1e6:.1f} MB; read-back share of the export: {t_read / t_export:.0%}")


if __name__ == "__main__":
    main()
