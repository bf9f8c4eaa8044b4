"""The documentation's N-of-1 example runs and prints the numbers quoted beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def _section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"## {title}")
    nxt = text.find("\n## ", start + 1)
    return text[start : nxt if nxt != -1 else len(text)]


def test_nof1_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", _section("N-of-1"), flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], str(DOC), "exec"), {})
    out = capsys.readouterr().out
    for quoted in ("-5.15", "(-9.62 to -0.3)", "0.980", "0.833", "-6.5", "p = 0.25"):
        assert quoted in out


def test_sections_present() -> None:
    text = DOC.read_text()
    for title in ("## Mixed models", "## Meta-analysis", "## Diary trials", "## N-of-1"):
        assert title in text
