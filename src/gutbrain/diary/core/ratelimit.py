"""A sliding-window rate limiter kept in memory (one server process).

Used for failed logins and unknown personal-link tokens. Several server processes would each
keep their own counts; the limits then apply per process, which still bounds guessing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allow at most ``limit`` events per key within ``window_s`` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._events.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used up its allowance."""
        with self._lock:
            q = self._trim(key, self._clock())
            if not q:
                self._events.pop(key, None)
            return len(q) >= self.limit

    def hit(self, key: str) -> None:
        """Record one event (a failure) for ``key``."""
        with self._lock:
            self._trim(key, self._clock()).append(self._clock())
            if len(self._events) > 100_000:  # bound memory under a flood of distinct keys
                for k in list(self._events)[:50_000]:
                    del self._events[k]

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
