"""Crash test: SIGKILL the server during concurrent submissions; nothing acknowledged is lost.

The server runs as ``gutbrain serve`` on a SQLite file (WAL, synchronous=FULL) in a subprocess on
127.0.0.1. Concurrent clients submit daily entries, each with a unique ``client_id``, and record
every submission answered 200. Mid-way the server gets SIGKILL (no shutdown, no flush). After a
restart, every acknowledged submission must be in the database with the acknowledged revision
and values; entries stay unique per participant-day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import uuid

import pytest
from diary_load import RawClient, seed_study, submission_request
from sqlalchemy import func, select

from gutbrain.diary.core.db import Database
from gutbrain.diary.models import Entry, EntryRevision

from .server_proc import free_port, start_server

pytestmark = pytest.mark.slow

N_PARTICIPANTS = 30
CONCURRENCY = 24
KILL_AFTER_ACKS = 300
SECRET = "crash-test-secret"


async def _hammer(port, tokens, acked, attempted, killed: asyncio.Event):
    counter = 0

    async def worker(w: int):
        nonlocal counter
        client = RawClient("127.0.0.1", port)
        while not killed.is_set():
            counter += 1
            token = tokens[(w + counter) % len(tokens)]
            cid = uuid.uuid4().hex
            na, pa = counter % 101, (counter * 7) % 101
            req = submission_request(token, SECRET, na=na, pa=pa, client_id=cid, host="127.0.0.1")
            attempted.add(cid)
            try:
                status, body = await asyncio.wait_for(client.send(req), timeout=10)
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                client.close()
                return  # the server is gone
            if status == 200:
                ack = json.loads(body)
                acked[cid] = (
                    ack["revision"],
                    ack["values"]["negative_affect"],
                    ack["values"]["positive_affect"],
                )
        client.close()

    await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))


def test_sigkill_loses_no_acknowledged_submission(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    tokens = seed_study(url, n=N_PARTICIPANTS, today=dt.datetime.now(dt.UTC).date())
    port = free_port()
    log = tmp_path / "server.log"
    proc = start_server(url, port, SECRET, log)
    acked: dict[str, tuple[int, int, int]] = {}
    attempted: set[str] = set()

    async def scenario():
        killed = asyncio.Event()
        load = asyncio.create_task(_hammer(port, tokens, acked, attempted, killed))
        while len(acked) < KILL_AFTER_ACKS and not load.done():
            await asyncio.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)  # mid-flight: requests are queued and committing
        killed.set()
        await asyncio.wait_for(load, timeout=30)

    try:
        asyncio.run(scenario())
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert len(acked) >= KILL_AFTER_ACKS, log.read_text()[-2000:]
        assert len(attempted) > len(acked)  # some were in flight when the server died
        proc = start_server(url, port, SECRET, log)  # restart: recovery from the WAL
    finally:
        proc.kill()
        proc.wait()

    db = Database(url)
    try:
        with db.session(write=False) as s:
            stored = {
                cid: (rev, vals["negative_affect"], vals["positive_affect"])
                for cid, rev, vals in s.execute(
                    select(EntryRevision.client_id, EntryRevision.revision, EntryRevision.values)
                )
            }
            n_entries = s.scalar(select(func.count()).select_from(Entry))
            n_days = s.scalar(
                select(func.count()).select_from(
                    select(Entry.participant_id, Entry.day).distinct().subquery()
                )
            )
    finally:
        db.dispose()
    lost = {cid: v for cid, v in acked.items() if stored.get(cid) != v}
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged submissions lost or changed"
    assert n_entries == n_days  # one entry per participant-day
    print(
        f"\ncrash test: {len(acked)} acknowledged, {len(attempted)} attempted, "
        f"{len(stored)} stored, 0 acknowledged lost"
    )
