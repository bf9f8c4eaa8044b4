"""Point numba's on-disk cache at a folder keyed by the model's sources and data.

numba invalidates a cached function only when *its own* file changes. The batch kernel inlines
the equations from other modules and the parameter layout from ``data/parameters.csv``, so a
stale cache could silently run old equations or old indices. Keying the cache folder on a hash
of every file the kernel depends on rules that out: :data:`DEPENDS`, the gutbrain modules that
``kernel.py`` imports, directly or through each other, and every data file those modules name
as a literal ``"data/..."`` path. Must be imported before any jitted module, so it reads the
sources and imports none of them.

:data:`DEPENDS` is a written list, not found from the sources at import: walking the imports
with ``ast`` cost 30 ms in every process and Dask worker, hashing the listed files 0.2 ms.
``tests/model/test_states.py`` derives the list from the sources (the import closure of
``kernel.py``) and fails when it differs from :data:`DEPENDS`, so a new dependency fails a test
instead of silently staling the cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
import numpy as np

_PACKAGE = Path(__file__).resolve().parents[1]  # src/gutbrain

#: Every file the compiled kernel depends on, relative to the package, sorted.
DEPENDS = (
    "errors.py",
    "model/_jit_cache.py",
    "model/data/parameters.csv",
    "model/derived.py",
    "model/dynamics.py",
    "model/exposures.py",
    "model/kernel.py",
    "model/parameters.py",
    "model/scheme.py",
    "model/states.py",
)


def _key() -> str:
    h = hashlib.sha256(numba.__version__.encode())
    for name in DEPENDS:
        h.update(name.encode())
        h.update((_PACKAGE / name).read_bytes())
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


def read_only(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous float64 array that cannot be written (a view when it already is).

    numba compiles one specialisation per argument type, and an array's read-only flag is part
    of its type: the kernels get their parameter arrays through this, so a writable copy (e.g.
    from fancy indexing) does not compile the whole kernel a second time (minutes).
    """
    v = np.ascontiguousarray(a, dtype=np.float64).view()
    v.flags.writeable = False
    return v


# LLVM fast-math flags for the model kernel: reassociation and reciprocals let loop-invariant
# divisions by parameters become multiplications. No NaNs or infinities arise in the model (a
# test checks finiteness over the whole parameter space), so "nnan"/"ninf" are safe; results
# stay deterministic for a given build.
FASTMATH = {"nnan", "ninf", "nsz", "arcp", "contract", "afn", "reassoc"}
