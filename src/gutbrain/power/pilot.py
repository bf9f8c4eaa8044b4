"""The generator's parameters estimated from a pilot study bundle (the diary app's export, or
any bundle with a diary).

The pilot's daily outcome is fitted by :func:`gutbrain.analysis.lmm.lmm` with a random
intercept per participant and CAR(1) residuals in ``day`` (REML): its intercept, random-
intercept SD, residual SD and AR(1) parameter become ``intercept``, ``sd_intercept``,
``sd_within`` and ``ar1``; ``compliance`` is the share of days with an entry between each
participant's first and last diary day. Effects are not estimated: they are the design's
question.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gutbrain.analysis.lmm import lmm
from gutbrain.errors import DataError
from gutbrain.io import read_bundle

__all__ = ["pilot_parameters"]


def pilot_parameters(bundle: str | Path, outcome: str = "negative_affect") -> dict[str, float]:
    """``intercept``, ``sd_intercept``, ``sd_within``, ``ar1`` and ``compliance`` from the
    pilot ``bundle``'s diary column ``outcome``.

    Raises
    ------
    DataError
        The bundle cannot be read, has no such diary column, or too little data to fit.
    """
    diary = read_bundle(bundle).diary
    if outcome not in diary.columns:
        raise DataError(
            f"pilot {bundle}: diary has no column {outcome!r}; available: "
            f"{', '.join(map(str, diary.columns))}"
        )
    d = diary[["participant", "day", outcome]].dropna()
    fit = lmm(f"{outcome} ~ 1", d, groups="participant", ar1_time="day")
    span = d.groupby("participant").day.agg(lambda s: s.max() - s.min() + 1)
    return {
        "intercept": float(fit.beta[0]),
        "sd_intercept": float(np.sqrt(fit.re_cov[0, 0])),
        "sd_within": float(fit.sigma),
        "ar1": float(fit.phi or 0.0),
        "compliance": float(len(d) / span.sum()),
    }
