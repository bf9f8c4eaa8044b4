"""The example in docs/observe.md runs."""

from __future__ import annotations

import pytest


def test_docs_example_runs(capsys, doc_examples):
    pytest.importorskip("skbio", reason="the example seeds guilds from the HITChip Atlas")
    assert doc_examples.run("observe.md") >= 1
    assert "diary compliance" in capsys.readouterr().out
