"""The participant of a personal-link token, read on every participant request.

Every participant request looks its participant up by the SHA-256 digest of the link token. An
ORM session per look-up (pool checkout, ``BEGIN``, query, ``ROLLBACK``, check-in) and an ORM
object cost about 0.25 ms of CPU, a tenth of a daily submission's CPU budget. On a SQLite file
:class:`ParticipantReader` instead keeps one connection open in autocommit mode for the event
loop and runs one prepared ``SELECT`` per look-up: a single statement is its own read
transaction, so it always sees the newest committed row (WAL readers never wait for the writer),
and nothing is cached between requests. Other databases use a session in the thread pool. The
statements are in :mod:`gutbrain.diary.crud.participants`.
"""

from __future__ import annotations

import threading
from typing import Any

from gutbrain.diary.core.db import Database
from gutbrain.diary.crud.participants import (
    ParticipantSnapshot,
    participant_by_digest,
    participant_by_digest_sqlite,
)

__all__ = ["ParticipantReader"]


class ParticipantReader:
    """Look participants up by token digest.

    Parameters
    ----------
    db
        The database. On a SQLite file the reader holds one pooled connection until
        :meth:`close`.

    Attributes
    ----------
    on_loop
        True when :meth:`get` is cheap enough to call on the event loop (SQLite); otherwise call
        it in the thread pool.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        url = db.url
        self._raw: Any = None
        if db.is_sqlite and url not in ("sqlite://", "sqlite:///:memory:"):
            # A pooled connection: the engine's connect hook has set WAL, busy_timeout and
            # autocommit (isolation_level=None), so each SELECT is its own read transaction.
            self._raw = db.engine.raw_connection()
        self.on_loop = db.is_sqlite
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> ParticipantSnapshot | None:
        """The participant whose link token has SHA-256 hex digest ``token_hash``, or None."""
        if self._raw is None:
            with self._db.session(write=False) as session:
                return participant_by_digest(session, token_hash=token_hash)
        with self._lock:  # one statement at a time on the shared connection
            return participant_by_digest_sqlite(self._raw.driver_connection, token_hash=token_hash)

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
