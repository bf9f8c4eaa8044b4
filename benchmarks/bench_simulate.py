"""Wall time and peak memory of ``gutbrain simulate`` (``simulate_scenario``) at people x days.

The probiotic example scenario (two arms) is stretched to ``--days`` days and run in a fresh
process for each measurement, which reports its wall time and peak resident memory
(``ru_maxrss``). ``--people`` sizes are run with this checkout's code, writing every state to
``trajectories.parquet`` (and, with ``--summary``, only the per-arm daily summary).

Side by side, ``--baseline-src DIR`` runs another checkout's ``src`` folder (e.g. the code
before streaming: ``git worktree add /tmp/old 3674049`` and ``--baseline-src /tmp/old/src``) on
the same scenario in the same way, for the ``--baseline-people`` sizes (default: the same). The
code before streaming held every trajectory in memory and always wrote the CSV as well, so keep
its sizes small: 20,000 people x 200 days took 7.6 GB.

Usage: ``python benchmarks/bench_simulate.py --people 10000 100000 --days 365``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "probiotic.toml"


def _child(n: int, days: int, summary: bool) -> dict[str, float]:
    import inspect
    import resource

    from gutbrain.report.simulate_output import simulate_scenario

    with tempfile.TemporaryDirectory() as tmp:
        scn = Path(tmp) / "scenario.toml"
        scn.write_text(re.sub(r"(?m)^days = \d+", f"days = {days}", SCENARIO.read_text()))
        kw = {"summary": True} if summary else {}
        if "summary" not in inspect.signature(simulate_scenario).parameters:
            kw = {}  # code before streaming: always every state, as Parquet and CSV
        t0 = time.perf_counter()
        simulate_scenario(scn, Path(tmp) / "out", people=n, seed=1, **kw)
        dt = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (Path(tmp) / "out").iterdir())
    return {
        "seconds": dt,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "written_mb": size / 2**20,
    }


def _run(src: str, n: int, days: int, summary: bool) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src}
    args = [sys.executable, __file__, "--child", str(n), str(days), str(int(summary))]
    out = subprocess.run(args, stdout=subprocess.PIPE, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(label: str, n: int, days: int, r: dict[str, float]) -> str:
    return (
        f"{label:<10} {n:>8} {days:>5} {r['seconds']:>8.1f} "
        f"{n * days * 2 / r['seconds']:>17.0f} {r['peak_rss_mb']:>8.0f} {r['written_mb']:>11.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, nargs="+", default=[10_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--summary", action="store_true", help="write the summary, not every state")
    ap.add_argument("--baseline-src", help="another checkout's src folder, run side by side")
    ap.add_argument("--baseline-people", type=int, nargs="+")
    ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child[0], a.child[1], bool(a.child[2]))))
        return
    here = str(Path(__file__).resolve().parents[1] / "src")
    runs = [("streaming", here, n) for n in a.people]
    if a.baseline_src:
        runs += [("baseline", a.baseline_src, n) for n in a.baseline_people or a.people]
    for src in dict.fromkeys(src for _, src, _ in runs):
        _run(src, 2, 30, False)  # load (or compile) each checkout's kernel outside the timings
    print(
        f"probiotic scenario, 2 arms; {os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}; {'summary only' if a.summary else 'every state'}"
    )
    print(
        f"{'code':<10} {'people':>8} {'days':>5} {'seconds':>8} {'arm-person-days/s':>17} "
        f"{'peak MB':>8} {'written MB':>11}"
    )
    for label, src, n in runs:
        print(_row(label, n, a.days, _run(src, n, a.days, a.summary)), flush=True)


if __name__ == "__main__":
    main()
