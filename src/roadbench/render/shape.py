"""The statements whose shape changed between two runs, under ``roadbench diff``'s table."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from rich.console import RenderableType
from rich.text import Text

from roadbench.reports.diff import CaseDiff, DiffReport
from roadbench.reports.shape import CHANGED


def _changed(report: DiffReport) -> list[CaseDiff]:
    return [c for c in report.cases if c.shape is not None and c.shape.verdict == CHANGED]


def _lines(case: CaseDiff) -> Iterator[tuple[str, str]]:
    """(mark, line) for each shape: + appeared, - disappeared, ~ sent a different number of
    times; the count is how many statements of that shape the run sent."""
    shape = case.shape
    assert shape is not None
    for sql, count in shape.appeared.items():
        yield "+", f"+ {count:,} × {sql}"
    for sql, count in shape.disappeared.items():
        yield "-", f"- {count:,} × {sql}"
    for sql, (before, after) in shape.recounted.items():
        yield "~", f"~ {before:,} → {after:,} × {sql}"


_STYLES = {"+": "green", "-": "red", "~": "yellow"}


# Words, parentheses and the spaces between them: joined again, they are the statement.
_TOKEN = re.compile(r"\s+|[()]|[^\s()]+")


def _closest(sql: str, others: list[str]) -> str | None:
    """The statement of ``others`` most like ``sql`` (word by word), if any is much alike."""
    words = _TOKEN.findall(sql)
    best, best_ratio = None, 0.5
    for other in others:
        ratio = difflib.SequenceMatcher(None, _TOKEN.findall(other), words, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = other, ratio
    return best


def _marked(line: str, sql: str, other: str | None, style: str) -> Text:
    """``line`` (which ends with ``sql``), the words of ``sql`` that ``other`` lacks in bold:
    an appeared statement beside the disappeared one it is most like shows what changed."""
    text = Text(line[: len(line) - len(sql)], style=style)
    words = _TOKEN.findall(sql)
    if other is None:
        return text.append(sql, style=style)
    matcher = difflib.SequenceMatcher(None, _TOKEN.findall(other), words, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        chunk = "".join(words[j1:j2])
        text.append(chunk, style=style if tag == "equal" else f"{style} bold underline")
    return text


def shape_renderables(report: DiffReport) -> list[RenderableType]:
    """Each case whose SQL changed shape, its statements as a diff (the words that differ
    from the most alike statement of the other run underlined)."""
    parts: list[RenderableType] = []
    for case in _changed(report):
        shape = case.shape
        assert shape is not None
        parts.append(Text(f"{case.name}: the SQL changed shape", style="bold"))
        for mark, line in _lines(case):
            sql = line.split(" × ", 1)[1]
            others = {"+": shape.disappeared, "-": shape.appeared}.get(mark, {})
            parts.append(_marked(line, sql, _closest(sql, list(others)), _STYLES[mark]))
    return parts


def shape_markdown(report: DiffReport) -> str:
    text = ""
    for case in _changed(report):
        body = "\n".join(line for _mark, line in _lines(case))
        text += f"\n**The SQL changed shape** in {case.name}:\n\n```diff\n{body}\n```\n"
    return text
