"""Shared test helpers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


class DocExamples:
    """The ```python blocks of a guide in docs/, optionally of one ``## `` section."""

    def blocks(self, name: str, section: str | None = None) -> list[str]:
        text = (DOCS / name).read_text(encoding="utf-8")
        if section is not None:
            start = text.index(f"## {section}")
            nxt = text.find("\n## ", start + 1)
            text = text[start : nxt if nxt != -1 else len(text)]
        return re.findall(r"```python\n(.*?)```", text, flags=re.S)

    def run(self, name: str, section: str | None = None) -> int:
        """Execute every block in a fresh namespace; return how many there were."""
        blocks = self.blocks(name, section)
        for block in blocks:
            exec(compile(block, str(DOCS / name), "exec"), {})
        return len(blocks)


@pytest.fixture
def doc_examples() -> DocExamples:
    return DocExamples()
