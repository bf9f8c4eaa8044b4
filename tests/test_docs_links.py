"""Docs whose links resolve (issue 25): every relative link and every ``*.md`` file named in
docs/ and README.md points at a file of the repository, and every ``#anchor`` at a heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
NAMED_MD = re.compile(r"(?<![\w/.(-])([\w./-]+\.md)\b")  # a bare or `quoted` file name
EXTERNAL = ("http://", "https://", "mailto:")


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    heads = re.findall(r"^#+\s+(.*)$", _without_code_blocks(page.read_text()), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def _targets(page: Path) -> list[str]:
    text = _without_code_blocks(page.read_text())
    return LINK.findall(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in _targets(page):
        if target.startswith(EXTERNAL):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_markdown_files_exist(page: Path) -> None:
    """A page named in the text (``docs/observe.md``, ``EVIDENCE.md``) exists, relative to the
    page or to the repository root."""
    text = LINK.sub("", _without_code_blocks(page.read_text()))
    missing = [
        name
        for name in NAMED_MD.findall(text)
        if not (page.parent / name).exists() and not (ROOT / name).exists()
    ]
    assert not missing, f"{page.name} names missing files: {', '.join(missing)}"


def test_the_check_sees_the_links() -> None:
    readme = _targets(ROOT / "README.md")
    assert "docs/bundle.md" in readme and len(readme) >= 10
