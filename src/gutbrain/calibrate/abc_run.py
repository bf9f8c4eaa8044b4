"""``gutbrain calibrate``: run (or resume) a calibration into a folder and write the ensemble.

The folder holds ``checkpoint/`` (pyabc's database and ``run.toml``, written after every
generation), then ``ensemble.csv`` and ``ensemble.toml`` (the manifest: versions, seed, inputs,
cost). What is calibrated is a :class:`Problem`: a simulator, its calibration targets, the
shortlist of parameters and the person-days one simulator call costs. :func:`default_problem`
is the deterministic timing problem (:mod:`gutbrain.calibrate.abc_timing`); a problem built on
the full target predictions is passed in the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gutbrain._outdir import claim_dir, written_by
from gutbrain.calibrate.abc import Budget, Posterior, PriorKind, Simulator, calibrate
from gutbrain.calibrate.abc_ensemble import ensemble_files
from gutbrain.calibrate.abc_timing import FITTED, PERSON_DAYS, timing_simulator, timing_targets
from gutbrain.errors import DataError
from gutbrain.model.targets import Target

__all__ = ["Problem", "claim_calibration_folder", "default_problem", "run_calibration"]

COMMAND = "calibrate"


@dataclass(frozen=True)
class Problem:
    """What to calibrate: ``simulator(overrides) -> {key: prediction}`` for ``targets``."""

    simulator: Simulator
    targets: Sequence[Target]
    shortlist: Sequence[str]
    person_days_per_call: float
    prior: PriorKind = "uniform"


def default_problem() -> Problem:
    """The deterministic timing problem: three parameters, three timing targets."""
    return Problem(timing_simulator, timing_targets(), FITTED, PERSON_DAYS)


def claim_calibration_folder(
    out: str | Path, checkpoint: str, *, members: int, resume: bool, overwrite: bool
) -> Path:
    """Check ``out`` for a calibration run: with ``resume`` it must hold an earlier one;
    without, it is claimed (an earlier run only with ``overwrite``) and its ``checkpoint``
    folder removed."""
    folder = Path(out)
    if members < 1:
        raise DataError(f"--members {members}: expected at least 1 ensemble member")
    earlier = written_by(folder) == COMMAND
    if resume and not earlier:
        raise DataError(f"--resume: {folder} holds no earlier gutbrain {COMMAND} output")
    if not resume:
        if earlier and not overwrite:
            raise DataError(
                f"output {folder}: holds an earlier gutbrain {COMMAND} run; pass --resume to "
                "continue it, --overwrite to replace it, or choose a new folder"
            )
        claim_dir(folder, COMMAND, overwrite=overwrite)
        shutil.rmtree(folder / checkpoint, ignore_errors=True)
    return folder


def run_calibration(
    out: str | Path,
    budget: Budget,
    *,
    seed: int = 0,
    members: int = 200,
    scheduler: Any = None,
    resume: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    problem: Problem | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> tuple[Posterior, dict[str, str]]:
    """Calibrate ``problem`` into ``out``; return the posterior and the files written.

    ``resume`` continues the run in ``out``; ``overwrite`` replaces an earlier calibration
    there (never other files).

    Raises
    ------
    DataError
        ``out`` holds other files (or, with ``resume``, no earlier calibration), or the
        checkpoint does not match the settings.
    """
    folder = claim_calibration_folder(
        out, "checkpoint", members=members, resume=resume, overwrite=overwrite
    )
    chosen = problem or default_problem()
    post = calibrate(
        chosen.simulator,
        chosen.targets,
        chosen.shortlist,
        chosen.prior,
        budget,
        seed,
        folder / "checkpoint",
        scheduler,
        resume=resume,
        workers=workers,
        progress=progress,
    )
    texts = ensemble_files(
        post,
        chosen.targets,
        members=members,
        seed=seed,
        person_days_per_call=chosen.person_days_per_call,
    )
    try:
        for name, text in texts.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"output {folder}: cannot write ({exc.strerror or exc})") from exc
    return post, texts
