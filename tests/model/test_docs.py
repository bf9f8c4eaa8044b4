"""The model guide's examples run, and its credibility table lists every check."""

from pathlib import Path

from gutbrain.model.validation import CHECKS

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_python_example_runs(doc_examples):
    assert doc_examples.run("model.md") >= 1


def test_credibility_table_lists_every_check():
    text = DOC.read_text()
    for check_id in CHECKS:
        assert f"**{check_id}**" in text, check_id
