"""Questionnaire instruments a study bundle may record at visits, with their total-score ranges.

Each range is the published minimum and maximum of the instrument's total score (the sum of its
items), so a visit score outside it can only be a data-entry or scoring error. Scores are stored
as floats because prorated totals (for a skipped item) need not be whole numbers.

The pseudo-instrument ``"diary"`` (the daily affect diary, scored 0-100 per item) may also be
listed in ``study.toml``; its ranges live in :mod:`gutbrain.io.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DIARY", "INSTRUMENTS", "Instrument"]

DIARY = "diary"
"""The name by which ``study.toml`` lists the daily diary among its instruments."""


@dataclass(frozen=True)
class Instrument:
    """A questionnaire with a bounded total score.

    Parameters
    ----------
    name
        The name used in ``visits.instrument`` and in ``study.toml`` (e.g. ``"PHQ-9"``).
    min, max
        Smallest and largest possible total score, inclusive.
    description
        What the instrument measures, with its item count and item scale.
    source
        The publication that defines the instrument and its scoring.
    """

    name: str
    min: float
    max: float
    description: str
    source: str

    def __post_init__(self) -> None:
        if not self.min < self.max:
            raise ValueError(
                f"Instrument {self.name!r}: min {self.min} must be below max {self.max}"
            )


_ALL = (
    Instrument(
        "PHQ-9",
        0,
        27,
        "Patient Health Questionnaire, depression: 9 items scored 0-3",
        "Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606",
    ),
    Instrument(
        "GAD-7",
        0,
        21,
        "Generalized Anxiety Disorder scale: 7 items scored 0-3",
        "Spitzer et al. 2006, Arch Intern Med 166:1092",
    ),
    Instrument(
        "PANAS-NA",
        10,
        50,
        "Positive and Negative Affect Schedule, negative affect: 10 items scored 1-5",
        "Watson, Clark & Tellegen 1988, J Pers Soc Psychol 54:1063",
    ),
    Instrument(
        "PANAS-PA",
        10,
        50,
        "Positive and Negative Affect Schedule, positive affect: 10 items scored 1-5",
        "Watson, Clark & Tellegen 1988, J Pers Soc Psychol 54:1063",
    ),
    Instrument(
        "STAI-state",
        20,
        80,
        "State-Trait Anxiety Inventory (form Y-1), state anxiety: 20 items scored 1-4",
        "Spielberger et al. 1983, Manual for the State-Trait Anxiety Inventory",
    ),
    Instrument(
        "STAI-trait",
        20,
        80,
        "State-Trait Anxiety Inventory (form Y-2), trait anxiety: 20 items scored 1-4",
        "Spielberger et al. 1983, Manual for the State-Trait Anxiety Inventory",
    ),
    Instrument(
        "PSWQ",
        16,
        80,
        "Penn State Worry Questionnaire: 16 items scored 1-5",
        "Meyer, Miller, Metzger & Borkovec 1990, Behav Res Ther 28:487",
    ),
    Instrument(
        "PSS-10",
        0,
        40,
        "Perceived Stress Scale, 10-item version: items scored 0-4",
        "Cohen & Williamson 1988, in The Social Psychology of Health, pp. 31-67",
    ),
    Instrument(
        "HAMD-17",
        0,
        52,
        "Hamilton Rating Scale for Depression, 17 items (clinician-rated; items 0-4 or 0-2)",
        "Hamilton 1960, J Neurol Neurosurg Psychiatry 23:56",
    ),
    Instrument(
        "MADRS",
        0,
        60,
        "Montgomery-Asberg Depression Rating Scale: 10 items scored 0-6 (clinician-rated)",
        "Montgomery & Asberg 1979, Br J Psychiatry 134:382",
    ),
    Instrument(
        "BDI-II",
        0,
        63,
        "Beck Depression Inventory, second edition: 21 items scored 0-3",
        "Beck, Steer & Brown 1996, Manual for the Beck Depression Inventory-II",
    ),
    Instrument(
        "HAMA",
        0,
        56,
        "Hamilton Anxiety Rating Scale: 14 items scored 0-4 (clinician-rated)",
        "Hamilton 1959, Br J Med Psychol 32:50",
    ),
    Instrument(
        "IDS-C30",
        0,
        84,
        "Inventory of Depressive Symptomatology, clinician-rated: 30 items scored 0-3, "
        "28 of which count towards the total",
        "Rush et al. 1996, Psychol Med 26:477",
    ),
)

INSTRUMENTS: MappingProxyType[str, Instrument] = MappingProxyType({i.name: i for i in _ALL})
"""Every instrument a visit may record, by name (read-only mapping)."""
