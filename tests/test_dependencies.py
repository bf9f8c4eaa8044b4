"""Declared dependencies are used (issue 25: plotly was declared and never imported)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the import name where it differs from the distribution's
IMPORT_NAME = {
    "tomli-w": "tomli_w",
    "distributed": "dask.distributed",
    "biom-format": "biom",
    "scikit-bio": "skbio",
    "scikit-learn": "sklearn",
    "python-libsbml": "libsbml",
    "libroadrunner": "roadrunner",
}
# extras whose packages are used by other packages (a database driver, the web stack's parts)
# or by tools, not imported by name
INDIRECT = {"diary", "postgres", "dev", "all"}


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra, deps in project["optional-dependencies"].items():
        if extra not in INDIRECT:
            specs += deps
    return [re.split(r"[\[<>=!~; ]", s, maxsplit=1)[0] for s in specs]


def test_every_declared_package_is_imported() -> None:
    """By the package, its tests (``compare``: statsmodels) or benchmarks."""
    code = "\n".join(
        p.read_text()
        for d in ("src", "tests", "benchmarks")
        for p in (ROOT / d).rglob("*.py")
        if p.resolve() != Path(__file__).resolve()
    )
    unused = [
        dist
        for dist, name in ((d, IMPORT_NAME.get(d, d)) for d in _declared())
        if not re.search(rf"^\s*(import|from) {re.escape(name)}\b", code, flags=re.M)
    ]
    assert not unused, f"declared in pyproject.toml but never imported: {', '.join(unused)}"
