"""Per-person streams made in bulk are NumPy's own SeedSequence streams, number for number."""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.population.streams import stream_generators


@pytest.mark.parametrize("seed", [0, 7, [1, 0], [2025, 0], [2**40 + 5, 0], [1, 2, 3, 4, 5, 6]])
def test_bulk_streams_equal_seed_sequence_streams(seed) -> None:
    # one-word, multi-word and long seeds (the pool is padded, or longer than 4 words)
    idx = np.array([0, 1, 5, 1000, 123_456, 2**32 - 1])
    for stream in (0, 3):
        for k, gen in zip(idx, stream_generators(seed, idx, stream), strict=True):
            ref = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(k), stream)))
            np.testing.assert_array_equal(gen.standard_normal(9), ref.standard_normal(9))
            np.testing.assert_array_equal(gen.integers(0, 7, 5), ref.integers(0, 7, 5))


def test_a_bulk_stream_spawns_like_its_seed_sequence() -> None:
    [gen] = stream_generators([3, 0], np.array([11]), 2)
    ref = np.random.SeedSequence([3, 0], spawn_key=(11, 2))
    assert [c.spawn_key for c in gen.bit_generator.seed_seq.spawn(2)] == [
        c.spawn_key for c in ref.spawn(2)
    ]
    got = gen.bit_generator.seed_seq.generate_state(3)
    np.testing.assert_array_equal(got, ref.generate_state(3))


def test_keys_beyond_32_bits_take_the_one_by_one_path() -> None:
    idx = np.array([2**32, 2**33 + 1])
    for k, gen in zip(idx, stream_generators([5, 0], idx, 1), strict=True):
        ref = np.random.default_rng(np.random.SeedSequence([5, 0], spawn_key=(int(k), 1)))
        np.testing.assert_array_equal(gen.random(4), ref.random(4))
    assert stream_generators([5, 0], np.array([], dtype=np.int64), 1) == []
