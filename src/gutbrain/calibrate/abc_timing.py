"""The model's deterministic timing targets as a calibration problem (a cheap real simulator).

The three timings of :mod:`gutbrain.model.calibration` (probiotic onset and offset, SSRI onset,
one reference person, 57 days) depend on three parameters. As a calibration problem they serve
the simulation-based check of the ABC engine (``benchmarks/calibration_sbc.py``) and the
``gutbrain calibrate`` command until the full target predictions are plugged in.

The published timings carry no CI, so each target gets an SD (:data:`SPREAD`): HARMER2017's SSRI
onset of 2-4 weeks read as a 95% window of +-2 SD around day 21 gives 3.5 days; JS2025's "from
about day 14" is given the same 3.5 days; MODEL B5's "lost over about two weeks" (half left
after 14 days) is given 0.1. These SDs are assumptions of this problem, not published figures.
"""

from __future__ import annotations

from collections.abc import Mapping

from gutbrain.model.calibration import FITTED, TARGETS, simulated_targets
from gutbrain.model.parameters import Parameters
from gutbrain.model.targets import Target

__all__ = ["FITTED", "PERSON_DAYS", "SPREAD", "timing_simulator", "timing_targets"]

#: Assumed SD of each timing target (see the module docstring).
SPREAD: dict[str, float] = {
    "probiotic_half_effect_day": 3.5,
    "probiotic_left_after_14_days": 0.1,
    "ssri_half_effect_day": 3.5,
}
#: Person-days one call simulates: three 57-day runs (control, probiotic, SSRI) of one person.
PERSON_DAYS = 3 * 57
_UNIT = {"probiotic_left_after_14_days": ("proportion", "fraction of the day-28 effect")}


def timing_simulator(overrides: dict[str, float]) -> dict[str, float]:
    """The three timings for the reference person with ``overrides`` of table values."""
    return simulated_targets(Parameters.default(1).replace("calibration", **overrides))


def timing_targets(values: Mapping[str, float] | None = None) -> tuple[Target, ...]:
    """The three timings as calibration rows: the published values, or ``values`` (e.g. the
    simulated values at known parameters, for a simulation-based check)."""
    rows = []
    for key, (published, source) in TARGETS.items():
        kind, unit = _UNIT.get(key, ("duration", "days"))
        rows.append(
            Target(
                key=key,
                category="treatment_effects",
                quantity=key.replace("_", " "),
                cohort="reference (healthy) person, deterministic",
                design="57 days; probiotic for 28 days or SSRI from day 0",
                kind=kind,
                value=float(values[key]) if values is not None else published,
                unit=unit,
                low=None,
                high=None,
                interval=None,
                sd=SPREAD[key],
                se=None,
                n=None,
                source=source,
                where_read=f"EVIDENCE.md {source}",
                note="SD assumed (gutbrain.calibrate.abc_timing)",
                split="calibration",
            )
        )
    return tuple(rows)
