"""gutbrain: an open platform for the microbiota-gut-brain axis.

A research and teaching instrument. Nothing it prints is medical advice.

The names below are the small public API; everything else lives in the subpackages
(``gutbrain.model``, ``gutbrain.trials``, ``gutbrain.analysis``, ``gutbrain.io``, ...).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from gutbrain.analysis.lmm import LMMResult as LMMResult
from gutbrain.analysis.lmm import lmm as lmm
from gutbrain.analysis.lmm import lrt as lrt
from gutbrain.analysis.meta import rma as rma
from gutbrain.errors import DataError as DataError
from gutbrain.errors import DesignError as DesignError
from gutbrain.errors import GutbrainError as GutbrainError
from gutbrain.errors import ParameterError as ParameterError
from gutbrain.errors import ScenarioError as ScenarioError
from gutbrain.io import StudyBundle as StudyBundle
from gutbrain.io import read_bundle as read_bundle
from gutbrain.io import write_bundle as write_bundle
from gutbrain.model.parameters import Parameters as Parameters
from gutbrain.model.person import cohort as cohort
from gutbrain.model.scenario import load_scenario as load_scenario
from gutbrain.model.schedule import Schedule as Schedule
from gutbrain.model.simulate import simulate as simulate
from gutbrain.model.validation import run_checks as run_checks

try:
    __version__ = version("gutbrain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "DataError",
    "DesignError",
    "GutbrainError",
    "LMMResult",
    "ParameterError",
    "Parameters",
    "ScenarioError",
    "Schedule",
    "StudyBundle",
    "__version__",
    "cohort",
    "lmm",
    "load_scenario",
    "lrt",
    "read_bundle",
    "rma",
    "run_checks",
    "simulate",
    "write_bundle",
]
