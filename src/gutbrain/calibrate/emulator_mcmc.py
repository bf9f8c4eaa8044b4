"""MCMC (emcee) on the emulators' likelihood: the posterior of the calibrated parameters.

The parameters move in the unit cube over their declared ranges, under a uniform prior. Each
likelihood row is Gaussian around the published value, with variance = the row's error scale
squared (:func:`gutbrain.calibrate.emulator.error_scale`) plus the emulator's variance at the
point (:meth:`gutbrain.calibrate.emulator.Emulators.predict`), so an uncertain emulator widens
the posterior instead of sharpening it falsely. emcee's affine-invariant ensemble sampler runs
:data:`WALKERS_PER_PARAMETER` walkers per parameter (emcee's minimum; each step costs one
emulator call per walker), seeded, all walkers evaluated in one vectorised call. Started
from the prior itself, the walkers did not reach the likelihood's mode in a few thousand steps
(acceptance 3%), so they start at the most likely of :data:`START_POOL` prior draws per walker
(emcee's advice: start near the mode); the first half of the chain is burn-in, and the
members are drawn evenly from the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import emcee
import numpy as np
import pandas as pd

from gutbrain.calibrate.abc import observed_value
from gutbrain.calibrate.emulator import Emulators, error_scale
from gutbrain.errors import DataError
from gutbrain.model.parameters import PARAMETER_TABLE

__all__ = ["WALKERS_PER_PARAMETER", "Chain", "log_likelihood", "sample_posterior"]

WALKERS_PER_PARAMETER = 2
#: The walkers start at the most likely of START_POOL x walkers prior draws.
START_POOL = 50


def log_likelihood(emulators: Emulators, unit: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Gaussian log-likelihood of ``observed`` (one value per row) at each unit-cube point."""
    scale2 = np.array([error_scale(r)[0] ** 2 for r in emulators.rows])
    mean, var = emulators.predict(unit)
    total = scale2 + var
    return -0.5 * np.sum((observed - mean) ** 2 / total + np.log(2 * np.pi * total), axis=1)


class _LogPosterior:
    """Uniform prior on the unit cube times the emulator likelihood (vectorised over walkers)."""

    def __init__(self, emulators: Emulators, observed: np.ndarray) -> None:
        self.emulators = emulators
        self.observed = observed

    def __call__(self, unit: np.ndarray) -> np.ndarray:
        out = np.full(len(unit), -np.inf)
        inside = np.all((unit >= 0) & (unit <= 1), axis=1)
        if inside.any():
            out[inside] = log_likelihood(self.emulators, unit[inside], self.observed)
        return out


@dataclass(frozen=True)
class Chain:
    """The kept MCMC draws (after burn-in) and the sampler's diagnostics."""

    draws: pd.DataFrame  # parameter values (declared units), one row per kept draw
    acceptance: float  # mean acceptance fraction over walkers
    autocorrelation: float  # largest integrated autocorrelation time over parameters (steps)
    steps: int

    def members(self, n: int) -> pd.DataFrame:
        """``n`` draws spread evenly over the kept chain, as equally weighted members."""
        if n > len(self.draws):
            raise DataError(f"members = {n}; the chain kept {len(self.draws)} draws")
        index = np.linspace(0, len(self.draws) - 1, n).round().astype(int)
        return self.draws.iloc[index].reset_index(drop=True)


def sample_posterior(
    emulators: Emulators, steps: int, seed: int, observed: np.ndarray | None = None
) -> Chain:
    """Run emcee for ``steps`` steps; ``observed`` defaults to the rows' published values."""
    if steps < 4:
        raise DataError(f"MCMC steps = {steps}; expected at least 4")
    names = emulators.names
    d = len(names)
    walkers = WALKERS_PER_PARAMETER * d
    if observed is None:
        observed = np.array([observed_value(r) for r in emulators.rows])
    rng = np.random.default_rng(np.random.SeedSequence([seed, steps]))
    log_post = _LogPosterior(emulators, observed)
    pool = rng.random((START_POOL * walkers, d))
    start = pool[np.argsort(log_post(pool))[-walkers:]]
    sampler = emcee.EnsembleSampler(walkers, d, log_post, vectorize=True)
    sampler.random_state = np.random.RandomState(rng.integers(2**32)).get_state()
    sampler.run_mcmc(start, steps)
    kept = sampler.get_chain(discard=steps // 2, flat=True)
    low = np.array([PARAMETER_TABLE[n].low for n in names])
    high = np.array([PARAMETER_TABLE[n].high for n in names])
    tau = sampler.get_autocorr_time(discard=steps // 2, quiet=True)
    return Chain(
        pd.DataFrame(low + kept * (high - low), columns=names),
        float(np.mean(sampler.acceptance_fraction)),
        float(np.max(tau)),
        steps,
    )
