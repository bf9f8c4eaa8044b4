"""Daily exposure schedules: an immutable builder over a (days, N_EXPOSURES) array.

Example
-------
>>> from gutbrain.model.schedule import Schedule
>>> s = (Schedule.constant(56)
...      .set("stress", 0.6, start=0, end=28)
...      .with_probiotic("ecologic_barrier", cfu_per_day=5e9, start=0, end=28))
>>> s.days
56
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gutbrain.errors import ScenarioError
from gutbrain.model.catalogues import MECHANISMS, antibiotics, donors, lookup, strains
from gutbrain.model.exposures import EXPOSURES, N_EXPOSURES, PUBLIC_EXPOSURES, E
from gutbrain.model.states import GUILDS

__all__ = ["Schedule"]

_DEFAULTS = np.array([x.default for x in EXPOSURES.values()], dtype=np.float64)


def _check_public(name: str, value: float, where: str) -> None:
    if name not in EXPOSURES or not EXPOSURES[name].public:
        raise ScenarioError(
            f"{where}: unknown exposure {name!r}; known: {', '.join(PUBLIC_EXPOSURES)}"
        )
    info = EXPOSURES[name]
    if not np.isfinite(value) or value < info.lower or value > info.upper:
        kind = "negative dose" if value < 0 else "value"
        raise ScenarioError(
            f"{where}: {kind} {name} = {value:g} is outside [{info.lower:g}, {info.upper:g}] "
            f"{info.unit}"
        )


@dataclass(frozen=True)
class Schedule:
    """A daily schedule of every exposure channel; day ``d`` applies over ``[d, d + 1)``."""

    values: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        v = np.array(self.values, dtype=np.float64)
        if v.ndim != 2 or v.shape[1] != N_EXPOSURES or v.shape[0] < 1:
            raise ScenarioError(
                f"schedule array has shape {v.shape}; expected (days, {N_EXPOSURES})"
            )
        v.flags.writeable = False
        object.__setattr__(self, "values", v)

    @classmethod
    def constant(cls, days: int, where: str = "schedule", /, **baseline: float) -> Schedule:
        """Every day at the reference values, with ``baseline`` overrides (public exposures)."""
        if int(days) != days or days < 1:
            raise ScenarioError(f"{where}: days must be a positive whole number, got {days!r}")
        v = np.tile(_DEFAULTS, (int(days), 1))
        for name, value in baseline.items():
            _check_public(name, float(value), where)
            v[:, E[name]] = float(value)
        return cls(v)

    @property
    def days(self) -> int:
        return int(self.values.shape[0])

    def _span(self, start: int, end: int | None, where: str) -> slice:
        stop = self.days if end is None else end
        if int(start) != start or int(stop) != stop or not 0 <= start < stop <= self.days:
            raise ScenarioError(
                f"{where}: day range start={start!r}, end={end!r} must satisfy "
                f"0 <= start < end <= {self.days}"
            )
        return slice(int(start), int(stop))

    def set(
        self,
        exposure: str,
        value: float,
        start: int = 0,
        end: int | None = None,
        where: str = "schedule",
    ) -> Schedule:
        """Set a public exposure to ``value`` on days ``start`` to ``end - 1``."""
        _check_public(exposure, float(value), where)
        v = self.values.copy()
        v[self._span(start, end, where), E[exposure]] = float(value)
        return Schedule(v)

    def with_probiotic(
        self,
        product: str,
        cfu_per_day: float,
        start: int = 0,
        end: int | None = None,
        where: str = "probiotic",
    ) -> Schedule:
        """Take a catalogue product at ``cfu_per_day`` from ``start`` to ``end - 1``.

        The product's mechanism weights and washout rate persist after the last dose, so its
        strains wash out with the product's own persistence.
        """
        strain = lookup(strains(), product, "probiotic product", where)
        if not np.isfinite(cfu_per_day) or cfu_per_day < 0:
            raise ScenarioError(
                f"{where}: negative dose cfu_per_day = {cfu_per_day:g}; expected >= 0"
            )
        span = self._span(start, end, where)
        v = self.values.copy()
        v[span, E.probiotic_intake] = strain.colonisation_pressure(cfu_per_day)
        tail = slice(span.start, None)
        v[tail, E.probiotic_washout] = strain.washout_rate
        for m in MECHANISMS:
            v[tail, E[f"pb_{m}"]] = strain.weights[m]
        return Schedule(v)

    def with_antibiotic(
        self, spectrum: str = "broad", start: int = 0, days: int = 7, where: str = "antibiotic"
    ) -> Schedule:
        """An antibiotic course of ``days`` days with a catalogue spectrum."""
        abx = lookup(antibiotics(), spectrum, "antibiotic spectrum", where)
        if int(days) != days or days < 1:
            raise ScenarioError(f"{where}: days must be a positive whole number, got {days!r}")
        span = self._span(start, min(start + int(days), self.days), where)
        v = self.values.copy()
        v[span, E.antibiotic] = 1.0
        for g in GUILDS:
            v[span, E[f"abx_{g}"]] = abx.kill[g]
        return Schedule(v)

    def with_fmt(
        self, day: int, donor: str = "healthy", engraftment: float = 0.5, where: str = "fmt"
    ) -> Schedule:
        """Faecal microbiota transplant on ``day``: the recipient's guilds and diversity move
        towards the donor's by the engraftment fraction."""
        prof = lookup(donors(), donor, "FMT donor", where)
        if not 0.0 <= engraftment <= 1.0:
            raise ScenarioError(f"{where}: engraftment = {engraftment:g} must lie in [0, 1]")
        span = self._span(day, day + 1, where)
        v = self.values.copy()
        v[span, E.fmt_fraction] = engraftment
        for g, frac in prof.composition.items():
            v[span, E[f"donor_{g}"]] = frac
        v[span, E.donor_diversity] = prof.diversity
        return Schedule(v)

    def to_frame(self):
        """A DataFrame with one row per day and one column per exposure channel."""
        import pandas as pd

        df = pd.DataFrame(self.values, columns=list(EXPOSURES))
        df.insert(0, "day", np.arange(self.days))
        return df
