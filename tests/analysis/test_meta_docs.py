"""The documentation's meta-analysis examples run, and the docstring examples hold."""

from __future__ import annotations

import doctest

import pytest

import gutbrain.analysis.meta.effects
import gutbrain.analysis.meta.model


def test_docs_python_examples_run(capsys: pytest.CaptureFixture[str], doc_examples) -> None:
    assert doc_examples.run("analysis.md", "Meta-analysis") >= 3
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
        # the second example: trim-and-fill and the rank test (metafor prints the same)
        "-0.6571",
        "-1.0070",
        "-0.3072",
        "Kendall's tau = 0.0256, p = 0.9524",
    ):
        assert number in printed, number


@pytest.mark.parametrize("module", [gutbrain.analysis.meta.effects, gutbrain.analysis.meta.model])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
