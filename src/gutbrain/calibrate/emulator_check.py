"""Simulation-based check of the emulator route: are known parameters recovered?

The truths are design points, which are draws from the prior (Latin hypercube over the declared
ranges), so the check costs no further simulation. For each truth: the emulators are refitted
without that point (:func:`gutbrain.calibrate.emulator.fit_emulators` with ``like``: each row
keeps the full fit's emulator kind and, for a GP, its kernel), synthetic targets are the model's
real predictions at the truth plus Gaussian noise with each row's error scale (the assumed error
model), MCMC samples
the posterior, and each parameter's truth is checked against the posterior's central
:data:`LEVEL` interval. The emulator's own error is part of what is checked: the truth's
predictions come from the model, not from the emulator.

:func:`pass_rule` is the binomial rule a coverage count must meet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import binom

from gutbrain.calibrate.emulator import Emulators, error_scale, fit_emulators
from gutbrain.calibrate.emulator_mcmc import sample_posterior

__all__ = ["LEVEL", "coverage", "pass_rule"]

#: Nominal coverage of the checked intervals.
LEVEL = 0.9


def pass_rule(trials: int, alpha: float = 0.001) -> tuple[int, int]:
    """The range of coverage counts out of ``trials`` that a correct method leaves with
    probability >= 1 - 2 alpha (``alpha`` in each tail) at the nominal :data:`LEVEL`."""
    low = int(binom.ppf(alpha, trials, LEVEL))
    high = int(binom.isf(alpha, trials, LEVEL))
    return low, min(high, trials)


def coverage(
    design: pd.DataFrame,
    emulators: Emulators,
    truths: Sequence[int],
    steps: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per (truth, parameter): the truth, the central :data:`LEVEL` interval and
    whether it holds the truth. ``truths`` are row positions in ``design``."""
    names, rows = emulators.names, emulators.rows
    scale = np.array([error_scale(r)[0] for r in rows])
    tail = (1 - LEVEL) / 2
    out = []
    for n_done, i in enumerate(truths):
        rest = design.drop(index=design.index[i])
        fitted = fit_emulators(rest, names, rows, seed, like=emulators)
        rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
        exact = design.iloc[i][[r.key for r in rows]].to_numpy(float)
        noisy = exact + scale * rng.standard_normal(len(rows))
        if not np.isfinite(noisy).all():
            continue  # the model gave no prediction for some row at this truth
        draws = sample_posterior(fitted, steps, seed + i, observed=noisy).draws
        low, high = draws.quantile(tail), draws.quantile(1 - tail)
        for name in names:
            truth = float(design.iloc[i][name])
            out.append(
                {
                    "truth_point": int(design.iloc[i].get("point", i)),
                    "parameter": name,
                    "truth": truth,
                    "low": float(low[name]),
                    "high": float(high[name]),
                    "inside": bool(low[name] <= truth <= high[name]),
                }
            )
        if progress:
            progress(n_done + 1, len(truths))
    return pd.DataFrame(out)
