"""Keep the public API honest: every name in __all__ exists and nothing private leaks; and
``import gutbrain`` stays light, loading the heavy names on first use."""

import ast
import subprocess
import sys
import types
from pathlib import Path

import gutbrain

INIT = Path(gutbrain.__file__)


def test_all_names_exist():
    for name in gutbrain.__all__:
        assert hasattr(gutbrain, name), name


def test_all_is_sorted_and_unique():
    names = [n for n in gutbrain.__all__ if not n.startswith("__")]
    assert names == sorted(names)
    assert len(set(gutbrain.__all__)) == len(gutbrain.__all__)


def test_no_stray_public_names():
    public = {n for n in vars(gutbrain) if not n.startswith("_")}
    # Subpackages are importable attributes once loaded; they are not API names.
    public = {n for n in public if not isinstance(getattr(gutbrain, n), types.ModuleType)}
    assert public <= set(gutbrain.__all__) | {"annotations"}


def test_dir_lists_the_public_names():
    assert set(gutbrain.__all__) <= set(dir(gutbrain))


def test_unknown_name_is_an_attribute_error():
    try:
        gutbrain.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("gutbrain.no_such_name did not raise AttributeError")


def test_import_is_light():
    """``import gutbrain`` loads neither numpy nor pandas nor any subpackage but errors; the
    version is there at once, and a public name loads on first use."""
    code = (
        "import sys, gutbrain\n"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'gutbrain.model', 'gutbrain.io',"
        " 'gutbrain.analysis') if m in sys.modules]\n"
        "print(heavy, gutbrain.__version__ != '')\n"
        "from gutbrain import lmm\n"
        "print('numpy' in sys.modules, lmm.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[] True", "True lmm"]


def test_lazy_names_match_their_type_checking_imports():
    """The lazy-loading table and the imports mypy reads name the same modules, for every
    public name that is not loaded at once."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == gutbrain._LAZY
    eager = {n for n in gutbrain.__all__ if n not in typed}
    assert eager == {"DataError", "DesignError", "GutbrainError", "ParameterError",
                     "ScenarioError", "__version__"}  # fmt: skip
