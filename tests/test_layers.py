"""The package layers (ARCHITECTURE.md) import only downwards-allowed layers.

Data flow: model -> population -> trials (which calls observe for what a study sees) -> the
study bundle (io) -> analysis -> report. The diary app writes bundles too and never imports the
model: the model explorer (``explorer``) sits above both, and the top-level app factory
``webapp`` joins them for ``gutbrain serve``; omics (omics tables, diversity, multi-omics
panels) sits beside io and imports no layer, and population, observe (simulated omics), trials
and the diary app's export (their panels) may use it. ``errors``,
``_outdir``, ``_version``, ``_config`` (the validation kit every file reader uses),
``instruments`` (the instrument registry) and ``_runner`` (chunked work, locally or on Dask) sit
outside the layers and may be used by any of them. Imports inside functions count as well: a late
import is still a dependency. So does the package root: ``import gutbrain`` or ``from gutbrain
import lmm`` inside a layer reaches every layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gutbrain"
ANYWHERE = {"errors", "_outdir", "_version", "_config", "instruments", "_runner"}
ALLOWED = {
    "model": set(),
    "population": {"model", "omics"},
    "observe": {"model", "omics"},
    "trials": {"model", "population", "observe", "io", "omics"},
    "io": set(),
    "omics": set(),
    "analysis": {"io"},
    "report": {"model", "population", "trials", "observe", "io", "analysis"},
    "calibrate": {"model", "population", "trials", "observe", "io", "analysis"},
    "diary": {"io", "omics"},
    "power": {"io", "analysis"},
    # The model explorer sits above the model and the diary (whose rate limiter and error shape
    # it uses); the app factory gutbrain.webapp (outside the layers, like cli) mounts both.
    "explorer": {"model", "diary"},
    # model exchange (SBML export): reads the model's equations, writes files
    "exchange": {"model"},
}


# What a bare `import gutbrain` or `from gutbrain import <public name>` uses: the package root.
ROOT = "gutbrain"


def _is_module(name: str) -> bool:
    """True for a subpackage or top-level module of gutbrain (not a public name)."""
    return (SRC / name / "__init__.py").is_file() or (SRC / f"{name}.py").is_file()


def _imported_layers(path: Path) -> set[tuple[str, int]]:
    """(layer, line) for each gutbrain import in ``path``: the subpackage or module imported
    (``gutbrain.report.x``, ``from gutbrain import report``), else :data:`ROOT`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module == ROOT and node.level == 0:
            names = [f"{ROOT}.{a.name}" if _is_module(a.name) else ROOT for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == ROOT:
                found.add((parts[1] if len(parts) > 1 else ROOT, node.lineno))
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for used, line in sorted(_imported_layers(path)):
            if used != layer and used not in ANYWHERE and used not in ALLOWED[layer]:
                what = "the gutbrain package root" if used == ROOT else f"gutbrain.{used}"
                bad.append(f"{path.relative_to(SRC)}:{line} imports {what}")
    assert not bad, "\n".join(bad)


def test_every_layer_is_listed() -> None:
    """A new subpackage must be placed in the layer map above, not escape the check."""
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages == set(ALLOWED)


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from gutbrain.report.axis_plot import plot_axis\n")
    assert _imported_layers(f) == {("report", 2)}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import gutbrain\n", {(ROOT, 1)}),
        ("import gutbrain as gb\n", {(ROOT, 1)}),
        ("from gutbrain import __version__\n", {(ROOT, 1)}),
        ("def f():\n    from gutbrain import lmm, simulate\n", {(ROOT, 2)}),
        ("from gutbrain import model\n", {("model", 1)}),
        ("from gutbrain import errors, report\n", {("errors", 1), ("report", 1)}),
        ("from gutbrain import cli\n", {("cli", 1)}),
        ("from gutbrain._version import __version__\n", {("_version", 1)}),
        ("import numpy\nfrom gutbrainish import x\n", set()),
    ],
)
def test_the_check_sees_the_package_root(
    tmp_path: Path, source: str, expected: set[tuple[str, int]]
) -> None:
    """``import gutbrain`` and ``from gutbrain import <public name>`` count as the package root,
    which no layer may import; a subpackage or module imported by name counts as itself."""
    f = tmp_path / "m.py"
    f.write_text(source)
    assert _imported_layers(f) == expected


@pytest.mark.parametrize("module", sorted(ANYWHERE))
def test_modules_outside_the_layers_import_no_layer(module: str) -> None:
    """What any layer may use must not reach a layer (or the package root) itself."""
    package = SRC / module
    paths = sorted(package.rglob("*.py")) if package.is_dir() else [SRC / f"{module}.py"]
    assert paths[0].is_file()
    bad = [
        f"{path.relative_to(SRC)}:{line} imports gutbrain.{used}"
        for path in paths
        for used, line in sorted(_imported_layers(path))
        if used != module and used not in ANYWHERE
    ]
    assert not bad, "\n".join(bad)
