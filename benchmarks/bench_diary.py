"""Load benchmark of the diary app: daily submissions per second and latency on loopback.

Starts ``gutbrain serve`` on a fresh SQLite file (WAL, synchronous=FULL: every acknowledged
submission is fsynced) in a subprocess on 127.0.0.1, then sends daily submissions from a bounded
number of concurrent keep-alive connections for a fixed time, and prints submissions/s and the
p50/p99 latency. The same run measures a baseline side by side: the same server with group
commit disabled (``GUTBRAIN_DIARY_WRITER_MAX_BATCH=1``, one fsync per submission), and prints the
ratio. Target (issue 5): at least 500 submissions/s with p99 <= 100 ms on 2 cores.

Usage: python benchmarks/bench_diary.py [--seconds 10] [--concurrency 32] [--participants 500]
The load generator runs on the same machine and competes with the server for the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import psutil
from diary_load import RawClient, seed_study, submission_request

SECRET = "bench-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int, log: Path, max_batch: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUTBRAIN_DIARY_SECRET_KEY": SECRET,
        "GUTBRAIN_DIARY_WRITER_MAX_BATCH": str(max_batch),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gutbrain.cli", "serve", "--database-url", url, "--port", str(port)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start; see {log}")


async def _load(
    port: int, tokens: list[str], seconds: float, concurrency: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal errors
        client = RawClient("127.0.0.1", port)
        i = 0
        while time.perf_counter() < stop:
            i += 1
            token = tokens[(w * 7919 + i) % len(tokens)]
            req = submission_request(
                token,
                SECRET,
                na=i % 101,
                pa=(3 * i) % 101,
                client_id=uuid.uuid4().hex,
                host="127.0.0.1",
            )
            t0 = time.perf_counter()
            status, _ = await client.send(req)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors += 1
        client.close()

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, errors


def run_one(label: str, max_batch: int, args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        tokens = seed_study(url, n=args.participants, today=dt.datetime.now(dt.UTC).date())
        port = _free_port()
        proc = _start(url, port, Path(tmp) / "server.log", max_batch)
        try:
            asyncio.run(_load(port, tokens, 1.0, args.concurrency))  # warm-up
            server = psutil.Process(proc.pid)
            cpu0 = server.cpu_times()
            lat, errors = asyncio.run(_load(port, tokens, args.seconds, args.concurrency))
            cpu1 = server.cpu_times()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    ms = np.array(lat) * 1000
    rate = len(lat) / args.seconds
    cpu_ms = ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) * 1000 / max(len(lat), 1)
    print(
        f"{label:<34} {rate:6.0f} submissions/s  p50 {np.percentile(ms, 50):6.1f} ms  "
        f"p99 {np.percentile(ms, 99):6.1f} ms  server CPU {cpu_ms:4.2f} ms/submission  "
        f"errors {errors}"
    )
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--participants", type=int, default=500)
    args = ap.parse_args()
    print(
        f"diary load benchmark: SQLite WAL synchronous=FULL, {args.concurrency} concurrent "
        f"connections, {args.participants} participants, {args.seconds:g} s, "
        f"{os.cpu_count()} CPUs (server and load generator share them)"
    )
    grouped = run_one("group commit (default)", 256, args)
    single = run_one("baseline: one commit per request", 1, args)
    print(f"group commit / baseline throughput ratio: {grouped / single:.2f}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (other work on the machine)")


if __name__ == "__main__":
    main()
