"""Chunked work in order, in this process or on a Dask cluster: the runner that ``gutbrain
trial`` and ``gutbrain simulate`` share (and that ``power``, ``calibrate`` and ``stratify`` are
to use). It sits outside the layers, like :mod:`gutbrain._outdir`, so any layer may use it.

Each item's result depends on the item and the shared input alone (every command draws its
random numbers from streams fixed by the seed and the person or block), so a run on a cluster
gives the results of a local run, in the same order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from gutbrain.errors import GutbrainError

__all__ = ["run_ordered"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


def run_ordered(
    fn: Callable[[S, T], R],
    shared: S,
    items: Iterable[T],
    *,
    scheduler: Any = None,
    window: int | None = None,
) -> Iterator[R]:
    """Yield ``fn(shared, item)`` for each item, in the items' order.

    Parameters
    ----------
    fn, shared, items
        The work: ``fn`` must be importable by the workers (a module-level function).
    scheduler
        ``None``: one item after another in this process. A ``dask.distributed.Client`` or a
        scheduler address (``tcp://host:8786``): ``shared`` goes to every worker once, and at
        most ``window`` items (default: two per worker thread) are in flight, so the cluster
        holds a bounded number of results however many items there are. A client made from an
        address is closed at the end.

    Raises
    ------
    GutbrainError
        The scheduler cannot be reached.
    """
    if scheduler is None:
        for item in items:
            yield fn(shared, item)
        return
    from dask.distributed import Client

    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError) as exc:
        raise GutbrainError(f"--scheduler {scheduler}: cannot connect ({exc})") from exc
    try:
        [remote] = client.scatter([shared], broadcast=True, hash=False)
        ahead = window or 2 * max(sum(client.nthreads().values()), 1)
        todo = iter(items)
        pending: deque[Any] = deque()
        for item in todo:
            pending.append(client.submit(fn, remote, item, pure=False))
            if len(pending) >= ahead:
                break
        while pending:
            fut = pending.popleft()
            result = fut.result()
            fut.release()
            for item in todo:
                pending.append(client.submit(fn, remote, item, pure=False))
                break
            yield result
    finally:
        if own:
            client.close()
