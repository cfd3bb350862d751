"""Rendering of a same-session A/B (``matrix``, ``ab``): each case of each environment
against the first, as a table, markdown or CSV."""

from __future__ import annotations

import csv
import io

from rich.console import Group, RenderableType
from rich.text import Text

from roadbench.render.console import fitted_tables, seconds
from roadbench.render.formats import markdown_table
from roadbench.reports.ab import ABCase, ABSection

HEADER = [
    "case",
    "measured",
    "base",
    "this",
    "ratio (95% interval)",
    "rounds",
    "verdict",
    "queries",
]


def ratio_text(case: ABCase) -> str:
    if case.ratio is None:
        return "—"
    if case.interval is None:
        return f"×{case.ratio:.3f}"
    low, high = case.interval
    return f"×{case.ratio:.3f} ({low:.3f}–{high:.3f})"


def _queries(case: ABCase) -> str:
    if case.queries is None or case.base_queries is None:
        return "—"
    if case.queries == case.base_queries:
        return f"{case.queries:,} (=)"
    return f"{case.base_queries:,} → {case.queries:,} ({case.queries - case.base_queries:+,})"


def _cells(section: ABSection, case: ABCase) -> list[str]:
    return [
        case.name,
        case.side,
        seconds(case.base_median_s),
        seconds(case.median_s),
        ratio_text(case),
        str(case.rounds),
        case.verdict,
        _queries(case),
    ]


def title(section: ABSection) -> str:
    processes = f", {section.processes} processes each" if section.processes > 1 else ""
    return (
        f"roadbench {section.what} · {', '.join(section.labels)} in interleaved rounds"
        f"{processes} · ratio = median of per-round ratios to {section.labels[0]}"
    )


def ab_table(section: ABSection, width: int | None = None) -> RenderableType:
    """The cases in tables that fit ``width`` (the console's), under the title."""
    rows = [_cells(section, case) for case in section.cases]
    columns = [
        (name, {"justify": "left" if name in ("measured", "verdict") else "right"})
        for name in HEADER[1:]
    ]
    tables = fitted_tables((HEADER[0], {}), columns, rows, width)
    return Group(Text(title(section)), *tables)


def ab_markdown(section: ABSection) -> str:
    rows = [_cells(section, case) for case in section.cases]
    return f"**{title(section)}**\n\n{markdown_table(HEADER, rows)}"


def ab_csv(section: ABSection) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *("case", "side", "base", "base_median_s", "median_s", "ratio", "ratio_low"),
            *("ratio_high", "rounds", "p_value", "verdict", "base_queries", "queries"),
        ]
    )
    for case in section.cases:
        low, high = case.interval or (None, None)
        writer.writerow(
            [
                *(case.name, case.side, section.labels[0], case.base_median_s, case.median_s),
                *(case.ratio, low, high, case.rounds, case.p_value, case.verdict),
                *(case.base_queries, case.queries),
            ]
        )
    return out.getvalue()
