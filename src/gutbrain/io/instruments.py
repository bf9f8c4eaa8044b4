"""The instruments a study bundle may record at visits, its biomarker assays, and the diary's name.

The instruments, with their total-score ranges, are the registry's
(:data:`gutbrain.instruments.INSTRUMENTS`, read from ``instruments.toml``): a visit score outside
an instrument's published range can only be a data-entry or scoring error. Scores are stored as
floats because prorated totals (for a skipped item) need not be whole numbers.

Biomarker assays are the registry's too (:data:`gutbrain.instruments.MARKERS`): a marker the
registry knows must carry its unit; other markers (a study's own assays) pass unchecked.

The pseudo-instrument ``"diary"`` (the daily affect diary, scored 0-100 per item) may also be
listed in ``study.toml``; its ranges live in :mod:`gutbrain.io.schema`.
"""

from __future__ import annotations

from gutbrain.instruments import INSTRUMENTS as INSTRUMENTS
from gutbrain.instruments import MARKERS as MARKERS
from gutbrain.instruments import Instrument as Instrument
from gutbrain.instruments import Marker as Marker

__all__ = ["DIARY", "INSTRUMENTS", "MARKERS", "Instrument", "Marker"]

DIARY = "diary"
"""The name by which ``study.toml`` lists the daily diary among its instruments."""
