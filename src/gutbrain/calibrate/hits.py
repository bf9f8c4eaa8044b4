"""Issue 18's hit rule: does a prediction (or a posterior band) reproduce a published figure?

A row counts as hit when

1. the prediction has the published sign (:attr:`Target.sign`; a ``direction`` row compares
   signs only);
2. it lies within a factor of 2 of the published value; for a value near zero (a published 95%
   CI or range that contains 0, or a published 0) it lies inside the published CI or range
   instead; a row published only as a range is hit inside the range widened by the factor 2;
3. the 90% band, when one is given, is no wider than four times the published 95% CI (rows
   without a published CI skip this part).

A point prediction at the table values (no band) is judged on 1 and 2 only.

Example
-------
>>> from gutbrain.model.targets import load_targets
>>> row = next(t for t in load_targets() if t.key == "DOW2010_IL6")
>>> hit(row, 1.0).hit, hit(row, 0.5).hit
(True, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gutbrain.model.targets import Target

__all__ = ["Hit", "hit"]

FACTOR = 2.0  # issue 18: within a factor of 2 of the published value
BAND_FACTOR = 4.0  # issue 18: the 90% band no wider than 4 x the published 95% CI


@dataclass(frozen=True)
class Hit:
    """The verdict on one row and why (``reason`` is empty for a hit)."""

    hit: bool
    reason: str


def _sign(x: float) -> int:
    return 0 if x == 0 else int(math.copysign(1, x))


def _near_zero(t: Target) -> bool:
    """The published figure is 0, or its CI or range contains 0."""
    if t.value == 0:
        return True
    return t.low is not None and t.high is not None and t.low <= 0 <= t.high


def _magnitude(t: Target, x: float) -> str:
    """Part 2 of the rule: empty when met, else why not."""
    if _near_zero(t):
        if t.low is None or t.high is None:
            return "" if x == 0 else f"{x:.3g} is not 0 (published null, no CI)"
        return "" if t.low <= x <= t.high else f"{x:.3g} outside [{t.low:g}, {t.high:g}]"
    if t.value is None:  # a published range on one side of 0
        assert t.low is not None and t.high is not None
        small, large = sorted((abs(t.low), abs(t.high)))
        ok = small / FACTOR <= abs(x) <= large * FACTOR
        return "" if ok else f"{x:.3g} not within a factor {FACTOR:g} of [{t.low:g}, {t.high:g}]"
    ratio = x / t.value
    ok = 1 / FACTOR <= ratio <= FACTOR
    return "" if ok else f"{x:.3g} not within a factor {FACTOR:g} of {t.value:g}"


def hit(t: Target, prediction: float, band: tuple[float, float] | None = None) -> Hit:
    """Judge ``prediction`` (the posterior median, or a point prediction) against row ``t``.

    ``band`` is the 90% band (low, high) when there is one. A NaN prediction is never a hit.
    """
    if not math.isfinite(prediction):
        return Hit(False, "not predicted")
    if t.kind == "direction":
        got = _sign(prediction)
        return Hit(got == t.sign, "" if got == t.sign else f"sign {got:+d}, published {t.sign:+d}")
    if not _near_zero(t) and _sign(prediction) != t.sign:
        return Hit(False, f"sign of {prediction:.3g} differs from the published {t.sign:+d}")
    why = _magnitude(t, prediction)
    if why:
        return Hit(False, why)
    width = t.ci95_width
    if band is not None and width is not None and band[1] - band[0] > BAND_FACTOR * width:
        return Hit(False, f"90% band {band[1] - band[0]:.3g} wider than 4 x the CI {width:.3g}")
    return Hit(True, "")
