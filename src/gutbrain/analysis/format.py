"""How numbers, p-values and intervals are written: reports, terminal lines and printed results.

One house style, in every report, command and ``repr``:

- a number has a fixed count of decimals (``format_number(-0.71449, 4)`` is ``-0.7145``), or
  significant digits where a short summary wants them (``significant=True``); a missing or
  non-finite number is ``NA``;
- a p-value has four decimals, and below 0.0001 it is written as a bound: ``0.0123``,
  ``< 0.0001`` in a table cell; ``p = 0.0123``, ``p < 0.0001`` in running text (``label="p"``,
  or any other label: ``label="Welch p"``);
- an interval is ``low to high`` with the estimate's decimals (``-1.07 to -0.36``); a forest
  plot's label writes it ``[low, high]`` and metafor's print ``low, high``.

The meta-analysis printers (``print(rma(...))``, ``print(regtest(...))``) keep metafor's own
style, ``style="metafor"``, so their output reads line by line as R's: ``<.0001`` in a table,
``p-val < .0001`` in text.

>>> format_p(0.01234), format_p(3e-7), format_p(0.25, label="p")
('0.0123', '< 0.0001', 'p = 0.2500')
>>> format_p(3e-7, label="p-val", style="metafor"), format_ci(-1.0669, -0.3622)
('p-val < .0001', '-1.07 to -0.36')
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["format_ci", "format_number", "format_p"]

#: Decimals of a p-value; smaller values are written as ``< 0.0001``.
P_DIGITS = 4
_P_FLOOR = 10.0**-P_DIGITS


def format_number(x: float | None, digits: int = 3, *, significant: bool = False) -> str:
    """``x`` with ``digits`` decimals (or significant digits), ``NA`` if None or not finite."""
    if x is None or not math.isfinite(x):
        return "NA"
    return f"{x:.{digits}{'g' if significant else 'f'}}"


def format_p(
    p: float | None,
    *,
    label: str | None = None,
    style: Literal["house", "metafor"] = "house",
) -> str:
    """A p-value: four decimals, or a bound below 0.0001; ``NA`` if None or NaN.

    Without ``label``, a table cell (``0.0123``, ``< 0.0001``; metafor: ``<.0001``); with one,
    running text (``p = 0.0123``, ``p < 0.0001``; metafor: ``p-val < .0001``).
    """
    if p is None or math.isnan(p):
        value = "NA"
    elif p < _P_FLOOR:
        bound = f"{_P_FLOOR:.{P_DIGITS}f}"
        if style == "metafor":
            bound = bound.removeprefix("0")
        value = f"<{'' if style == 'metafor' and label is None else ' '}{bound}"
    else:
        value = f"{p:.{P_DIGITS}f}"
    if label is None:
        return value
    return f"{label} {value}" if value.startswith("<") else f"{label} = {value}"


def format_ci(
    low: float | None,
    high: float | None,
    digits: int = 2,
    *,
    significant: bool = False,
    style: Literal["to", "bracket", "comma"] = "to",
) -> str:
    """An interval, each bound as :func:`format_number` writes it.

    ``style``: ``"to"`` gives ``low to high``, ``"bracket"`` ``[low, high]`` (forest plots),
    ``"comma"`` ``low, high`` (metafor's print).
    """
    lo = format_number(low, digits, significant=significant)
    hi = format_number(high, digits, significant=significant)
    if style == "bracket":
        return f"[{lo}, {hi}]"
    if style == "comma":
        return f"{lo}, {hi}"
    return f"{lo} to {hi}"
