"""The shape of a statement: its SQL with whatever changes from run to run masked.

Two runs of the same code send the same shapes on any machine: literals and parameter
placeholders become ``?``, IN-lists and multi-row VALUES fold to one, savepoint and server-side
cursor names (a thread id and a counter) are masked, whitespace is one space, and MySQL's
backquoted names are written as the other backends write them (``"name"``). A new JOIN, a
different WHERE or one more statement is a new shape: ``diff --fail-on shape`` gates on that.

Tallied in the counting pass (``counting.count_queries``), never inside a timed value.
"""

from __future__ import annotations

import re
from collections import Counter

_BACKQUOTED = re.compile(r"`((?:[^`]|``)*)`")
_SAVEPOINT = re.compile(r'("?)s\d+_x\d+\1')
# A server-side cursor's name (iterator() on PostgreSQL): one per cursor, the same shape.
_CURSOR = re.compile(r"_django_curs_\d+_(?:a?sync)_\d+")
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r'(?<![\w".])-?\d+(?:\.\d+)?(?![\w"])')
_PLACEHOLDER = re.compile(r"%s|%\(\w+\)s|\?|\$\d+")
_IN_LIST = re.compile(r"\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", re.I)
_ROW = r"\(\s*\?(?:\s*,\s*\?)*\s*\)"
_VALUES = re.compile(rf"\bVALUES\s*{_ROW}(?:\s*,\s*{_ROW})*", re.I)
_TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE|COPY)\s+"?([A-Za-z_][\w.]*)"?', re.I)


def fingerprint(sql: str) -> str:
    """The shape of a statement: literals, placeholders, IN-lists, VALUES rows, savepoint and
    cursor names masked; whitespace and quoting the same on every backend."""
    text = " ".join(sql.split())
    text = _BACKQUOTED.sub(lambda m: '"' + m.group(1).replace("``", "`") + '"', text)
    text = _SAVEPOINT.sub(r"\1s?\1", text)
    text = _CURSOR.sub("_django_curs_?", text)
    text = _STRING.sub("?", text)
    text = _PLACEHOLDER.sub("?", text)  # before numbers: PostgreSQL's $1 is one placeholder
    text = _NUMBER.sub("?", text)
    text = _IN_LIST.sub("IN (...)", text)
    return _VALUES.sub("VALUES (...)", text)


def tables(sql: str) -> list[str]:
    """The tables a statement names (FROM, JOIN, INTO, UPDATE, COPY), sorted."""
    return sorted({name for name in _TABLE.findall(sql) if not _CURSOR.fullmatch(name)})


class ShapeTally:
    """Statements counted by shape, at any scale.

    The same SQL text repeats (an N+1 sends one text with other parameters), so each text is
    fingerprinted once; texts are remembered up to ``remembered`` of them, enough for any
    ORM-made pass, while SQL with literals inlined (a new text each time) is still counted.
    """

    def __init__(self, remembered: int = 10_000) -> None:
        self.counts: Counter[str] = Counter()
        self._known: dict[str, str] = {}
        self._remembered = remembered

    def add(self, sql: str, times: int = 1) -> None:
        shape = self._known.get(sql)
        if shape is None:
            shape = fingerprint(sql)
            if len(self._known) < self._remembered:
                self._known[sql] = shape
        self.counts[shape] += times

    def as_dict(self) -> dict[str, int]:
        """Shape -> statements sent, the most frequent first (then by text: deterministic)."""
        return dict(sorted(self.counts.items(), key=lambda item: (-item[1], item[0])))
