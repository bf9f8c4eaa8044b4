"""The shared chunk runner: results in order, locally and on Dask, with bounded work in flight."""

import threading

import pytest

from gutbrain._runner import run_ordered

_STARTED: list[int] = []
_LOCK = threading.Lock()


def _square(offset: int, item: int) -> int:
    with _LOCK:
        _STARTED.append(item)
    return offset + item * item


def test_local_run_is_in_order_and_lazy():
    _STARTED.clear()
    runs = run_ordered(_square, 1, range(5))
    assert next(runs) == 1 and _STARTED == [0]  # nothing runs ahead of the consumer
    assert list(runs) == [2, 5, 10, 17]


def test_dask_run_is_in_order_with_a_bounded_window():
    distributed = pytest.importorskip("dask.distributed")
    _STARTED.clear()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = []
        for k, result in enumerate(run_ordered(_square, 1, range(12), scheduler=client, window=3)):
            got.append(result)
            with _LOCK:
                # result k is in hand and the window (3) refilled: items 0 .. k + 3 at most
                assert len(_STARTED) <= k + 4
    assert got == [1 + i * i for i in range(12)]
