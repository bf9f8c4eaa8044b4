"""Allocation: permuted-block randomisation to arms and randomised N-of-1 block orders.

Both draw from :class:`numpy.random.Generator` streams derived from the study's secret
allocation seed and the participant's enrolment index (``SeedSequence([seed, index])``), so the
sequence is concealed from researchers, reproducible from the seed, and independent of the order
in which requests arrive.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["nof1_sequence", "parallel_arm"]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def parallel_arm(labels: Sequence[str], *, seed: int, index: int) -> str:
    """Arm of the ``index``-th enrolled participant (0-based) under permuted blocks.

    Blocks hold each arm twice (block size ``2 * len(labels)``), shuffled with a generator keyed
    by the block number, so arms stay balanced within every completed block.
    """
    size = 2 * len(labels)
    block, pos = divmod(index, size)
    order = np.repeat(np.arange(len(labels)), 2)
    _rng(seed, 1, block).shuffle(order)
    return labels[int(order[pos])]


def nof1_sequence(labels: Sequence[str], *, n_pairs: int, seed: int, index: int) -> str:
    """Randomised ABAB-style block order: each pair of blocks holds both phases in random order.

    For two phases ``A``/``B`` and ``n_pairs=2`` this gives one of ``ABAB``, ``ABBA``, ``BAAB``,
    ``BABA``: the counterbalanced design of N-of-1 trials (Kravitz & Duan 2014, AHRQ 13(14)-EHC122).
    With more phases each "pair" is a random permutation of all phases.
    """
    rng = _rng(seed, 2, index)
    parts: list[str] = []
    for _ in range(n_pairs):
        perm = rng.permutation(len(labels))
        parts.extend(labels[int(i)] for i in perm)
    return "".join(parts)
