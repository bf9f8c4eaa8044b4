"""The posterior as a versioned ensemble: ``ensemble.csv`` and ``ensemble.toml``.

``ensemble.csv`` has a ``member`` column (``posterior-001``, ...) and one column per calibrated
parameter; every member is an equally weighted draw from the posterior (systematic resampling of
the last ABC generation by weight). ``ensemble.toml`` records how it was made: the format version,
the method, library versions, seed, shortlist, target keys with the sha256 of the targets table,
generations, final temperature, simulations, simulated person-days and wall time: the
manifest of ``gutbrain calibrate``.
:func:`gutbrain.model.ensemble.load_ensemble` reads this layout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.metadata import version
from importlib.resources import files
from typing import Any

import tomli_w

from gutbrain._version import __version__
from gutbrain.calibrate.abc import Posterior
from gutbrain.model.targets import Target

__all__ = ["FORMAT_VERSION", "METHOD", "ensemble_files", "targets_sha256"]

#: Version of the ensemble file layout.
FORMAT_VERSION = 1
METHOD = (
    "ABC-SMC (pyabc): Gaussian error kernel with stochastic acceptance, geometric temperature "
    "ladder to T = 1, ordered seeded sampler"
)
_LIBRARIES = ("pyabc", "numpy", "scipy", "pandas")


def targets_sha256() -> str:
    """The sha256 of the packaged ``targets.csv``."""
    data = files("gutbrain.model").joinpath("data/targets.csv").read_bytes()
    return hashlib.sha256(data).hexdigest()


def ensemble_files(
    post: Posterior,
    targets: Sequence[Target],
    *,
    members: int,
    seed: int,
    person_days_per_call: float,
) -> dict[str, str]:
    """``{"ensemble.csv": text, "ensemble.toml": text}`` for ``members`` posterior draws."""
    drawn = post.resample(members, seed)
    width = max(3, len(str(members)))
    drawn.insert(0, "member", [f"posterior-{i + 1:0{width}d}" for i in range(members)])
    info: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "method": METHOD,
        "gutbrain": __version__,
        "libraries": {name: version(name) for name in _LIBRARIES},
        "seed": seed,
        "prior": post.settings["prior"],
        "shortlist": list(post.members.columns),
        "target_keys": [row.key for row in targets],
        "targets_sha256": targets_sha256(),
        "population": post.settings["population"],
        "generations": post.generations,
        "temperature": post.temperature,
        "simulations": post.simulations,
        # the prior sample that set T0 plus every simulation pyabc counted (look-ahead excluded)
        "person_days": (post.simulations + post.settings["population"]) * person_days_per_call,
        "evaluated_in_last_call": post.evaluated,
        "wall_seconds": round(post.settings["wall_seconds"], 3),
    }
    return {
        "ensemble.csv": drawn.to_csv(index=False),
        "ensemble.toml": tomli_w.dumps(info),
    }
