"""Bayesian calibration by ABC-SMC (pyabc), with checkpoints and resume.

:func:`calibrate` fits a shortlist of parameters to targets (rows of the targets table,
calibration split only). The simulator maps parameter overrides to one prediction per target
key. Each prediction and each published value is divided by the row's scale (:func:`target_scale`:
the 95% CI half-width / 1.96, else the SE, else a published range's half-width / 2, else the SD),
so every target weighs by its own precision.

The method is exact ABC in the sense of Wilkinson (2013): a Gaussian error model (SD = the
scale) is the acceptance kernel (pyabc's ``IndependentNormalKernel`` with a
``StochasticAcceptor``), so the final generation, at temperature 1, samples the Bayesian
posterior under that error model. Earlier generations are tempered: the likelihood is raised to
``1/T`` on a fixed geometric ladder from ``T0`` down to 1 over the generations, with ``T0`` set
from a sample of the prior so that about :data:`START_ACCEPTANCE` of prior draws are accepted.
The ladder and the acceptance normalisation are fixed in advance (no adaptive state), and every
proposal is seeded by ``(seed, generation, number)`` (:mod:`gutbrain.calibrate.abc_sampler`), so a
run resumed from its checkpoint gives the same posterior as an uninterrupted run.

The checkpoint is pyabc's History database (``abc.db``) in ``checkpoint_dir``, written after each
generation, beside ``run.toml`` with the settings; resuming with other settings is refused.

Example
-------
>>> from gutbrain.calibrate.abc import Budget, calibrate  # doctest: +SKIP
>>> post = calibrate(simulator, rows, ["gamma_ssri"], "uniform", Budget(100, 4), 1, "ckpt")
>>> post.members.describe()  # doctest: +SKIP
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyabc
import tomli_w
from scipy.optimize import brentq

from gutbrain.calibrate.abc_sampler import OrderedSampler
from gutbrain.errors import DataError, GutbrainError
from gutbrain.model.parameters import PARAMETER_TABLE
from gutbrain.model.targets import Target

__all__ = [
    "START_ACCEPTANCE",
    "Budget",
    "Posterior",
    "Simulator",
    "calibrate",
    "make_prior",
    "observed_value",
    "target_scale",
    "temperature_ladder",
]

Simulator = Callable[[dict[str, float]], Mapping[str, float]]
PriorKind = Literal["uniform", "pert"]

#: Share of prior draws the first generation accepts (sets ``T0``); pyabc's own
#: ``AcceptanceRateScheme`` aims at the same 0.3 by default.
START_ACCEPTANCE = 0.3
_Z95 = 1.959963984540054  # the 97.5% normal quantile


@dataclass(frozen=True)
class Budget:
    """How much to spend: particles per generation, generations, and an optional wall-time cap.

    A run stops after ``generations`` generations (the last at temperature 1) or when
    ``minutes`` have passed, whichever comes first; a run stopped by the clock ends tempered
    (``Posterior.temperature`` > 1) and its posterior is wider than the exact one.
    """

    population: int = 200
    generations: int = 8
    minutes: float | None = None

    def __post_init__(self) -> None:
        if self.population < 2:
            raise DataError(f"population = {self.population}; expected at least 2 particles")
        if self.generations < 1:
            raise DataError(f"generations = {self.generations}; expected at least 1")
        if self.minutes is not None and not self.minutes > 0:
            raise DataError(f"budget minutes = {self.minutes}; expected a time > 0")


@dataclass(frozen=True)
class Posterior:
    """The last generation of a calibration, with what it cost."""

    members: pd.DataFrame  # one row per particle, one column per shortlisted parameter
    weights: np.ndarray  # importance weights, summing to 1
    temperature: float  # 1.0: the exact posterior under the Gaussian error model
    generations: int  # generations completed
    simulations: int  # simulations pyabc counts (up to each generation's last acceptance)
    evaluated: int  # simulations run in this call, look-ahead included
    settings: dict[str, Any] = field(default_factory=dict)  # the run.toml content

    def resample(self, n: int, seed: int) -> pd.DataFrame:
        """``n`` members drawn by weight (systematic resampling), as equally weighted rows."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, n]))
        positions = (rng.random() + np.arange(n)) / n
        index = np.searchsorted(np.cumsum(self.weights), positions)
        index = np.minimum(index, len(self.weights) - 1)
        return self.members.iloc[index].reset_index(drop=True)


def target_scale(row: Target) -> float:
    """The scale a target's distance is divided by (see the module docstring).

    Raises
    ------
    DataError
        The row gives no CI, SE, range or SD (e.g. a ``direction`` row).
    """
    if row.interval == "ci95" and row.low is not None and row.high is not None:
        scale = (row.high - row.low) / (2 * _Z95)
    elif row.se is not None:
        scale = row.se
    elif row.interval == "range" and row.low is not None and row.high is not None:
        scale = (row.high - row.low) / 2
    elif row.sd is not None:
        scale = row.sd
    else:
        scale = 0.0
    if not scale > 0:
        raise DataError(
            f"targets.csv: row {row.key!r} has no CI, SE, range or SD > 0 to scale its "
            "distance; expected a calibration target with a published spread"
        )
    return float(scale)


