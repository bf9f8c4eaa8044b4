"""The package layers (ARCHITECTURE.md) import only downwards-allowed layers.

Data flow: model -> population -> trials (which calls observe for what a study sees) -> the
study bundle (io) -> analysis -> report. The diary app writes bundles too. ``errors`` and
``_outdir`` sit outside the layers and may be used by any of them. Imports inside functions
count as well: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gutbrain"
ANYWHERE = {"errors", "_outdir"}
ALLOWED = {
    "model": set(),
    "population": {"model"},
    "observe": {"model"},
    "trials": {"model", "population", "observe", "io"},
    "io": set(),
    "analysis": {"io"},
    "report": {"model", "population", "trials", "observe", "io", "analysis"},
    "diary": {"io"},
}


def _imported_layers(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "gutbrain" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for used, line in sorted(_imported_layers(path)):
            if used != layer and used not in ANYWHERE and used not in ALLOWED[layer]:
                bad.append(f"{path.relative_to(SRC)}:{line} imports gutbrain.{used}")
    assert not bad, "\n".join(bad)


def test_every_layer_is_listed() -> None:
    """A new subpackage must be placed in the layer map above, not escape the check."""
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages == set(ALLOWED)


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from gutbrain.report.axis_plot import plot_axis\n")
    assert _imported_layers(f) == {("report", 2)}
