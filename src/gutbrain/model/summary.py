"""Per-arm daily statistics across people, accumulated chunk by chunk without keeping the
trajectories: what ``gutbrain simulate --summary`` writes and the axis figure plots.

Means and standard deviations are over every person (chunks merged with Chan et al.'s
parallel update, so they agree to rounding whatever the chunking). Quantiles are over the first
:data:`QUANTILE_PEOPLE` people of each arm: exact for smaller runs, and a simple random sample
of the population for larger ones (people are independent draws), which keeps memory bounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gutbrain.errors import ScenarioError
from gutbrain.model.exposures import PUBLIC_EXPOSURES
from gutbrain.model.states import AUX_INFO, STATE_INFO
from gutbrain.model.trajectory import DERIVED, Trajectory, derived_outputs

__all__ = ["QUANTILES", "QUANTILE_PEOPLE", "QUANTITIES", "DailySummary", "check_quantities"]

#: Every name a simulation can output: states, quasi-steady quantities, derived mood outputs
#: and the user-facing exposures.
QUANTITIES: tuple[str, ...] = (
    tuple(DERIVED) + tuple(STATE_INFO) + tuple(AUX_INFO) + PUBLIC_EXPOSURES
)
#: Quantiles written by :meth:`DailySummary.to_frame`.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: People per arm whose values are kept for the quantiles.
QUANTILE_PEOPLE = 1000


def check_quantities(names: Sequence[str], where: str) -> tuple[str, ...]:
    """``names`` without duplicates, or a :class:`ScenarioError` naming the first unknown one
    and listing the valid names."""
    for name in names:
        if name not in QUANTITIES:
            raise ScenarioError(
                f"{where}: unknown state or output {name!r}; valid: {', '.join(QUANTITIES)}"
            )
    if not names:
        raise ScenarioError(f"{where}: name at least one state or output")
    return tuple(dict.fromkeys(names))


def values(traj: Trajectory, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Each named quantity as an (n_people, n_days) array (derived outputs computed once)."""
    derived = (
        derived_outputs(traj.states, traj.params.values) if any(n in DERIVED for n in names) else {}
    )
    return {n: derived[n] if n in derived else np.asarray(traj[n]) for n in names}


class DailySummary:
    """Statistics of ``names`` per group (arm) and day, fed one chunk of people at a time.

    It offers the ``group_names``, ``n_days`` and ``quantiles(name, q, group)`` of a
    :class:`Trajectory`, so the axis figure draws either.
    """

    def __init__(
        self,
        names: Sequence[str],
        group_names: Sequence[str],
        n_days: int,
        quantile_people: int = QUANTILE_PEOPLE,
    ) -> None:
        self.names = tuple(names)
        self.group_names = tuple(group_names)
        self.n_days = n_days
        shape = (len(self.group_names), len(self.names), n_days)
        self._n = np.zeros(len(self.group_names), dtype=np.int64)
        self._mean = np.zeros(shape)
        self._m2 = np.zeros(shape)
        self._cap = quantile_people
        self._kept: list[list[np.ndarray]] = [[] for _ in self.group_names]

    def add(self, traj: Trajectory, group: int) -> None:
        """Add a chunk of people who all belong to ``group``."""
        v = values(traj, self.names)
        x = np.stack([v[n] for n in self.names])  # (names, people, days)
        k, n0 = x.shape[1], int(self._n[group])
        mean = x.mean(axis=1)
        m2 = ((x - mean[:, None]) ** 2).sum(axis=1)
        n = n0 + k
        delta = mean - self._mean[group]
        self._mean[group] += delta * (k / n)
        self._m2[group] += m2 + delta**2 * (n0 * k / n)
        self._n[group] = n
        room = self._cap - min(n0, self._cap)
        if room > 0:
            self._kept[group].append(x[:, :room].copy())

    def _sample(self, name: str, group: int | None) -> np.ndarray:
        j = self.names.index(name)
        groups = range(len(self.group_names)) if group is None else (group,)
        return np.concatenate([p[j] for g in groups for p in self._kept[g]])

    def quantiles(
        self, name: str, q: tuple[float, ...] = (0.05, 0.5, 0.95), group: int | None = None
    ) -> np.ndarray:
        """Per-day quantiles across people, shape (len(q), n_days)."""
        return np.quantile(self._sample(name, group), q, axis=0)

    def to_frame(self, names: Sequence[str] | None = None) -> Any:
        """Long format, one row per arm, day and quantity: ``arm, day, quantity, mean, sd``
        (across people; SD with n - 1, missing for one person) and ``q05 ... q95``."""
        import pandas as pd

        names = self.names if names is None else tuple(names)
        parts = []
        for g, arm in enumerate(self.group_names):
            n = int(self._n[g])
            for name in names:
                j = self.names.index(name)
                cols: dict[str, Any] = {
                    "arm": arm,
                    "day": np.arange(self.n_days),
                    "quantity": name,
                    "mean": self._mean[g, j],
                    "sd": np.sqrt(self._m2[g, j] / (n - 1)) if n > 1 else np.nan,
                }
                qs = self.quantiles(name, QUANTILES, g)
                for p, row in zip(QUANTILES, qs, strict=True):
                    cols[f"q{round(100 * p):02d}"] = row
                parts.append(pd.DataFrame(cols))
        return pd.concat(parts, ignore_index=True)
