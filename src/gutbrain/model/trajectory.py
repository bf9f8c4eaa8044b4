"""Simulation results: daily states, quasi-steady quantities and derived mood outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gutbrain.model.exposures import EXPOSURES, PUBLIC_EXPOSURES
from gutbrain.model.parameters import P, Parameters
from gutbrain.model.states import AUX_INFO, STATE_INFO, A, S

__all__ = ["DERIVED", "Trajectory", "derived_outputs"]

DERIVED = ("negative_affect", "positive_affect", "depression_severity", "anxiety_severity")


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def derived_outputs(states: np.ndarray, params: np.ndarray) -> dict[str, np.ndarray]:
    r"""Mood outputs derived from the states (vectorised over people and days).

    * ``negative_affect = 100 expit(eta_NA)`` and ``positive_affect = 100 expit(eta_PA)``
      (0-100 visual-analogue scale);
    * depression severity (0-1) ``= expit(b0 + b_NA (NA - NA0)/10 + b_PA (PA0 - PA)/10)``;
    * anxiety severity (0-1) ``= expit(a0 + a_NA (NA - NA0)/10 + a_G (1 - GABA tone))``.
    """
    p = params[:, None, :]
    na = 100.0 * _expit(states[..., S.eta_na])
    pa = 100.0 * _expit(states[..., S.eta_pa])
    na0 = 100.0 * _expit(p[..., P.eta_na_ref])
    pa0 = 100.0 * _expit(p[..., P.eta_pa_ref])
    dep = _expit(
        p[..., P.depression_intercept]
        + p[..., P.depression_na] * (na - na0) / 10.0
        + p[..., P.depression_pa] * (pa0 - pa) / 10.0
    )
    anx = _expit(
        p[..., P.anxiety_intercept]
        + p[..., P.anxiety_na] * (na - na0) / 10.0
        + p[..., P.anxiety_gabaergic] * (1.0 - states[..., S.gabaergic])
    )
    return {
        "negative_affect": na,
        "positive_affect": pa,
        "depression_severity": dep,
        "anxiety_severity": anx,
    }


@dataclass(frozen=True)
class Trajectory:
    """Daily model output for a batch of people.

    Attributes
    ----------
    states : ndarray (n_people, n_days, N_STATES)
    aux : ndarray (n_people, n_days, N_AUX)
    exposures : ndarray (n_groups, n_days, N_EXPOSURES), the schedules followed
    group : ndarray (n_people,), the schedule index of each person
    params : Parameters
    group_names : tuple of str
    participant : ndarray (n_people,) or None, each row's virtual person (the same id in every
        arm when the same people live several arms); ``None``: the row number
    """

    states: np.ndarray = field(repr=False)
    aux: np.ndarray = field(repr=False)
    exposures: np.ndarray = field(repr=False)
    group: np.ndarray = field(repr=False)
    params: Parameters = field(repr=False)
    group_names: tuple[str, ...] = ("scenario",)
    participant: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_people(self) -> int:
        return int(self.states.shape[0])

    @property
    def n_days(self) -> int:
        return int(self.states.shape[1])

    def __repr__(self) -> str:
        return (
            f"Trajectory(n_people={self.n_people}, n_days={self.n_days}, "
            f"groups={list(self.group_names)})"
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Every quantity available through ``traj[name]``."""
        return tuple(STATE_INFO) + tuple(AUX_INFO) + DERIVED

    def __getitem__(self, name: str) -> np.ndarray:
        """A (n_people, n_days) array of a state, quasi-steady quantity or derived output."""
        if name in STATE_INFO:
            return self.states[..., S[name]]
        if name in AUX_INFO:
            return self.aux[..., A[name]]
        if name in DERIVED:
            return derived_outputs(self.states, self.params.values)[name]
        if name in EXPOSURES:
            from gutbrain.model.exposures import E

            return self.exposures[self.group][..., E[name]]
        raise KeyError(f"unknown output {name!r}; available: {', '.join(self.names)}")

    def quantiles(
        self, name: str, q: tuple[float, ...] = (0.05, 0.5, 0.95), group: int | None = None
    ) -> np.ndarray:
        """Per-day quantiles across people, shape (len(q), n_days)."""
        x = self[name]
        if group is not None:
            x = x[self.group == group]
        return np.quantile(x, q, axis=0)

    def to_frame(self, exposures: str = "public") -> Any:
        """Long format: one row per person-day with every state, quantity and exposure, keyed
        like a bundle's tables by ``participant`` (:attr:`participant`), ``arm`` and ``day``.

        ``exposures`` is ``"public"`` (user-facing inputs), ``"all"`` or ``"none"``.
        """
        import pandas as pd

        n, d = self.n_people, self.n_days
        ids = np.arange(n) if self.participant is None else self.participant
        cols: dict[str, Any] = {
            "participant": np.repeat(ids, d),
            "arm": np.repeat(np.asarray(self.group_names, dtype=object)[self.group], d),
            "day": np.tile(np.arange(d), n),
        }
        derived = derived_outputs(self.states, self.params.values)
        for k, v in derived.items():
            cols[k] = v.ravel()
        for k in STATE_INFO:
            if k not in ("eta_na", "eta_pa"):
                cols[k] = self.states[..., S[k]].ravel()
        for k in AUX_INFO:
            cols[k] = self.aux[..., A[k]].ravel()
        if exposures != "none":
            from gutbrain.model.exposures import E

            names = PUBLIC_EXPOSURES if exposures == "public" else tuple(EXPOSURES)
            ex = self.exposures[self.group]
            for k in names:
                cols[k] = ex[..., E[k]].ravel()
        return pd.DataFrame(cols)
