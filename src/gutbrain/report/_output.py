"""Shared plumbing of the report commands: manifests, JSON and atomic output folders (the HTML
is rendered by :mod:`gutbrain.report._render`).

Every report command (``gutbrain meta``, ``gutbrain analyze``, ``gutbrain nof1``) writes its files
into a temporary folder beside ``out`` and renames it into place at the end (``write_atomic``, from
:mod:`gutbrain._outdir`), so a failed run leaves nothing half-written; an existing ``out`` is
replaced only with ``overwrite`` and only if an earlier run of the same command wrote it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gutbrain._outdir import MARKER, check_out, write_atomic
from gutbrain.io import StudyBundle

__all__ = ["check_out", "jsonable", "manifest_for", "sha256", "tree_sha256", "write_atomic"]


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_sha256(root: Path) -> list[dict[str, str]]:
    """``[{"path", "sha256"}]`` for every regular file under ``root`` (a bundle folder), sorted;
    the output marker, which is no data, is left out."""
    return [
        {"path": str(p.relative_to(root)), "sha256": sha256(p)}
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MARKER
    ]


def jsonable(obj: object) -> object:
    """Plain JSON types: numpy scalars and arrays unwrapped, NaN and inf written as null."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def manifest_for(
    command: str, bundle_path: Path, options: dict[str, Any], bundle: StudyBundle
) -> dict[str, Any]:
    """Version, command, the bundle's files with SHA-256, its provenance (seed), and options."""
    from gutbrain._version import __version__

    prov = bundle.study.provenance
    return {
        "gutbrain_version": __version__,
        "command": command,
        "study": bundle.study.name,
        "study_provenance": {k: str(v) for k, v in prov.items()} if prov else None,
        "inputs": [
            {"path": str(bundle_path / f["path"]), "sha256": f["sha256"]}
            for f in tree_sha256(bundle_path)
        ],
        "options": options,
    }
