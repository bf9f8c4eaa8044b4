"""``gutbrain profile``: profile an ortholog table against module definitions and write the
output folder.

:func:`run_profile` writes, all at once into ``out`` (:func:`gutbrain._outdir.atomic_dir`):

- ``modules.tsv`` and ``modules-coverage.tsv`` in Omixer-RPM's matrix layout: first column
  ``Module`` (``Taxon`` and ``Module`` for stratified input), then one column per sample in input
  order; rows in module-file order (taxa in input order); numbers as Python writes floats
  (``1.0``, ``0.6666666666666666``), which is Java's ``Double.toString`` for 1e-3 <= x < 1e7;
- ``report.html``: heatmap and coverage distribution;
- ``manifest.json``: gutbrain version, inputs with SHA-256, options, cut-off, counts;
- ``modules.h5ad`` (:meth:`ModuleProfile.to_anndata`) when anndata (the ``omics`` extra) is
  installed; the manifest's ``files`` lists what was written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from gutbrain._outdir import atomic_dir, check_out
from gutbrain.omics.h5 import write_h5ad
from gutbrain.omics.modules import read_modules
from gutbrain.omics.modules_profile import ModuleProfile, profile_modules
from gutbrain.omics.modules_report import profile_page
from gutbrain.omics.modules_table import read_ko_table

__all__ = ["OUTPUT_FILES", "ProfileRun", "run_profile"]

OUTPUT_FILES = ("modules.tsv", "modules-coverage.tsv", "report.html", "manifest.json")


@dataclass(frozen=True)
class ProfileRun:
    """What :func:`run_profile` produced: the folder, the profile and the manifest."""

    out: Path
    profile: ModuleProfile
    manifest: dict[str, object]

    @property
    def files(self) -> tuple[Path, ...]:
        """Paths of the files written."""
        return tuple(self.out / name for name in OUTPUT_FILES)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_profile(
    table: str | Path,
    modules: str | Path,
    out: str | Path,
    *,
    coverage: float | None = None,
    estimator: str = "median",
    normalize_by_length: bool = False,
    ignore_taxa: bool = False,
    overwrite: bool = False,
) -> ProfileRun:
    """Read ``table`` and ``modules``, profile (:func:`profile_modules`) and write ``out``.

    Raises
    ------
    DataError
        Unreadable or malformed input, or an ``out`` that may not be written.
    ParameterError
        A coverage outside [0, 1] or an unknown estimator.
    """
    table, modules, out = Path(table), Path(modules), Path(out)
    check_out(out, "profile", overwrite=overwrite)
    kos = read_ko_table(table, ignore_taxa=ignore_taxa)
    db = read_modules(modules)
    profile = profile_modules(
        kos, db, coverage=coverage, estimator=estimator, normalize_by_length=normalize_by_length
    )
    from gutbrain._version import __version__

    manifest: dict[str, object] = {
        "gutbrain_version": __version__,
        "command": "profile",
        "algorithm": "Omixer-RPM (Darzi et al. 2016), reimplemented from its published rules",
        "inputs": [
            {"path": str(table), "sha256": _sha256(table)},
            {"path": db.source, "sha256": _sha256(Path(db.source)), "modules": len(db)},
        ],
        "options": {"coverage": coverage, "ignore_taxa": ignore_taxa, **profile.to_dict()},
    }
    abundance, cover = profile.reported()
    h5ad = find_spec("anndata") is not None
    manifest["files"] = [*OUTPUT_FILES, *(["modules.h5ad"] if h5ad else [])]
    with atomic_dir(out, "profile", overwrite=overwrite) as tmp:
        abundance.to_csv(tmp / "modules.tsv", sep="\t")
        cover.to_csv(tmp / "modules-coverage.tsv", sep="\t")
        (tmp / "report.html").write_text(profile_page(profile, manifest), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if h5ad:
            write_h5ad(profile.to_anndata(), tmp / "modules.h5ad")
    return ProfileRun(out, profile, manifest)
