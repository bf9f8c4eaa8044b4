"""gutbrain: an open platform for the microbiota-gut-brain axis.

A research and teaching instrument. Nothing it prints is medical advice.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from gutbrain.errors import DataError as DataError
from gutbrain.errors import DesignError as DesignError
from gutbrain.errors import GutbrainError as GutbrainError
from gutbrain.errors import ParameterError as ParameterError
from gutbrain.errors import ScenarioError as ScenarioError

try:
    __version__ = version("gutbrain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "DataError",
    "DesignError",
    "GutbrainError",
    "ParameterError",
    "ScenarioError",
    "__version__",
]
