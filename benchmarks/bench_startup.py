"""Start-up time of the command line: ``gutbrain --help`` and ``gutbrain version``.

Each command runs in a fresh interpreter (``python -m gutbrain.cli ...``), as a user's shell
would start it, and the median of ``--repeats`` wall times is printed next to a bare
``python -c pass`` (the interpreter's own floor). With ``--baseline-src DIR`` the same commands
also run against another checkout's ``src`` folder (for example a git worktree of an older
commit), alternating with this one, and the ratio baseline / current is printed. Goal (issue 17):
under 0.5 s on 2 cores.

Usage: ``python benchmarks/bench_startup.py [--repeats 5] [--baseline-src ../old/src]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--help"], ["version"])
SRC = Path(__file__).resolve().parents[1] / "src"


def _time(args: list[str], src: Path | None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, *(["-c", "pass"] if not args else ["-m", "gutbrain.cli", *args])]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-src", type=Path, default=None, help="another checkout's src/")
    a = ap.parse_args()
    floor = statistics.median(_time([], None) for _ in range(a.repeats))
    print(f"python -c pass: {floor:.3f} s (median of {a.repeats})")
    for args in COMMANDS:
        now: list[float] = []
        base: list[float] = []
        for _ in range(a.repeats):  # alternate, so both see the same machine load
            now.append(_time(args, SRC))
            if a.baseline_src is not None:
                base.append(_time(args, a.baseline_src))
        line = f"gutbrain {' '.join(args):<8} {statistics.median(now):.3f} s"
        if base:
            b = statistics.median(base)
            line += (
                f"   baseline {b:.3f} s   ratio baseline/current {b / statistics.median(now):.1f}x"
            )
        print(line)


if __name__ == "__main__":
    main()
