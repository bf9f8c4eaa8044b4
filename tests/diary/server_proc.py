"""Start ``gutbrain serve`` in a subprocess on a free loopback port (crash test, e2e helpers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, port: int, secret: str, log: Path, **env: str
) -> subprocess.Popen[bytes]:
    environ = {**os.environ, "GUTBRAIN_DIARY_SECRET_KEY": secret, **env}
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gutbrain.cli", "serve", "--database-url", url, "--port", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=environ,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not become healthy within 30 s")
