"""``gutbrain calibrate --method emulator``: design, emulators, MCMC, and the posterior ensemble.

Into ``out``: ``design/`` (the checkpointed design, :mod:`gutbrain.calibrate.emulator_design`),
``emulators.csv`` (each row's emulator and its leave-out error,
:mod:`gutbrain.calibrate.emulator`), then ``ensemble.csv`` and ``ensemble.toml`` in the layout
:func:`gutbrain.model.ensemble.load_ensemble` reads. Only the design costs simulations; a rerun
with ``resume`` continues it from the last finished point, and the emulators and the MCMC, which
are cheap and seeded, are redone from the whole design.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from gutbrain._version import __version__
from gutbrain.calibrate.abc_ensemble import targets_sha256
from gutbrain.calibrate.abc_run import claim_calibration_folder
from gutbrain.calibrate.emulator import Emulators, fit_emulators, likelihood_rows
from gutbrain.calibrate.emulator_design import (
    ADDED,
    BATCH,
    Predictor,
    calibration_keys,
    design_parameters,
    run_design,
)
from gutbrain.calibrate.emulator_mcmc import WALKERS_PER_PARAMETER, Chain, sample_posterior
from gutbrain.errors import DataError
from gutbrain.model.targets import load_targets

__all__ = ["METHOD", "EmulatorRun", "run_emulator_calibration"]

METHOD = (
    "emulator: Latin-hypercube design of real predictions, one scikit-learn emulator per "
    "calibration row (Gaussian process or linear, by cross-validation), MCMC (emcee) on the "
    "Gaussian likelihood with the emulator's variance added"
)
_LIBRARIES = ("scikit-learn", "emcee", "numpy", "scipy", "pandas")


@dataclass(frozen=True)
class EmulatorRun:
    """What a run produced: the design, the emulators, the chain and the files written."""

    design: pd.DataFrame
    emulators: Emulators
    chain: Chain
    members: pd.DataFrame
    info: dict[str, Any]


def _manifest(
    design: pd.DataFrame,
    emu: Emulators,
    chain: Chain,
    *,
    seed: int,
    points: int,
    keys: list[str],
    wall: float,
    person_days_per_point: float | None,
) -> dict[str, Any]:
    done = len(design)
    info: dict[str, Any] = {
        "version": 1,
        "method": METHOD,
        "gutbrain": __version__,
        "libraries": {name: version(name) for name in _LIBRARIES},
        "seed": seed,
        "prior": "uniform",
        "shortlist": emu.names,
        "added_to_shortlist": list(ADDED),
        "target_keys": [r.key for r in emu.rows],
        "not_fitted_direction_rows": [k for k in keys if k not in {r.key for r in emu.rows}],
        "targets_sha256": targets_sha256(),
        "design_points": done,
        "design_points_planned": points,
        "emulators": dict(zip([r.key for r in emu.rows], emu.kinds, strict=True)),
        "mcmc_walkers": WALKERS_PER_PARAMETER * len(emu.names),
        "mcmc_steps": chain.steps,
        "mcmc_acceptance": round(chain.acceptance, 4),
        "mcmc_autocorrelation_steps": round(chain.autocorrelation, 2),
        "simulations": done,
        "design_seconds": round(float(design["seconds"].sum()), 3),
        "wall_seconds": round(wall, 3),
    }
    if person_days_per_point is not None:
        info["person_days"] = done * person_days_per_point
    return info


def run_emulator_calibration(
    out: str | Path,
    *,
    points: int = 200,
    minutes: float | None = None,
    steps: int = 4000,
    members: int = 200,
    seed: int = 0,
    scheduler: Any = None,
    resume: bool = False,
    overwrite: bool = False,
    predictor: Predictor | None = None,
    names: list[str] | None = None,
    keys: list[str] | None = None,
    person_days_per_point: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EmulatorRun:
    """Run (or resume) the emulator calibration into ``out``; see the module docstring.

    ``minutes`` caps the design's wall time: no new point starts after it, and the emulators
    are fitted on the whole batches finished (``resume`` continues the design later).
    ``predictor``, ``names`` and ``keys`` default to the real model's predictions, the design
    parameters and the predicted calibration rows (a stand-in model is passed the same way).

    Raises
    ------
    DataError
        ``out`` holds other files (or, with ``resume``, no earlier calibration), or the design
        was started with other settings.
    """
    start = time.perf_counter()
    folder = claim_calibration_folder(
        out, "design", members=members, resume=resume, overwrite=overwrite
    )
    names = names or design_parameters()
    keys = keys or calibration_keys()
    design = run_design(
        folder / "design",
        points,
        seed,
        names=names,
        keys=keys,
        predictor=predictor,
        scheduler=scheduler,
        minutes=minutes,
        progress=progress,
    )
    if len(design) < points:  # stopped by the clock: fit on whole Latin-hypercube batches
        design = design.iloc[: len(design) // BATCH * BATCH]
    if design.empty:
        raise DataError(
            f"{folder / 'design'}: no whole batch of {BATCH} design points finished in "
            f"--budget-minutes {minutes}; expected at least one (--resume continues the design)"
        )
    rows = likelihood_rows(load_targets(), keys)
    emu = fit_emulators(design, names, rows, seed)
    chain = sample_posterior(emu, steps, seed)
    drawn = chain.members(members)
    width = max(3, len(str(members)))
    drawn.insert(0, "member", [f"posterior-{i + 1:0{width}d}" for i in range(members)])
    info = _manifest(
        design,
        emu,
        chain,
        seed=seed,
        points=points,
        keys=keys,
        wall=time.perf_counter() - start,
        person_days_per_point=person_days_per_point,
    )
    try:
        emu.table.to_csv(folder / "emulators.csv", index=False, float_format="%.6g")
        drawn.to_csv(folder / "ensemble.csv", index=False, float_format="%.10g")
        (folder / "ensemble.toml").write_text(tomli_w.dumps(info), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"output {folder}: cannot write ({exc.strerror or exc})") from exc
    return EmulatorRun(design, emu, chain, drawn, info)
