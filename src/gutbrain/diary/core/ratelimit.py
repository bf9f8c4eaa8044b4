"""Rate limits kept in memory (one server process), following OWASP's authentication guidance.

- :class:`RateLimiter`, a sliding window: failed log-ins per client (20 in 10 minutes by default,
  across all accounts, so one client cannot spray a password over many accounts) and unknown
  personal links per client.
- :class:`Backoff`, growing delays per account: after ``free`` failures each further attempt
  waits ``first_s``, then twice as long, and so on up to ``max_s``. A delay, unlike a lock-out,
  lets the owner in again soon, and a device the owner logged in from before skips it
  (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"; see
  :mod:`gutbrain.diary.api.routes.auth`).

Several server processes would each keep their own counts; the limits then apply per process,
which still bounds guessing.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["Backoff", "RateLimiter"]

#: Most keys kept before the oldest half is dropped (bounds memory under a flood of keys).
MAX_KEYS = 100_000


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

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may act again: 0 while it has allowance left."""
        with self._lock:
            now = self._clock()
            q = self._trim(key, now)
            if not q:
                self._events.pop(key, None)
            if len(q) < self.limit:
                return 0.0
            return q[len(q) - self.limit] + self.window_s - now

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used up its allowance."""
        return self.retry_after(key) > 0

    def hit(self, key: str) -> None:
        """Record one event (a failure) for ``key``."""
        with self._lock:
            now = self._clock()
            self._trim(key, now).append(now)
            _bound(self._events)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


class Backoff:
    """Growing delays after repeated failures of one key (an account, a device).

    After ``free`` consecutive failures the next attempt must wait ``first_s`` seconds after the
    last failure; every further failure doubles the wait, up to ``max_s``. A success (:meth:`reset`)
    clears the count; so does ``forget_s`` seconds without a failure.
    """

    def __init__(
        self,
        free: int,
        first_s: float,
        max_s: float,
        forget_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.first_s = first_s
        self.max_s = max_s
        self.forget_s = forget_s
        self._clock = clock
        self._state: dict[str, tuple[int, float]] = {}  # key -> (failures, time of the last)
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` consecutive failures."""
        if failures < self.free:
            return 0.0
        return min(self.max_s, self.first_s * 2.0 ** (failures - self.free))

    def _current(self, key: str, now: float) -> tuple[int, float]:
        failures, last = self._state.get(key, (0, -math.inf))
        if now - last >= self.forget_s:
            self._state.pop(key, None)
            return 0, -math.inf
        return failures, last

    def retry_after(self, key: str) -> float:
        """Seconds ``key`` must still wait before its next attempt (0: it may try now)."""
        with self._lock:
            now = self._clock()
            failures, last = self._current(key, now)
            return max(0.0, last + self.delay(failures) - now)

    def fail(self, key: str) -> None:
        """Record a failure of ``key``."""
        with self._lock:
            now = self._clock()
            failures, _last = self._current(key, now)
            self._state[key] = (failures + 1, now)
            _bound(self._state)

    def reset(self, key: str) -> None:
        """Forget ``key``'s failures (after a success)."""
        with self._lock:
            self._state.pop(key, None)


def _bound(table: dict[str, Any]) -> None:
    if len(table) > MAX_KEYS:
        for k in list(table)[: MAX_KEYS // 2]:
            del table[k]
