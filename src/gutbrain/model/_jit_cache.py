"""Point numba's on-disk cache at a folder keyed by the model's sources and data.

numba invalidates a cached function only when *its own* file changes. The batch kernel inlines
the equations from other modules and the parameter layout from ``data/parameters.csv``, so a
stale cache could silently run old equations or old indices. Keying the cache folder on a hash
of every file the kernel depends on rules that out. Must be imported before any jitted module.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

_DEPENDS = (
    "_jit_cache.py",
    "derived.py",
    "dynamics.py",
    "exposures.py",
    "kernel.py",
    "parameters.py",
    "scheme.py",
    "states.py",
    "data/parameters.csv",
)


def _key() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256(numba.__version__.encode())
    for name in _DEPENDS:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def configure() -> Path:
    """Set numba's cache folder to ``<base>/gutbrain-<hash>`` and return it."""
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "gutbrain"
    )
    path = Path(base) / f"gutbrain-{_key()}"
    setattr(numba.config, "CACHE_DIR", str(path))  # noqa: B010 - config has no stubs
    return path


CACHE_DIR = configure()

# LLVM fast-math flags for the model kernel: reassociation and reciprocals let loop-invariant
# divisions by parameters become multiplications. No NaNs or infinities arise in the model (a
# test checks finiteness over the whole parameter space), so "nnan"/"ninf" are safe; results
# stay deterministic for a given build.
FASTMATH = {"nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"}
