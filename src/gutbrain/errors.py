"""The project's exception hierarchy.

Every error that a user can cause derives from :class:`GutbrainError`. The command line catches
only this base class and turns it into a one- or two-line message with a non-zero exit code.
Messages name the file, row, column or key, the offending value, and what was expected.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DesignError",
    "GutbrainError",
    "ParameterError",
    "ScenarioError",
]


class GutbrainError(Exception):
    """Base class of every error gutbrain raises on bad input."""


class ParameterError(GutbrainError, ValueError):
    """A model parameter is unknown, malformed or outside its declared range."""


class ScenarioError(GutbrainError, ValueError):
    """A scenario file or schedule is malformed: unknown exposure, negative dose, bad TOML."""


class DesignError(GutbrainError, ValueError):
    """A trial design file is malformed."""


class DataError(GutbrainError, ValueError):
    """A study bundle table is malformed: bad type, out-of-range value, duplicate or gap."""