def observed_value(row: Target) -> float:
    """The published value, or the middle of a published range."""
    if row.value is not None:
        return row.value
    assert row.low is not None and row.high is not None  # a range row
    return (row.low + row.high) / 2


def make_prior(shortlist: Sequence[str], kind: PriorKind = "uniform") -> pyabc.Distribution:
    """Uniform, or PERT (mode = the table value), over each parameter's table range."""
    rvs = {}
    for name in shortlist:
        spec = PARAMETER_TABLE.get(name)
        if spec is None:
            raise DataError(f"shortlist: parameter {name!r} is not in parameters.csv")
        width = spec.high - spec.low
        if not width > 0:
            raise DataError(
                f"shortlist: parameter {name!r} has an empty range; expected low < high"
            )
        if kind == "uniform":
            rvs[name] = pyabc.RV("uniform", spec.low, width)
        elif kind == "pert":
            a = 1 + 4 * (spec.value - spec.low) / width
            b = 1 + 4 * (spec.high - spec.value) / width
            rvs[name] = pyabc.RV("beta", a, b, spec.low, width)
        else:
            raise DataError(f"prior {kind!r}; expected 'uniform' or 'pert'")
    return pyabc.Distribution(**rvs)


def temperature_ladder(t0: float, generations: int) -> list[float]:
    """``T0^((G-1-t)/(G-1))`` for ``t = 0 .. G-1``: geometric from ``T0`` down to exactly 1."""
    if generations == 1:
        return [1.0]
    return [t0 ** ((generations - 1 - t) / (generations - 1)) for t in range(generations - 1)] + [
        1.0
    ]


def start_temperature(log_kernel: np.ndarray, rate: float = START_ACCEPTANCE) -> float:
    """The ``T`` >= 1 at which prior draws with these log-kernel values (<= 0) are accepted
    at ``rate`` on average: the mean of ``exp(log_kernel / T)`` equals ``rate``."""
    finite = log_kernel[np.isfinite(log_kernel)]
    if finite.size == 0:
        raise GutbrainError(
            "calibrate: the simulator gave no finite prediction for any prior draw; "
            "expected numbers for every target key"
        )
    share = np.isfinite(log_kernel).mean()

    def gap(log_t: float) -> float:
        return float(share * np.mean(np.exp(finite / math.exp(log_t)))) - rate

    if gap(0.0) >= 0:
        return 1.0
    if gap(math.log(1e12)) < 0:
        raise GutbrainError(
            f"calibrate: only {share:.0%} of prior draws give finite predictions; expected at "
            f"least {rate:.0%} for a start temperature"
        )
    return math.exp(brentq(gap, 0.0, math.log(1e12), xtol=1e-10))


@dataclass(frozen=True)
class _Scaled:
    """The simulator as pyabc's model: parameters -> predictions divided by their scales."""

    simulator: Simulator
    scales: dict[str, float]

    def __call__(self, par: Mapping[str, float]) -> dict[str, float]:
        got = self.simulator({k: float(v) for k, v in par.items()})
        out = {}
        for key, scale in self.scales.items():
            value = float(got[key]) if key in got else math.nan
            out[key] = value / scale if math.isfinite(value) else math.inf
        return out


@dataclass(frozen=True)
class _PriorLogKernel:
    """One prior draw's log acceptance kernel (relative to its maximum): for ``T0``."""

    model: _Scaled
    prior: pyabc.Distribution
    observed: dict[str, float]

    def __call__(self) -> float:
        got = self.model(dict(self.prior.rvs()))
        return -0.5 * sum((got[k] - x) ** 2 for k, x in self.observed.items())


def _settings(
    targets: Sequence[Target],
    shortlist: Sequence[str],
    prior: PriorKind,
    budget: Budget,
    seed: int,
) -> dict[str, Any]:
    return {
        "seed": seed,
        "prior": prior,
        "population": budget.population,
        "generations": budget.generations,
        "shortlist": list(shortlist),
        "targets": {row.key: [observed_value(row), target_scale(row)] for row in targets},
    }


def _check_resume(path: Path, settings: dict[str, Any]) -> dict[str, Any]:
    """The stored settings; refuse a resume whose settings differ."""
    try:
        stored = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(
            f"{path}: cannot be read ({exc}); expected a calibration checkpoint"
        ) from None
    for key, value in settings.items():
        if stored.get(key) != value:
            raise DataError(
                f"{path}: {key} = {stored.get(key)!r} in the checkpoint, {value!r} now; resume "
                "with the same settings or start a new checkpoint folder"
            )
    return stored


def _check_targets(targets: Sequence[Target]) -> None:
    if not targets:
        raise DataError("calibrate: no targets; expected calibration rows of targets.csv")
    for row in targets:
        if row.held_out:
            raise DataError(
                f"targets.csv: row {row.key!r} is a holdout row; expected calibration rows only "
                "(held-out rows are predicted, never fitted)"
            )


