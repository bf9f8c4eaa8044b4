"""Meta-analysis: fixed-, random- and mixed-effects models as in R's metafor.

The public entry points:

- :func:`rma` fits a fixed-effect (``"FE"``) or random-effects model (tau^2 by ``"REML"``,
  ``"ML"``, ``"DL"``, ``"HE"``, ``"SJ"``, ``"PM"`` or ``"EB"``), optionally with moderators
  (meta-regression) and the Knapp-Hartung adjustment; the result has ``confint()``
  (Q-profile), ``predict()`` (prediction interval) and ``back_transformed()`` (odds and risk
  ratios).
- :func:`subgroup_analysis` pools within subgroups and tests the differences.
- :func:`regtest` (Egger), :func:`ranktest` (Begg and Mazumdar) and :func:`trimfill` (Duval and
  Tweedie) address funnel-plot asymmetry.
- :func:`leave1out` and :func:`influence` are the case-deletion diagnostics.
- :func:`smd`, :func:`mean_difference`, :func:`log_odds_ratio`, :func:`log_risk_ratio`,
  :func:`risk_difference` and :func:`fisher_z` compute effect sizes as metafor's ``escalc``;
  :func:`read_effects` reads an EFFECTS.csv file.

Every number is validated against metafor 3.8-1 (see ``tests/reference/meta_metafor.R``).
"""

from __future__ import annotations

from gutbrain.analysis.meta.bias import EggerTest as EggerTest
from gutbrain.analysis.meta.bias import RankTest as RankTest
from gutbrain.analysis.meta.bias import ranktest as ranktest
from gutbrain.analysis.meta.bias import regtest as regtest
from gutbrain.analysis.meta.effects import EffectSizes as EffectSizes
from gutbrain.analysis.meta.effects import fisher_z as fisher_z
from gutbrain.analysis.meta.effects import log_odds_ratio as log_odds_ratio
from gutbrain.analysis.meta.effects import log_risk_ratio as log_risk_ratio
from gutbrain.analysis.meta.effects import mean_difference as mean_difference
from gutbrain.analysis.meta.effects import risk_difference as risk_difference
from gutbrain.analysis.meta.effects import smd as smd
from gutbrain.analysis.meta.influence import Influence as Influence
from gutbrain.analysis.meta.influence import LeaveOneOut as LeaveOneOut
from gutbrain.analysis.meta.influence import influence as influence
from gutbrain.analysis.meta.influence import leave1out as leave1out
from gutbrain.analysis.meta.model import FitStatistics as FitStatistics
from gutbrain.analysis.meta.model import MetaResult as MetaResult
from gutbrain.analysis.meta.model import Prediction as Prediction
from gutbrain.analysis.meta.model import rma as rma
from gutbrain.analysis.meta.qprofile import HeterogeneityCI as HeterogeneityCI
from gutbrain.analysis.meta.reader import EffectsTable as EffectsTable
from gutbrain.analysis.meta.reader import read_effects as read_effects
from gutbrain.analysis.meta.subgroup import SubgroupResult as SubgroupResult
from gutbrain.analysis.meta.subgroup import subgroup_analysis as subgroup_analysis
from gutbrain.analysis.meta.transform import BackTransformed as BackTransformed
from gutbrain.analysis.meta.trimfill import TrimFill as TrimFill
from gutbrain.analysis.meta.trimfill import trimfill as trimfill

__all__ = [
    "BackTransformed",
    "EffectSizes",
    "EffectsTable",
    "EggerTest",
    "FitStatistics",
    "HeterogeneityCI",
    "Influence",
    "LeaveOneOut",
    "MetaResult",
    "Prediction",
    "RankTest",
    "SubgroupResult",
    "TrimFill",
    "fisher_z",
    "influence",
    "leave1out",
    "log_odds_ratio",
    "log_risk_ratio",
    "mean_difference",
    "ranktest",
    "read_effects",
    "regtest",
    "risk_difference",
    "rma",
    "smd",
    "subgroup_analysis",
    "trimfill",
]
