"""gutbrain: an open platform for the microbiota-gut-brain axis.

A research and teaching instrument. Nothing it prints is medical advice.

The names below are the small public API; everything else lives in the subpackages
(``gutbrain.model``, ``gutbrain.trials``, ``gutbrain.analysis``, ``gutbrain.io``, ...).
``import gutbrain`` is light: the errors and the version are loaded at once, every other name
(and with it numpy, pandas, the model) on first use (PEP 562).
"""

from __future__ import annotations

import importlib
import typing

from gutbrain._version import __version__ as __version__
from gutbrain.errors import DataError as DataError
from gutbrain.errors import DesignError as DesignError
from gutbrain.errors import GutbrainError as GutbrainError
from gutbrain.errors import ParameterError as ParameterError
from gutbrain.errors import ScenarioError as ScenarioError

if typing.TYPE_CHECKING:
    from gutbrain.analysis.lmm import LMMResult as LMMResult
    from gutbrain.analysis.lmm import lmm as lmm
    from gutbrain.analysis.lmm import lrt as lrt
    from gutbrain.analysis.meta import rma as rma
    from gutbrain.io import StudyBundle as StudyBundle
    from gutbrain.io import read_bundle as read_bundle
    from gutbrain.io import write_bundle as write_bundle
    from gutbrain.model.parameters import Parameters as Parameters
    from gutbrain.model.person import cohort as cohort
    from gutbrain.model.scenario import load_scenario as load_scenario
    from gutbrain.model.schedule import Schedule as Schedule
    from gutbrain.model.simulate import simulate as simulate
    from gutbrain.model.validation import run_checks as run_checks

# The module each lazily loaded name comes from (the same as the imports above).
_LAZY = {
    "LMMResult": "gutbrain.analysis.lmm",
    "lmm": "gutbrain.analysis.lmm",
    "lrt": "gutbrain.analysis.lmm",
    "rma": "gutbrain.analysis.meta",
    "StudyBundle": "gutbrain.io",
    "read_bundle": "gutbrain.io",
    "write_bundle": "gutbrain.io",
    "Parameters": "gutbrain.model.parameters",
    "cohort": "gutbrain.model.person",
    "load_scenario": "gutbrain.model.scenario",
    "Schedule": "gutbrain.model.schedule",
    "simulate": "gutbrain.model.simulate",
    "run_checks": "gutbrain.model.validation",
}

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


def __getattr__(name: str) -> object:
    """Load a public name on first use, and keep it (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'gutbrain' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
