r"""Per-person random streams, made in bulk.

Candidate ``k`` of a sampling run with root seed ``s`` draws from
``SeedSequence(s, spawn_key=(k,))``, and its sub-stream ``j`` (traits, model noise, screening,
...) from ``SeedSequence(s, spawn_key=(k, j))``. Building one ``SeedSequence`` and one
``Generator`` per person in Python took about 80 microseconds each, an eighth of a trial's time
at 4,096 people. :func:`stream_generators` hashes every person's key at once, vectorised over
people with NumPy's own ``SeedSequence`` algorithm (O'Neill's seed_seq hash, 32-bit words:
``numpy/random/bit_generator.pyx``), and seeds each ``PCG64`` from the precomputed words, so the
generators give exactly the numbers of ``np.random.default_rng(SeedSequence(s, spawn_key=(k,
j)))``. Each call checks its first person against NumPy's ``SeedSequence`` and falls back to
building every stream one by one if they ever differ (or a key does not fit in 32 bits).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

__all__ = ["person_streams", "stream_generators"]

# numpy/random/bit_generator.pyx: the hash and mixing constants of SeedSequence.
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = np.uint32(16)
_POOL_SIZE = 4
_WORD = 0xFFFFFFFF
_STATE_WORDS = 8  # PCG64 reads four uint64 words: two of seed, two of increment


def _entropy(seed: int | Sequence[int]) -> int | list[int]:
    return int(seed) if isinstance(seed, (int, np.integer)) else [int(x) for x in seed]


def _words(value: int | list[int]) -> list[int]:
    """``value`` as NumPy coerces entropy: each int's 32-bit words, least significant first."""
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    if value < 0:
        raise ValueError(f"seed {value!r}: expected a non-negative integer")
    out = [value & _WORD]
    value >>= 32
    while value:
        out.append(value & _WORD)
        value >>= 32
    return out


class _Hash:
    """The running hash constant of one ``SeedSequence`` phase, shared by all people."""

    def __init__(self, init: int, mult: int) -> None:
        self.const, self.mult = init, mult

    def next(self, value: np.ndarray) -> np.ndarray:
        value = value ^ np.uint32(self.const)
        self.const = self.const * self.mult & _WORD
        value = value * np.uint32(self.const)
        return value ^ np.right_shift(value, _XSHIFT)


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
    return r ^ np.right_shift(r, _XSHIFT)


def _state_words(run: list[int], keys: np.ndarray) -> np.ndarray:
    """``SeedSequence(run, spawn_key=key).generate_state(4, uint64)`` for each row of ``keys``
    (uint32 words), as an ``(n, 4)`` uint64 array."""
    n = keys.shape[0]
    if keys.shape[1] and len(run) < _POOL_SIZE:
        run = run + [0] * (_POOL_SIZE - len(run))
    cols = [np.full(n, w, dtype=np.uint32) for w in run] + list(keys.T.astype(np.uint32))
    zero = np.zeros(n, dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = _Hash(_INIT_A, _MULT_A)
        pool = [h.next(cols[i] if i < len(cols) else zero) for i in range(_POOL_SIZE)]
        for src in range(_POOL_SIZE):
            for dst in range(_POOL_SIZE):
                if src != dst:
                    pool[dst] = _mix(pool[dst], h.next(pool[src]))
        for src in range(_POOL_SIZE, len(cols)):
            for dst in range(_POOL_SIZE):
                pool[dst] = _mix(pool[dst], h.next(cols[src]))
        g = _Hash(_INIT_B, _MULT_B)
        out = np.empty((n, _STATE_WORDS), dtype=np.uint32)
        for i in range(_STATE_WORDS):
            out[:, i] = g.next(pool[i % _POOL_SIZE])
    return out.astype("<u4").view("<u8").astype(np.uint64)


class _Seeded(ISpawnableSeedSequence):
    """``SeedSequence(entropy, spawn_key=spawn_key)`` with its PCG64 seed words computed in
    bulk (``state``); other requests and spawned children go through a real ``SeedSequence``,
    and children get the keys ``SeedSequence.spawn`` gives them."""

    def __init__(
        self, entropy: Any, spawn_key: tuple[int, ...], state: np.ndarray | None = None
    ) -> None:
        self.entropy, self.spawn_key, self._state = entropy, spawn_key, state
        self.n_children_spawned = 0

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if self._state is not None and n_words == 4 and np.dtype(dtype) == np.uint64:
            return self._state.copy()
        seq = np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key)
        return seq.generate_state(n_words, dtype)

    def spawn(self, n_children: int) -> list[_Seeded]:
        first = self.n_children_spawned
        self.n_children_spawned += n_children
        return [_Seeded(self.entropy, (*self.spawn_key, first + i)) for i in range(n_children)]


def person_streams(
    seed: int | Sequence[int], candidates: np.ndarray
) -> list[np.random.SeedSequence]:
    """Each candidate's own SeedSequence: ``SeedSequence(seed, spawn_key=(k,))``."""
    entropy = _entropy(seed)
    return [np.random.SeedSequence(entropy, spawn_key=(int(k),)) for k in candidates]


def stream_generators(
    seed: int | Sequence[int], candidates: np.ndarray, stream: int
) -> list[np.random.Generator]:
    """One Generator per candidate on its sub-stream ``stream`` (e.g. ``STREAM_MODEL``).

    The same stream as ``person_streams(seed, [k])[0].spawn(stream + 1)[stream]``: a spawned
    child's key is its parent's key plus its index, so it is
    ``default_rng(SeedSequence(seed, spawn_key=(k, stream)))``, made for all candidates at once
    (see the module docstring).
    """
    entropy = _entropy(seed)
    stream = int(stream)
    idx = np.asarray(candidates, dtype=np.int64).reshape(-1)
    keys = np.column_stack([idx, np.full(len(idx), stream, dtype=np.int64)])
    if len(idx) == 0:
        return []
    if keys.min() < 0 or keys.max() > _WORD:
        return _one_by_one(entropy, keys)
    state = _state_words(_words(entropy), keys)
    first = np.random.SeedSequence(entropy, spawn_key=tuple(int(x) for x in keys[0]))
    if not np.array_equal(first.generate_state(4, np.uint64), state[0]):
        return _one_by_one(entropy, keys)
    # NumPy's bit generators take any ISeedSequence (its documented interface for seeding);
    # the type stubs name only SeedSequence.
    return [
        np.random.Generator(
            np.random.PCG64(cast(np.random.SeedSequence, _Seeded(entropy, (int(k), stream), w)))
        )
        for w, k in zip(state, idx, strict=True)
    ]


def _one_by_one(entropy: int | list[int], keys: np.ndarray) -> list[np.random.Generator]:
    return [
        np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=tuple(map(int, key))))
        for key in keys
    ]