def calibrate(
    simulator: Simulator,
    targets: Sequence[Target],
    shortlist: Sequence[str],
    prior: PriorKind = "uniform",
    budget: Budget | None = None,
    seed: int = 0,
    checkpoint_dir: str | Path = "calibration-checkpoint",
    scheduler: Any = None,
    *,
    resume: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> Posterior:
    """Calibrate ``shortlist`` to ``targets`` by ABC-SMC; return the last generation.

    Parameters
    ----------
    simulator
        ``simulator(overrides) -> {target key: prediction}``; a module-level function or a
        picklable object when it runs in worker processes or on Dask.
    targets
        Calibration rows of the targets table; each needs a CI, SE, range or SD.
    shortlist, prior
        The parameters to fit; uniform or PERT priors over their table ranges.
    budget
        Particles, generations and wall time (:class:`Budget`).
    seed
        Fixes every draw: the same seed gives the same posterior, whatever ``workers`` or
        ``scheduler``.
    checkpoint_dir
        Holds ``abc.db`` (pyabc's History, written after each generation) and ``run.toml``.
    scheduler
        A Dask scheduler address or ``Client``: proposals run on the cluster.
    resume
        Continue the run in ``checkpoint_dir`` from its last completed generation. Without it,
        a folder that already holds a run is refused.
    workers
        Local worker processes when no scheduler is given (default: the CPU count; 1 runs in
        this process).
    progress
        Called as ``progress(generation, generations, accepted, population)``.

    Raises
    ------
    DataError
        Bad targets, shortlist or budget; a checkpoint that does not match or is missing.
    """
    budget = budget or Budget()
    _check_targets(targets)
    settings = _settings(targets, shortlist, prior, budget, seed)
    folder = Path(checkpoint_dir)
    db, toml = folder / "abc.db", folder / "run.toml"
    if resume and not toml.is_file():
        raise DataError(f"--resume: {folder} holds no calibration checkpoint (run.toml)")
    if not resume and (db.exists() or toml.exists()):
        raise DataError(
            f"checkpoint {folder}: already holds a calibration run; pass --resume to continue "
            "it, or choose a new folder"
        )
    model = _Scaled(simulator, {k: v[1] for k, v in settings["targets"].items()})
    observed = {k: v[0] / v[1] for k, v in settings["targets"].items()}
    distribution = make_prior(shortlist, prior)
    start = time.perf_counter()
    with ExitStack() as stack:
        client = executor = None
        n_workers = workers or os.cpu_count() or 1
        if scheduler is not None:
            from dask.distributed import Client

            try:
                client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
            except (OSError, TimeoutError) as exc:
                raise GutbrainError(f"--scheduler {scheduler}: cannot connect ({exc})") from exc
            if client is not scheduler:
                stack.callback(client.close)
            n_workers = max(sum(client.nthreads().values()), 1)
        elif n_workers > 1:
            # spawn, not fork: the model's numba kernel may already run OpenMP threads here
            spawn = multiprocessing.get_context("spawn")
            executor = stack.enter_context(ProcessPoolExecutor(n_workers, mp_context=spawn))
        sampler = OrderedSampler(
            seed,
            workers=n_workers,
            executor=executor,
            client=client,
            on_proposals=None
            if progress is None
            else lambda t, accepted, n: progress(t, budget.generations, accepted, n),
        )
        if resume:
            stored = _check_resume(toml, settings)
            t0 = float(stored["start_temperature"])
        else:
            folder.mkdir(parents=True, exist_ok=True)
            draws = sampler.run(
                _PriorLogKernel(model, distribution, observed), -1, budget.population
            )
            t0 = start_temperature(np.array(draws, dtype=float))
            toml.write_text(tomli_w.dumps({**settings, "start_temperature": t0}), encoding="utf-8")
        ladder = temperature_ladder(t0, budget.generations)
        abc = pyabc.ABCSMC(
            model,
            distribution,
            pyabc.IndependentNormalKernel(var=[1.0] * len(observed), keys=list(observed)),
            population_size=budget.population,
            eps=pyabc.ListTemperature(ladder),
            acceptor=pyabc.StochasticAcceptor(pdf_norm_method=pyabc.acceptor.pdf_norm_from_kernel),
            sampler=sampler,
        )
        url = f"sqlite:///{db.resolve()}"
        history = abc.load(url, 1) if resume else abc.new(url, observed)
        done = history.max_t + 1
        if done == 0 or ladder[done - 1] > 1.0:  # the last generation ran at temperature 1
            wall = timedelta(minutes=budget.minutes) if budget.minutes is not None else None
            abc.run(max_nr_populations=budget.generations - done, max_walltime=wall)
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    members = frame.reset_index(drop=True)[list(shortlist)]
    last = history.max_t
    return Posterior(
        members=members,
        weights=np.asarray(weights, dtype=float) / float(np.sum(weights)),
        temperature=ladder[last],
        generations=last + 1,
        simulations=int(history.total_nr_simulations),
        evaluated=sampler.evaluated,
        settings={**settings, "start_temperature": t0, "wall_seconds": time.perf_counter() - start},
    )
