"""A pyabc sampler whose results depend on the seed alone, not on how the work is spread.

pyabc's own parallel samplers draw each worker's random numbers from the operating system, so a
run cannot be repeated. :class:`OrderedSampler` numbers the proposals of each generation
``0, 1, 2, ...``, seeds numpy's global generator for proposal ``i`` of generation ``t`` from
``(seed, t, i)`` just before pyabc's ``simulate_one`` draws, simulates and accepts it, and keeps
the proposals in number order up to the ``n``-th acceptance. The population is therefore the same
in this process, in local worker processes and on a Dask cluster, and a run resumed from its
checkpoint repeats what the uninterrupted run would have done.

Proposals are evaluated in batches (chunks of a few per task); proposals evaluated past the
``n``-th acceptance are discarded and counted in :attr:`OrderedSampler.evaluated` only.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

__all__ = ["OrderedSampler", "evaluate_chunk"]

#: Proposals per task: enough to amortise unpickling ``simulate_one`` in a worker.
CHUNK = 8
# numpy's global generator is one per process: threads of one Dask worker take turns with it
_GLOBAL_RNG = threading.Lock()


def _seed(seed: int, t: int, i: int) -> int:
    """The legacy-numpy seed of proposal ``i`` in generation ``t`` (``t = -1``: calibration)."""
    return int(np.random.SeedSequence([seed, t + 1, i]).generate_state(1)[0])


def evaluate_chunk(
    simulate_one: bytes | Callable[[], Any], chunk: tuple[int, int, int, int]
) -> list[Any]:
    """Run pyabc's ``simulate_one`` (or its cloudpickle) for proposals ``start .. stop - 1``.

    ``chunk`` is ``(seed, t, start, stop)``. Module-level so worker processes and Dask workers can
    import it.
    """
    seed, t, start, stop = chunk
    run = cloudpickle.loads(simulate_one) if isinstance(simulate_one, bytes) else simulate_one
    out = []
    for i in range(start, stop):
        with _GLOBAL_RNG:
            np.random.seed(_seed(seed, t, i))  # noqa: NPY002 (pyabc draws from the global one)
            out.append(run())
    return out


class OrderedSampler(Sampler):
    """Evaluate numbered, individually seeded proposals; keep them in order up to ``n`` accepted.

    Parameters
    ----------
    seed
        The run's seed.
    workers
        Local worker count when ``executor`` and ``client`` are ``None``; 1 evaluates in this
        process.
    executor
        A ``concurrent.futures`` executor (local processes), or ``None``.
    client
        A ``dask.distributed.Client``, or ``None``; work goes through
        :func:`gutbrain._runner.run_ordered`.
    on_proposals
        Called as ``on_proposals(t, accepted, n)`` after each batch (progress).
    """

    def __init__(
        self,
        seed: int,
        *,
        workers: int = 1,
        executor: Executor | None = None,
        client: Any = None,
        on_proposals: Callable[[int, int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.workers = max(1, workers)
        self.executor = executor
        self.client = client
        self.on_proposals = on_proposals
        #: Every simulation run, discarded look-ahead included (the compute actually spent).
        self.evaluated = 0

    def run(self, fn: Callable[[], Any], t: int, count: int) -> list[Any]:
        """``fn()`` for proposals ``0 .. count - 1`` of generation ``t``, each seeded as above."""
        chunks = [(self.seed, t, s, min(s + CHUNK, count)) for s in range(0, count, CHUNK)]
        out = [x for chunk in self._map(fn, chunks) for x in chunk]
        self.evaluated += len(out)
        return out

    def _map(
        self, fn: Callable[[], Any], chunks: Sequence[tuple[int, int, int, int]]
    ) -> Iterator[Any]:
        """Each chunk's results, in order: on Dask, in worker processes, or here."""
        if self.client is None and self.executor is None:
            for chunk in chunks:
                yield evaluate_chunk(fn, chunk)
            return
        blob = cloudpickle.dumps(fn)  # pyabc's closures need cloudpickle
        if self.client is not None:
            from gutbrain._runner import run_ordered

            yield from run_ordered(evaluate_chunk, blob, chunks, scheduler=self.client)
        else:
            assert self.executor is not None
            yield from self.executor.map(evaluate_chunk, [blob] * len(chunks), chunks)

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,  # pyabc's interface; unused
        ana_vars: Any = None,
    ) -> Any:
        """A sample with exactly ``n`` accepted particles (pyabc's contract)."""
        sample = self._create_empty_sample()
        accepted = kept = 0
        rate = 0.5  # first guess of the acceptance rate; only sets the batch size
        while accepted < n and kept < max_eval:
            want = math.ceil((n - accepted) / max(rate, 0.02))
            size = max(self.workers * CHUNK, min(want, 50 * n))
            chunks = [
                (self.seed, t, kept + s, kept + min(s + CHUNK, size)) for s in range(0, size, CHUNK)
            ]
            done = False
            for particles in self._map(simulate_one, chunks):
                self.evaluated += len(particles)
                for particle in particles:
                    if done:
                        break
                    sample.append(particle)
                    kept += 1
                    accepted += bool(particle.accepted)
                    done = accepted >= n or kept >= max_eval
            rate = max(accepted, 1) / kept
            if self.on_proposals is not None:
                self.on_proposals(t, accepted, n)
        self.nr_evaluations_ = kept
        if accepted < n:
            sample.ok = False
        return sample
