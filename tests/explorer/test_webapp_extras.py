"""``gutbrain serve`` on an install without the explorer's packages (``gutbrain[diary]``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_the_diary_serves_without_plotly(tmp_path: Path) -> None:
    """With plotly missing the app factory gives the diary alone, logs why, and the explorer's
    page is not found; it must not fail at start-up (docs/deploy.md installs gutbrain[diary])."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["plotly"] = None  # as if not installed
        from fastapi.testclient import TestClient
        from gutbrain.diary.core.settings import Settings
        from gutbrain.webapp import create_app
        app = create_app(Settings(database_url=sys.argv[1], secret_key="x" * 32))
        with TestClient(app) as c:
            print(c.get("/healthz").status_code, c.get("/explorer").status_code)
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", code, f"sqlite:///{tmp_path / 'diary.db'}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["200", "404"]
    assert "model explorer off: plotly" in r.stderr
