"""The documentation's mixed-model example runs, and the docstring examples hold."""

from __future__ import annotations

import doctest

import pytest

import gutbrain.analysis.lmm.fit


def test_docs_python_example_runs(capsys: pytest.CaptureFixture[str], doc_examples) -> None:
    assert doc_examples.run("analysis.md", "Mixed models") >= 1
    printed = capsys.readouterr().out
    assert "arm[T.probiotic]:week" in printed
    assert "LRTResult(ML" in printed
    assert "FTest(num_df=2" in printed and "phi -0.3" in printed


def test_docstring_examples() -> None:
    result = doctest.testmod(gutbrain.analysis.lmm.fit, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
