"""`roadbench options` and `roadbench ops` as a user reads them at 80 and 60 columns: every
design's and method's text whole (at 80 columns they were cut: 'OneToOneFiel…',
'QuerySet.bulk_create(batch_size=1…')."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.render.printed import printed


def roadbench(*args: str, columns: int = 80) -> str:
    return printed(*args, columns=columns)


def rows(out: str, columns: int, column: int = 0) -> list[list[str]]:
    """The table's rows, each cell's lines joined: a row starts where the cell in ``column``
    starts with a name (not 'kind:'). Every line of the output fits the width, nothing cut."""
    assert "…" not in out
    assert all(len(line) <= columns for line in out.splitlines()), out
    found: list[list[list[str]]] = []
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if (cells[column] and not cells[column].startswith("kind:")) or not found:
            found.append([[] for _ in cells])
        for lines, cell in zip(found[-1], cells, strict=True):
            if cell:
                lines.append(cell)
    return [[" ".join(lines) for lines in row] for row in found]


def squeezed(text: str) -> str:
    """Without white space: a word longer than its column folds onto the next line."""
    return "".join(text.split())


@pytest.mark.parametrize("columns", [60, 80])
def test_every_design_is_listed_whole(columns):
    listed: list[dict[str, Any]] = json.loads(roadbench("options", "--json"))["options"]
    shown = rows(roadbench("options", columns=columns), columns)
    assert [row[:2] for row in shown] == [[str(o["number"]), o["key"]] for o in listed]
    for row, option in zip(shown, listed, strict=True):
        description = option["description"]
        if option["unavailable"]:
            description += f" (unavailable: {option['unavailable']})"
        tables = ", ".join(t.removeprefix("roadbench_") for t in option["tables"])
        expected = f"{option['name']} {description}" + (f" tables: {tables}" if tables else "")
        assert squeezed(row[2]) == squeezed(expected)
        if columns == 80:  # wide enough that no word folds
            assert row[2] == expected


@pytest.mark.parametrize("columns", [60, 80])
def test_every_method_is_listed_whole_with_its_kind(columns):
    listed: list[dict[str, Any]] = json.loads(roadbench("ops", "--json"))["ops"]
    out = roadbench("ops", columns=columns)
    shown = rows(out, columns, column=1)
    methods = [(op, m) for op in listed for m in op["methods"]]
    assert len(shown) == len(methods)
    for row, (op, method) in zip(shown, methods, strict=True):
        default = " (default)" if method["name"] == op["default_method"] else ""
        assert row[1] == f"{method['name']}{default} kind: {method['technique']}"
        assert squeezed(row[2]) == squeezed(method["description"])
        if columns == 80:
            assert row[2] == method["description"]
    assert [row[0] for row in shown if row[0]] == [op["name"] for op in listed]
    if columns == 80:
        assert "QuerySet.bulk_create(batch_size=1000) per type" in out
