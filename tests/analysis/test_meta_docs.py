"""The documentation's meta-analysis examples run, and the docstring examples hold."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import gutbrain.analysis.meta.effects
import gutbrain.analysis.meta.model

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def _meta_section() -> str:
    text = DOC.read_text()
    start = text.index("## Meta-analysis")
    nxt = text.find("\n## ", start + 1)
    return text[start : nxt if nxt != -1 else len(text)]


def test_docs_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", _meta_section(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})
    printed = capsys.readouterr().out
    # The numbers quoted in the comments of the first example (metafor 3.8-1 prints the same).
    for number in (
        "0.3132",
        "-0.7145",
        "-1.0669",
        "-0.3622",
        "0.1197",
        "1.1115",
        "-1.8667",
        "0.4376",
        "-0.8033",
        "0.4218",
        "-0.0291",
    ):
        assert number in printed, number


@pytest.mark.parametrize("module", [gutbrain.analysis.meta.effects, gutbrain.analysis.meta.model])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
