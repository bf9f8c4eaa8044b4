"""The participant look-up of the hot path: raw SQLite rows convert exactly as the ORM types do,
and every look-up sees the newest committed row (nothing is cached between requests)."""

from __future__ import annotations

import datetime as dt

from diary_load import seed_study
from sqlalchemy import update

from gutbrain.diary.core.db import Database
from gutbrain.diary.core.security import hash_token
from gutbrain.diary.core.tokenlookup import ParticipantReader
from gutbrain.diary.crud.participants import participant_by_digest
from gutbrain.diary.models import Participant


def test_raw_sqlite_rows_match_the_orm_types(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    tokens = seed_study(url, n=3, today=dt.date(2026, 3, 2))
    db = Database(url)
    reader = ParticipantReader(db)
    try:
        digests = [hash_token(t) for t in tokens]
        with db.session() as s, s.begin():
            # a variety of values: no consent, withdrawn, flagged, an arm label
            s.execute(
                update(Participant)
                .where(Participant.token_hash == digests[1])
                .values(consented_at=None, withdrawn_day=4, flagged=True, arm="A")
            )
        for digest in digests:
            with db.session(write=False) as s:
                expected = participant_by_digest(s, token_hash=digest)
            got = reader.get(digest)
            assert got == expected
            assert got is not None
            assert got.consented_at is None or got.consented_at.tzinfo == dt.UTC
        assert reader.get(digests[1]).withdrawn_day == 4  # type: ignore[union-attr]
        assert reader.get(hash_token("not a token")) is None
    finally:
        reader.close()
        db.dispose()


def test_each_lookup_sees_the_latest_commit(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    (token,) = seed_study(url, n=1, today=dt.date(2026, 3, 2))
    digest = hash_token(token)
    db = Database(url)
    reader = ParticipantReader(db)
    try:
        assert reader.on_loop
        before = reader.get(digest)
        assert before is not None and before.withdrawn_day is None
        with db.session() as s, s.begin():
            s.execute(update(Participant).values(withdrawn_day=2))
        after = reader.get(digest)
        assert after is not None and after.withdrawn_day == 2
        with db.session() as s, s.begin():
            s.execute(update(Participant).values(token_hash="0" * 64))
        assert reader.get(digest) is None  # the old digest is gone at once
    finally:
        reader.close()
        db.dispose()
