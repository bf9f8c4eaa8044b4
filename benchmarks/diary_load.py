"""Seeding and load generation against a running diary server, for ``bench_diary.py`` and the
diary's crash test (``tests/diary/test_crash.py``, which finds this folder on pytest's
``pythonpath``).

:func:`seed_study` fills a database with one consented N-of-1 study of ``n`` participants and
returns their link tokens; :func:`submission_request` builds the raw HTTP request of one daily
submission, as the participant's browser would send it (cookie + CSRF token); and
:class:`RawClient` is a minimal keep-alive HTTP/1.1 client on asyncio, so that the load generator
spends as little CPU as possible on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from gutbrain.diary.core.db import Database, migrate
from gutbrain.diary.core.security import csrf_token, hash_token
from gutbrain.diary.crud.participants import enrol_participant, record_consent
from gutbrain.diary.crud.researchers import create_researcher
from gutbrain.diary.crud.studies import create_study
from gutbrain.diary.schemas import parse_study

__all__ = ["RawClient", "seed_study", "submission_request"]


def seed_study(url: str, *, n: int, today: dt.date) -> list[str]:
    """Create an owner, an open-window N-of-1 study and ``n`` consented participants."""
    db = Database(url)
    try:
        migrate(db.engine)
        with db.session() as s, s.begin():
            owner = create_researcher(s, email="load@example.org", password="load test password")
            study = create_study(
                s,
                owner=owner,
                spec=parse_study(
                    {
                        "name": "load",
                        "design": "nof1",
                        "start": today,
                        "consent_text": "ok",
                        "arms": [{"label": "A"}, {"label": "B"}],
                        "block_days": 7,
                        "n_pairs": 2,
                    }
                ),
            )
            tokens = []
            now = dt.datetime.now(dt.UTC)
            for _ in range(n):
                p, token = enrol_participant(s, study=study, today=today)
                record_consent(s, participant_id=p.id, now=now)
                tokens.append(token)
        return tokens
    finally:
        db.dispose()


def submission_request(
    token: str, secret_key: str, *, na: int, pa: int, client_id: str, host: str
) -> bytes:
    """The bytes of one ``POST /diary/entry`` for the participant with ``token``."""
    body = urlencode(
        {
            "csrf": csrf_token(secret_key, hash_token(token)),
            "client_id": client_id,
            "a_negative_affect": str(na),
            "a_positive_affect": str(pa),
        }
    ).encode()
    head = (
        f"POST /diary/entry HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
        f"Cookie: gb_p={token}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


@dataclass
class RawClient:
    """One keep-alive connection; :meth:`send` returns (status, body)."""

    host: str
    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            await self.connect()
        assert self.writer is not None and self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
