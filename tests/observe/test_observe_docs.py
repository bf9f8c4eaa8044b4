"""The example in docs/observe.md runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "observe.md"


def test_docs_example_runs(capsys):
    pytest.importorskip("skbio", reason="the example seeds guilds from the HITChip Atlas")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    assert "diary compliance" in capsys.readouterr().out
