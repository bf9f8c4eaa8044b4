"""The example in docs/observe.md runs."""

from __future__ import annotations


def test_docs_example_runs(capsys, doc_examples):
    assert doc_examples.run("observe.md") >= 1
    assert "diary compliance" in capsys.readouterr().out
