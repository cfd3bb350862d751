"""The README and docs/ link only to what is in the repository, and the README stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted(
    [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").glob("*/README.md")]
)

# The issue asks for a README of at most 12 KB: the question, the commands, one example, links.
README_LIMIT_BYTES = 12_000

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
CODE_SPAN_TEXT = re.compile(r"(?<!`)`([^`\s]+)`(?!`)")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def without_code(text: str) -> str:
    """The Markdown without fenced blocks and code spans, where nothing is a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    """Every link target, and every code span naming a path upwards (`../shared/`), which a
    reader follows as one."""
    prose = without_code(text)
    upwards = [
        span for span in CODE_SPAN_TEXT.findall(FENCE.sub("", text)) if span.startswith("../")
    ]
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose) + upwards


def anchors(path: Path) -> set[str]:
    """The ids GitHub gives the headings of a Markdown file (a repeated one gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    ids = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def broken_links(path: Path) -> list[str]:
    """Each relative link of ``path`` that leaves the repository, names no file, or names a
    heading its file does not have, with why."""
    problems = []
    for target in links(path.read_text()):
        if EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    return problems


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(path):
    assert broken_links(path) == []


def test_a_link_out_of_the_repository_or_to_a_missing_file_is_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# Here\n\n## A section, with words\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[seed](../shared/seeds/) [gone](docs/gone.md) [ok](docs/here.md) "
        "[heading](docs/here.md#a-section-with-words) [bad heading](docs/here.md#nowhere) "
        "[web](https://example.org/x) [self](#top)\n\n# Top\n\n"
        "`[in code](docs/gone.md)` (`../shared/DESIGN.md`)\n\n"
        "```\n[in a block](docs/gone.md) `../in-a-block`\n```\n"
    )
    assert broken_links(page) == [
        "../shared/seeds/: outside the repository",
        "docs/gone.md: no such file",
        "docs/here.md#nowhere: no heading #nowhere in docs/here.md",
        "../shared/DESIGN.md: outside the repository",
    ]


def test_the_readme_stays_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT_BYTES, f"README.md is {size:,} bytes; move detail to docs/"
