"""Start ``gutbrain serve`` in a subprocess on a free loopback port (crash test), or an app in a
thread of this process (the end-to-end tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn in a daemon thread on a free loopback port; yields
    its base address and stops the server afterwards."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


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
