"""``gutbrain --help`` and ``gutbrain version`` start without the numerical stack (issue 17).

Each command runs in a fresh interpreter, which then reports the heavy modules it loaded; the
heavy stacks must load only in the commands that use them. ``benchmarks/bench_startup.py`` prints
the start-up times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "scipy", "numba", "pyarrow", "matplotlib", "sqlalchemy", "fastapi")

_PROBE = """
import json, sys{extra}
sys.argv = ["gutbrain", *json.loads(sys.argv[1])]
from gutbrain.cli import main
try:
    main()
except SystemExit:
    pass
print("\\nLOADED " + json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def _loaded(args: list[str], extra: str = "") -> tuple[list[str], str]:
    """Run ``gutbrain ARGS`` in a fresh interpreter (after ``import json, sys{extra}``)."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY, extra=extra), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = run.stdout.strip().splitlines()[-1]
    assert line.startswith("LOADED "), run.stdout
    return json.loads(line.removeprefix("LOADED ")), run.stdout


@pytest.mark.parametrize(
    "args", [["--help"], ["version"], ["simulate", "--help"], ["trial", "--help"]]
)
def test_light_commands_load_no_numerical_stack(args: list[str]) -> None:
    loaded, out = _loaded(args)
    assert loaded == [], f"gutbrain {' '.join(args)} loaded {loaded}"
    assert out.strip(), "the command printed nothing"


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: a run that does load numpy is reported."""
    assert _loaded(["version"], extra=", numpy")[0] == ["numpy"]
