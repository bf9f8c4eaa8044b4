"""The one check of a confidence, credible or significance level given to an analysis."""

from __future__ import annotations

from gutbrain.errors import ParameterError

__all__ = ["check_level"]


def check_level(
    value: float,
    name: str = "level",
    what: str = "a confidence level",
    example: float = 0.95,
    where: str = "",
) -> float:
    """``value`` as a float if it lies strictly between 0 and 1, else a :class:`ParameterError`
    naming ``name`` (prefixed by ``where``), the value and what is expected."""
    if not (isinstance(value, float | int) and 0.0 < float(value) < 1.0):
        raise ParameterError(
            f"{where}{name} = {value!r}: expected {what} between 0 and 1, e.g. {example}"
        )
    return float(value)
