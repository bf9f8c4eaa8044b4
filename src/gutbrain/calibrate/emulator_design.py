"""The emulator calibration's design: Latin hypercube points and the model's predictions at them.

The design covers :func:`design_parameters` (the Morris shortlist plus :data:`ADDED`), each over
its declared range in ``parameters.csv``. It is built in batches of :data:`BATCH` points; each
batch is its own Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`, seeded by
``(seed, batch)``), so every completed batch is space-filling on its own and a design stopped
part-way still gives an emulator on whole batches.

:func:`run_design` predicts every calibration row (:func:`gutbrain.calibrate.predict.predict`)
at each point, one point after another or on a Dask cluster
(:func:`gutbrain._runner.run_ordered`), and appends each finished point to ``design.csv`` at
once: the checkpoint. A rerun with the same settings skips the points already there (resume);
other settings are refused, naming the one that differs.

Example
-------
>>> from gutbrain.calibrate.emulator_design import design_points
>>> design_points(["gamma_ssri", "e_expectancy_na"], 4, seed=1).shape
(4, 2)
"""

from __future__ import annotations

import csv
import math
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from scipy.stats import qmc

from gutbrain._runner import run_ordered
from gutbrain.calibrate.morris import load_shortlist
from gutbrain.errors import DataError
from gutbrain.model.parameters import PARAMETER_TABLE

__all__ = [
    "ADDED",
    "BATCH",
    "Predictor",
    "calibration_keys",
    "design_parameters",
    "design_points",
    "load_design",
    "run_design",
]

#: Parameters calibrated besides the Morris shortlist, and why. The committed Morris screen
#: predates the natural-course and expectancy model and screened only the model rows, so these
#: could not enter it; they drive the placebo, natural-course and SSRI rows of the targets
#: table (a declared choice, issue 18 item 3).
ADDED: dict[str, str] = {
    "episode_stress": "natural course: a depressive episode's stressor load",
    "gamma_episode": "natural course: the rate at which an episode wanes (remission)",
    "expectancy_stress_damping": "placebo response: expectancy damps perceived stress",
    "e_expectancy_na": "placebo response: expectancy lowers negative affect",
    "e_expectancy_pa": "placebo response: expectancy raises positive affect",
    "gamma_expectancy": "placebo response: expectancy build-up rate",
    "gamma_ssri": "SSRI onset (adaptation rate)",
    "e_ssri_serotonergic": "SSRI effect on serotonergic tone",
    "e_ssri_plasticity_window": "SSRI effect that re-opens the plasticity window",
    "e_ssri_neuroplasticity": "SSRI effect on neuroplasticity",
}
#: Points per Latin-hypercube batch.
BATCH = 20
SETTINGS = "design.toml"
TABLE = "design.csv"

Predictor = Callable[[dict[str, float], list[str]], dict[str, float]]


def design_parameters() -> list[str]:
    """The calibrated parameters: the committed shortlist, then :data:`ADDED` (no repeats)."""
    names = list(load_shortlist()["parameter"])
    return names + [n for n in ADDED if n not in names]


def calibration_keys(predictable: Sequence[str] | None = None) -> list[str]:
    """The calibration rows the model predicts, in the targets table's order."""
    from gutbrain.calibrate.predict import predictable_keys
    from gutbrain.model.targets import load_targets

    split = {t.key: t.split for t in load_targets()}
    keys = predictable_keys() if predictable is None else predictable
    return [k for k in keys if split[k] == "calibration"]


def _bounds(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    for n in names:
        spec = PARAMETER_TABLE.get(n)
        if spec is None:
            raise DataError(f"design: parameter {n!r} is not in parameters.csv")
        if not spec.high > spec.low:
            raise DataError(f"design: parameter {n!r} has an empty range; expected low < high")
    low = np.array([PARAMETER_TABLE[n].low for n in names])
    high = np.array([PARAMETER_TABLE[n].high for n in names])
    return low, high


def design_points(names: Sequence[str], n: int, seed: int) -> pd.DataFrame:
    """``n`` points over the parameters' declared ranges: batches of :data:`BATCH` Latin
    hypercube points, batch ``b`` seeded by ``(seed, b)`` (the last batch may be shorter)."""
    low, high = _bounds(names)
    parts = []
    for b in range(math.ceil(n / BATCH)):
        size = min(BATCH, n - b * BATCH)
        rng = np.random.default_rng(np.random.SeedSequence([seed, b]))
        unit = qmc.LatinHypercube(d=len(names), rng=rng).random(size)
        parts.append(qmc.scale(unit, low, high))
    return pd.DataFrame(np.vstack(parts), columns=list(names))


def _predict_point(
    shared: tuple[Predictor, list[str]], point: dict[str, float]
) -> tuple[dict[str, float], float]:
    predictor, keys = shared
    start = time.perf_counter()
    out = predictor(point, keys)
    return out, time.perf_counter() - start


def _check_settings(folder: Path, settings: dict[str, Any]) -> None:
    path = folder / SETTINGS
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(tomli_w.dumps(settings), encoding="utf-8")
        return
    earlier = tomllib.loads(path.read_text(encoding="utf-8"))
    for name, value in settings.items():
        if earlier.get(name) != value:
            raise DataError(
                f"{path}: the design was started with {name} = {earlier.get(name)!r}, "
                f"now {value!r}; expected the same settings to resume (or a new folder)"
            )


def _drop_partial_line(path: Path) -> None:
    """Cut a line left half-written by an interruption, so the table stays readable."""
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            path.write_bytes(data[: data.rfind(b"\n") + 1])


def load_design(folder: str | Path) -> pd.DataFrame:
    """The finished points of ``folder/design.csv``: ``point``, the parameters, the row keys,
    and ``seconds`` (the prediction's wall time); empty when none has finished."""
    path = Path(folder) / TABLE
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path)


def run_design(
    folder: str | Path,
    n: int,
    seed: int,
    *,
    names: Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
    predictor: Predictor | None = None,
    scheduler: Any = None,
    minutes: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Predict ``keys`` (default: :func:`calibration_keys`) at ``n`` design points into
    ``folder``, resuming from the points already in ``folder/design.csv``; return the design.

    ``predictor`` defaults to :func:`gutbrain.calibrate.predict.predict`; ``progress(done, n)``
    is called after each point. With ``minutes``, no new point starts once that much wall time
    has passed.
    """
    start = time.perf_counter()
    if n < 2:
        raise DataError(f"design points = {n}; expected at least 2")
    if predictor is None:
        from gutbrain.calibrate.predict import predict

        predictor = predict
    names = list(names or design_parameters())
    keys = list(keys or calibration_keys())
    folder = Path(folder)
    _check_settings(folder, {"seed": seed, "points": n, "parameters": names, "keys": keys})
    points = design_points(names, n, seed)
    path = folder / TABLE
    _drop_partial_line(path)
    fresh = not path.exists() or path.stat().st_size == 0
    done = len(load_design(folder))
    if progress:
        progress(done, n)
    todo = [dict(zip(names, map(float, points.iloc[i]), strict=True)) for i in range(done, n)]
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if fresh:
            writer.writerow(["point", *names, *keys, "seconds"])
        fh.flush()
        results = run_ordered(_predict_point, (predictor, keys), todo, scheduler=scheduler)
        for i, point in enumerate(todo, done):
            if minutes is not None and time.perf_counter() - start > 60 * minutes:
                break
            out, seconds = next(results)
            writer.writerow(
                [i, *point.values(), *(repr(float(out[k])) for k in keys), repr(seconds)]
            )
            fh.flush()
            if progress:
                progress(i + 1, n)
    return load_design(folder)
