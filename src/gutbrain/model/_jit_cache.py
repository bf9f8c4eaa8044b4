"""Point numba's on-disk cache at a folder keyed by the model's sources and data.

numba invalidates a cached function only when *its own* file changes. The batch kernel inlines
the equations from other modules and the parameter layout from ``data/parameters.csv``, so a
stale cache could silently run old equations or old indices. Keying the cache folder on a hash
of every file the kernel depends on rules that out: the gutbrain modules that ``kernel.py``
imports, directly or through each other (found by reading their import statements), and every
data file those modules name as a literal ``"data/..."`` path. Must be imported before any
jitted module, so it reads the sources and imports none of them.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parents[1]  # src/gutbrain
_ROOT_MODULE = "gutbrain.model.kernel"
_DATA_PATH = re.compile(r"data/[\w.-]+")


def _module_file(module: str) -> Path | None:
    """The source file of a gutbrain module, or None for another package's module."""
    parts = module.split(".")
    if parts[0] != "gutbrain":
        return None
    base = _PACKAGE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(tree: ast.Module) -> set[str]:
    """Every absolute module an import statement names, submodules of ``from x import y``
    included (a name that is no module resolves to no file and drops out)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def depends() -> list[Path]:
    """The files the compiled kernel depends on, sorted: the gutbrain modules in the import
    closure of ``kernel.py`` and the data files they read."""
    root = _module_file(_ROOT_MODULE)
    assert root is not None
    seen: set[Path] = set()
    data: set[Path] = set()
    todo = [root]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_bytes())
        for module in _imported_modules(tree):
            found = _module_file(module)
            if found is not None and found.name != "__init__.py":
                todo.append(found)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _DATA_PATH.fullmatch(node.value):
                    data.add(path.parent / node.value)
    return sorted(seen | data)


def _key() -> str:
    h = hashlib.sha256(numba.__version__.encode())
    for path in depends():
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(path.read_bytes())
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
