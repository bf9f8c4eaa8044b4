"""gutbrain.observe: what a study sees, kept separate from the latent truth.

Each module turns latent daily trajectories (one row per person-day, see
:mod:`gutbrain.observe.latent`) into one table of the study bundle:

- :func:`observe_diary` -> ``diary`` (daily NA/PA on 0-100 sliders, compliance, missingness);
- :func:`administer` -> ``visits`` (questionnaires and rating scales with their reliability);
- :func:`measure_biomarkers` -> ``biomarkers`` (ACTH; plasma, salivary and urinary cortisol
  through a diurnal rhythm, :func:`cortisol_rhythm`; CRP, IL-6, TNF-alpha; butyrate);
- :func:`sequence_samples` -> ``taxa`` (16S relative abundances from read sampling).

All randomness comes from a passed :class:`numpy.random.Generator`; all numbers come from the
package's parameter tables (:func:`parameter_table`, :func:`response_model_table`,
:func:`biomarker_table`) and the instrument registry (:mod:`gutbrain.instruments`, re-exported as
:data:`INSTRUMENTS`: every instrument :func:`administer` can score; its biomarker assays,
:data:`gutbrain.instruments.MARKERS`, name the markers :func:`measure_biomarkers` measures).
"""

from __future__ import annotations

from gutbrain.instruments import INSTRUMENTS as INSTRUMENTS
from gutbrain.observe.biomarkers import BiomarkerMapping as BiomarkerMapping
from gutbrain.observe.biomarkers import biomarker_mappings as biomarker_mappings
from gutbrain.observe.biomarkers import mapping_summary as mapping_summary
from gutbrain.observe.biomarkers import measure_biomarkers as measure_biomarkers
from gutbrain.observe.diary import AffectReporting as AffectReporting
from gutbrain.observe.diary import DiaryModel as DiaryModel
from gutbrain.observe.diary import likert_from_vas as likert_from_vas
from gutbrain.observe.diary import observe_diary as observe_diary
from gutbrain.observe.diurnal import cortisol_rhythm as cortisol_rhythm
from gutbrain.observe.latent import GUILDS as GUILDS
from gutbrain.observe.questionnaires import RESPONSE_MODELS as RESPONSE_MODELS
from gutbrain.observe.questionnaires import ResponseModel as ResponseModel
from gutbrain.observe.questionnaires import administer as administer
from gutbrain.observe.questionnaires import draw_respondents as draw_respondents
from gutbrain.observe.questionnaires import response_model as response_model
from gutbrain.observe.questionnaires import true_scores as true_scores
from gutbrain.observe.sequencing import SequencingModel as SequencingModel
from gutbrain.observe.sequencing import sequence_samples as sequence_samples
from gutbrain.observe.tables import biomarker_table as biomarker_table
from gutbrain.observe.tables import parameter as parameter
from gutbrain.observe.tables import parameter_table as parameter_table
from gutbrain.observe.tables import response_model_table as response_model_table

__all__ = [
    "GUILDS",
    "INSTRUMENTS",
    "RESPONSE_MODELS",
    "AffectReporting",
    "BiomarkerMapping",
    "DiaryModel",
    "ResponseModel",
    "SequencingModel",
    "administer",
    "biomarker_mappings",
    "biomarker_table",
    "cortisol_rhythm",
    "draw_respondents",
    "likert_from_vas",
    "mapping_summary",
    "measure_biomarkers",
    "observe_diary",
    "parameter",
    "parameter_table",
    "response_model",
    "response_model_table",
    "sequence_samples",
    "true_scores",
]
