"""The documentation's N-of-1 example runs and prints the numbers quoted beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def test_nof1_example_runs(capsys: pytest.CaptureFixture[str], doc_examples) -> None:
    assert len(doc_examples.blocks("analysis.md", "N-of-1")) == 1
    doc_examples.run("analysis.md", "N-of-1")
    out = capsys.readouterr().out
    for quoted in ("-5.15", "(-9.62 to -0.3)", "0.980", "0.833", "-6.5", "p = 0.25"):
        assert quoted in out


def test_sections_present() -> None:
    text = DOC.read_text()
    for title in ("## Mixed models", "## Meta-analysis", "## Diary trials", "## N-of-1"):
        assert title in text


def test_mmrm_example_runs(capsys: pytest.CaptureFixture[str], doc_examples) -> None:
    assert doc_examples.run("analysis.md", "Questionnaire-only and clinician-rated trials") == 1
    out = capsys.readouterr().out
    quoted = DOC.read_text().split("MMRMResult(HAMD-17", 2)[1].split("```", 1)[0]
    assert "MMRMResult(HAMD-17" + quoted.strip() in out.strip()
