"""`roadbench queries` as a user reads it at 80 and 60 columns: whole headers, one line per
design, an unsupported case's whole reason, and tables split rather than cut when too wide."""

from __future__ import annotations

import json

import pytest

from tests.render.printed import printed

HEADERS = ("design", "queries", "per row", "shapes", "N+1", "duplicates", "db time")


def queries(*args: str, columns: int) -> str:
    return printed("queries", *args, columns=columns)


@pytest.mark.parametrize("columns", [80, 120])
def test_the_summary_fits_with_every_header_whole(columns):
    out = queries("create", "-m", "bulk", "-o", "1,2,3", "-n", "20", columns=columns)
    assert "roadbench queries · create · bulk · 20 rows" in out
    assert "…" not in out
    header = next(line for line in out.splitlines() if "design" in line)
    assert all(f" {h} " in header for h in HEADERS), header
    assert all(len(line) <= columns for line in out.splitlines())
    rows = {
        line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│ option")
    }
    assert list(rows) == ["option 1", "option 2", "option 3"]
    assert "unsupported" in rows["option 3"]
    # The reason follows the table, whole (joined: it wraps at the console's width).
    joined = " ".join(out.split())
    assert (
        "option 3 · create · bulk: unsupported: Django: Can't bulk create a multi-table "
        "inherited model" in joined
    )


def cells(out: str) -> dict[str, dict[str, str]]:
    """Every row of every table, by its first cell: each header's cell, its lines joined.
    Split tables repeat the key column, so a row's cells come together from all of them."""
    found: dict[str, dict[str, str]] = {}
    headers: list[str] = []
    row: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("┃"):
            headers = [h.strip() for h in line.split("┃")[1:-1]]
        elif line.startswith("│"):
            texts = [t.strip() for t in line.split("│")[1:-1]]
            if texts[0]:
                row = found.setdefault(texts[0], {})
            for header, text in zip(headers[1:], texts[1:], strict=True):
                row[header] = f"{row.get(header, '')} {text}".strip()
    return found


def table_lines(out: str) -> list[str]:
    """The lines of the tables (the statements below them abbreviate with '…' on purpose)."""
    return [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]


def test_the_summary_is_split_at_60_columns_with_every_figure_whole():
    # Before, at 60 columns 'db time' was dropped, 'option 1' cut to 'option…' and the
    # environment line cut short.
    out = queries("create", "-m", "bulk", "-o", "1,2,3", "-n", "20", columns=60)
    assert all(len(line) <= 60 for line in out.splitlines()), out
    assert "…" not in out
    summary = out[: out.index("option 3 · create · bulk: unsupported")]
    headers = [line for line in summary.splitlines() if line.startswith("┃ design")]
    assert len(headers) == 2
    shown = [h.strip() for line in headers for h in line.split("┃")[2:-1]]
    assert shown == list(HEADERS[1:])
    rows = cells(summary)
    assert list(rows) == ["option 1", "option 2", "option 3"]
    assert rows["option 3"]["queries"] == "unsupported"
    # The exact counts, as --json gives them (they differ between Django versions: 6 on 5.2,
    # 2 on 6.1 for this bulk create of 20 roads).
    counted = {
        f"option {case['option']}": case["queries"]
        for case in json.loads(
            queries("create", "-m", "bulk", "-o", "1,2", "-n", "20", "--json", columns=60)
        )["cases"]
    }
    for option in ("option 1", "option 2"):
        assert rows[option]["queries"] == f"{counted[option]:,}"
        assert rows[option]["db time"].endswith("s")
    assert "Django" in summary and "cores" in summary.splitlines()[-1]


@pytest.mark.parametrize("columns", [60, 80])
def test_a_case_with_its_growth_fits_with_every_cell_whole(columns):
    # Before, at 80 columns the headers and cells were cut ('rows→co…', 'tollroa…') and at 60
    # the rows→count and tables columns vanished.
    args = ("select", "-m", "naive", "-o", "3", "-n", "20", "--scaling", "--sizes", "10,40")
    out = queries(*args, columns=columns)
    assert all(len(line) <= columns for line in out.splitlines()), out
    assert not any("…" in line for line in table_lines(out))
    (case,) = json.loads(queries(*args, "--json", columns=columns))["cases"]
    expected = sorted(
        (
            f"{f['count']:,}",
            " ".join(
                f"{int(r):,}→{c:,}"
                for r, c in sorted(f["counts_by_rows"].items(), key=lambda i: int(i[0]))
            ),
            f["growth"],
            f["kind"],
            " ".join(t.removeprefix("roadbench_") for t in f["tables"]),
            "N+1" if f["n_plus_one"] else "",
        )
        for f in case["fingerprints"]
    )
    rows = cells(out)
    assert list(rows) == [str(i) for i in range(1, len(expected) + 1)]
    headers = ("count", "rows→count", "growth", "kind", "tables", "flags")
    assert sorted(tuple(row[h] for h in headers) for row in rows.values()) == expected
    assert all(row["total"].endswith("s") and row["mean"].endswith("s") for row in rows.values())
