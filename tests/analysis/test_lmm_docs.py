"""The documentation's mixed-model example runs, and the docstring examples hold."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import gutbrain.analysis.lmm.fit

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def _section() -> str:
    text = DOC.read_text()
    start = text.index("## Mixed models")
    nxt = text.find("\n## ", start + 1)
    return text[start : nxt if nxt != -1 else len(text)]


def test_docs_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", _section(), flags=re.S)
    assert len(blocks) >= 1
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    printed = capsys.readouterr().out
    assert "arm[T.probiotic]:week" in printed
    assert "LRTResult(ML" in printed


def test_docstring_examples() -> None:
    result = doctest.testmod(gutbrain.analysis.lmm.fit, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
