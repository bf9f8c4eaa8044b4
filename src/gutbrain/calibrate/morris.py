"""Morris screening (elementary effects, SALib) of the assumed parameters on the predictions.

The factors are the parameters whose role in ``parameters.csv`` is ``assumed``, each over its
declared range, except those a parameter set may not override
(:data:`gutbrain.calibrate.runs.FIXED`: the person traits and the reference composition). The
outputs are the predicted target rows (:func:`gutbrain.calibrate.predict.predict`), each divided
by its :func:`scale`, so an elementary effect of 1 moves a row by its published 95% CI (or SD).

:func:`screen` runs the design and returns one row per (parameter, target) with SALib's
``mu``, ``mu_star``, ``sigma`` and ``mu_star_conf``; :func:`rank` sums them up per parameter,
and :func:`shortlist` applies the stated rule (:data:`THRESHOLD`, :data:`MAX_SHORTLIST`).

Example
-------
>>> from gutbrain.calibrate.morris import factors
>>> "gamma_ssri" in factors()  # a calibrated parameter is not screened
False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from importlib.resources import files

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

from gutbrain.calibrate.runs import FIXED
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import Target, load_targets

__all__ = [
    "LEVELS",
    "MAX_SHORTLIST",
    "THRESHOLD",
    "factors",
    "load_shortlist",
    "rank",
    "scale",
    "screen",
    "shortlist",
]

#: Grid levels of the Morris design (SALib's default).
LEVELS = 4
#: Shortlist rule: a parameter enters when its largest normalised mu* over the calibration rows
#: is at least THRESHOLD (it moves some row by a quarter of that row's published CI on average
#: over its range), keeping at most MAX_SHORTLIST parameters, the largest first.
THRESHOLD = 0.25
MAX_SHORTLIST = 25

Predictor = Callable[[dict[str, float], list[str]], dict[str, float]]


def factors() -> list[str]:
    """The screened parameters: role ``assumed``, a range wider than a point, not fixed."""
    return [
        name
        for name, spec in PARAMETER_TABLE.items()
        if spec.role == "assumed" and spec.high > spec.low and name not in FIXED
    ]


def scale(t: Target) -> float:
    """The row's yardstick: its 95% CI width, else 4 SD, else its range width, else |value|,
    else 1 (a ``direction`` row, whose prediction is -1, 0 or 1)."""
    if t.ci95_width:
        return t.ci95_width
    if t.sd:
        return 4 * t.sd  # about the width of a 95% interval
    if t.low is not None and t.high is not None and t.high > t.low:
        return t.high - t.low
    if t.kind != "direction" and t.value:
        return abs(t.value)
    return 1.0


def screen(
    keys: Sequence[str],
    trajectories: int,
    seed: int,
    predictor: Predictor | None = None,
    names: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Run a Morris design and analyse each target row.

    Parameters
    ----------
    keys
        Target keys (outputs); each is divided by its :func:`scale`.
    trajectories
        Morris trajectories ``r``; the design runs ``r * (k + 1)`` parameter sets.
    seed
        Seed of the design and of SALib's bootstrap of ``mu_star_conf``.
    predictor
        ``predict(overrides, keys)``; default :func:`gutbrain.calibrate.predict.predict`.
    names
        Parameters to screen (default :func:`factors`).
    progress
        Called with (parameter sets done, total).
    workers
        Local processes evaluating parameter sets (results do not depend on it).

    Returns
    -------
    DataFrame
        One row per parameter and key: ``parameter, key, mu, mu_star, sigma, mu_star_conf``
        (normalised units) and ``trajectories``, the complete trajectories analysed: one with a
        NaN prediction for the key is left out of that key, and a key with fewer than two
        complete trajectories is left out.
    """
    from gutbrain.calibrate.predict import predict

    evaluate: Predictor = predict if predictor is None else predictor
    names = list(factors() if names is None else names)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[PARAMETER_TABLE[n].low, PARAMETER_TABLE[n].high] for n in names],
    }
    bounds = np.array(problem["bounds"])
    # the grid's top level can land a rounding error past the declared high end: clip it back
    x = np.clip(
        morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=seed),
        bounds[:, 0],
        bounds[:, 1],
    )
    by_key = {t.key: t for t in load_targets()}
    sets = [dict(zip(names, map(float, row), strict=True)) for row in x]
    y = np.empty((len(x), len(keys)))
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        run = pool.map if pool is not None else map
        for i, got in enumerate(run(evaluate, sets, [list(keys)] * len(sets))):
            y[i] = [got[k] / scale(by_key[k]) for k in keys]
            if progress is not None:
                progress(i + 1, len(x))
    parts = []
    steps = len(names) + 1
    for j, key in enumerate(keys):
        # a trajectory with a NaN prediction (e.g. a trial whose cohort fails screening) has no
        # elementary effects for this row: analyse the complete trajectories only
        whole = np.isfinite(y[:, j]).reshape(-1, steps).all(axis=1)
        if whole.sum() < 2:
            continue
        rows = np.repeat(whole, steps)
        si = morris_analyze.analyze(problem, x[rows], y[rows, j], num_levels=LEVELS, seed=seed)
        parts.append(
            pd.DataFrame(
                {
                    "parameter": names,
                    "key": key,
                    **{c: np.asarray(si[c], dtype=float) for c in _STATS},
                    "trajectories": int(whole.sum()),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else _empty()


_STATS = ("mu", "mu_star", "sigma", "mu_star_conf")


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["parameter", "key", *_STATS, "trajectories"])


def rank(results: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the largest and the mean normalised ``mu_star`` over the rows, the row it
    is largest for, and that row's ``sigma``; sorted, most influential first."""
    top = results.loc[results.groupby("parameter")["mu_star"].idxmax()]
    out = pd.DataFrame(
        {
            "parameter": top["parameter"].to_numpy(),
            "max_mu_star": top["mu_star"].to_numpy(),
            "top_key": top["key"].to_numpy(),
            "sigma_at_top": top["sigma"].to_numpy(),
        }
    )
    mean = results.groupby("parameter")["mu_star"].mean()
    out["mean_mu_star"] = out["parameter"].map(mean).to_numpy()
    return out.sort_values("max_mu_star", ascending=False, ignore_index=True)


def shortlist(ranked: pd.DataFrame) -> pd.DataFrame:
    """The parameters the rule keeps (:data:`THRESHOLD`, :data:`MAX_SHORTLIST`), with their
    ranges from the parameter table."""
    keep = ranked[ranked["max_mu_star"] >= THRESHOLD].head(MAX_SHORTLIST).copy()
    keep["low"] = [PARAMETER_TABLE[n].low for n in keep["parameter"]]
    keep["value"] = [PARAMETER_TABLE[n].value for n in keep["parameter"]]
    keep["high"] = [PARAMETER_TABLE[n].high for n in keep["parameter"]]
    return keep.reset_index(drop=True)


def load_shortlist() -> pd.DataFrame:
    """The committed shortlist, ``calibrate/data/shortlist.csv`` (written by
    ``benchmarks/morris_screen.py``)."""
    with files("gutbrain.calibrate").joinpath("data/shortlist.csv").open() as fh:
        return pd.read_csv(fh)
