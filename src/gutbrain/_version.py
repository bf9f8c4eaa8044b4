"""The installed gutbrain version, in a module any layer may import without loading the package.

Manifests record it (``from gutbrain._version import __version__``); ``gutbrain.__version__`` is
the same string.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("gutbrain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
