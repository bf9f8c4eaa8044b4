"""Latency of the explorer page's model request (``POST /explorer/api/run``), warm kernel.

The request is the page's own: one virtual person (deterministic) over one year with a 7-day
antibiotic course, through the whole endpoint (validation, the model's two arms, the summary
and the JSON answer), on the app of ``gutbrain serve`` in process (Starlette's test client, no
network; the rate limit raised so that one client may send every request). After one warm-up
request (which loads the compiled kernel) it times ``--repeats`` requests and prints the median
and the slowest, with throughput in simulated person-days per second (each request simulates
both arms). The goal (issue 25) is under 1 s. It times a noisy cohort of ``--people`` and an
ensemble band of ``--members`` prior parameter draws as well (5 requests each).

Usage: python benchmarks/bench_explorer.py [--repeats 20] [--people 20] [--members 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.main import create_app
from gutbrain.explorer import add_explorer

YEAR = 365
COURSE = {"spectrum": "broad", "start": 30, "days": 7}


def _time(client: TestClient, body: dict, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        t = time.perf_counter()
        r = client.post("/explorer/api/run", json=body)
        seconds.append(time.perf_counter() - t)
        r.raise_for_status()
    return seconds


def _report(what: str, seconds: list[float], people: int) -> None:
    person_days = 2 * people * YEAR  # both arms
    med = statistics.median(seconds)
    print(
        f"{what}: median {med * 1000:.0f} ms, slowest {max(seconds) * 1000:.0f} ms "
        f"over {len(seconds)} requests; {person_days / med:,.0f} person-days/s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--people", type=int, default=20, help="cohort size (0: skip the cohort)")
    ap.add_argument("--members", type=int, default=20, help="ensemble size (0: skip it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'b.sqlite3'}", secret_key="b")
        # gutbrain.webapp.create_app, with a rate limit that lets one client send them all
        app = create_app(settings, background=False)
        add_explorer(app, runs_per_minute=args.repeats + 20)
        with TestClient(app) as client:
            one = {"days": YEAR, "people": 1, "antibiotic": [COURSE]}
            t = time.perf_counter()
            client.post("/explorer/api/run", json=one).raise_for_status()
            print(f"first request (loads the compiled kernel): {time.perf_counter() - t:.1f} s")
            _report("one person, one year", _time(client, one, args.repeats), 1)
            if args.people:
                cohort = {**one, "people": args.people}
                _report(f"{args.people} people, one year", _time(client, cohort, 5), args.people)
            if args.members:
                band = {**one, "ensemble": args.members}
                what = f"one person under {args.members} prior draws, one year"
                _report(what, _time(client, band, 5), args.members)


if __name__ == "__main__":
    main()
