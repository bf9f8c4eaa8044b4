"""gutbrain.observe: what a study sees, kept separate from the latent truth.

Each module turns latent daily trajectories (one row per person-day, see
:mod:`gutbrain.observe.latent`) into one table of the study bundle:

- :func:`observe_diary` -> ``diary`` (daily NA/PA on 0-100 sliders, compliance, missingness);
- :func:`administer` -> ``visits`` (questionnaires and rating scales with their reliability);
- :func:`measure_biomarkers` -> ``biomarkers`` (cortisol, CRP, IL-6, TNF-alpha, butyrate);
- :func:`sequence_samples` -> ``taxa`` (16S relative abundances from read sampling).

All randomness comes from a passed :class:`numpy.random.Generator`; all numbers come from the
package's parameter tables (:func:`parameter_table`, :func:`instrument_table`,
:func:`biomarker_table`).
"""

from __future__ import annotations

from gutbrain.observe.biomarkers import BiomarkerMapping as BiomarkerMapping
from gutbrain.observe.biomarkers import biomarker_mappings as biomarker_mappings
from gutbrain.observe.biomarkers import mapping_summary as mapping_summary
from gutbrain.observe.biomarkers import measure_biomarkers as measure_biomarkers
from gutbrain.observe.diary import AffectReporting as AffectReporting
from gutbrain.observe.diary import DiaryModel as DiaryModel
from gutbrain.observe.diary import likert_from_vas as likert_from_vas
from gutbrain.observe.diary import observe_diary as observe_diary
from gutbrain.observe.latent import GUILDS as GUILDS
from gutbrain.observe.questionnaires import INSTRUMENTS as INSTRUMENTS
from gutbrain.observe.questionnaires import Instrument as Instrument
from gutbrain.observe.questionnaires import administer as administer
from gutbrain.observe.questionnaires import draw_respondents as draw_respondents
from gutbrain.observe.questionnaires import instrument as instrument
from gutbrain.observe.questionnaires import true_scores as true_scores
from gutbrain.observe.sequencing import SequencingModel as SequencingModel
from gutbrain.observe.sequencing import sequence_samples as sequence_samples
from gutbrain.observe.tables import biomarker_table as biomarker_table
from gutbrain.observe.tables import instrument_table as instrument_table
from gutbrain.observe.tables import parameter as parameter
from gutbrain.observe.tables import parameter_table as parameter_table

__all__ = [
    "GUILDS",
    "INSTRUMENTS",
    "AffectReporting",
    "BiomarkerMapping",
    "DiaryModel",
    "Instrument",
    "SequencingModel",
    "administer",
    "biomarker_mappings",
    "biomarker_table",
    "draw_respondents",
    "instrument",
    "instrument_table",
    "likert_from_vas",
    "mapping_summary",
    "measure_biomarkers",
    "observe_diary",
    "parameter",
    "parameter_table",
    "sequence_samples",
    "true_scores",
]
