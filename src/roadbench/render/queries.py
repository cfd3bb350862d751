"""Rich rendering of `roadbench queries` and the `roadbench profile` header. No measuring."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from roadbench.measuring.queries import CaseQueries, QueriesReport
from roadbench.render.console import environment_line, fitted_tables, number, seconds
from roadbench.reports.results import design_heading


def summary_table(report: QueriesReport, width: int | None = None) -> Group:
    """The options side by side: how many statements, of how many shapes, which flagged; as
    several tables of the columns that fit ``width`` (the console's) if one is too wide."""
    # One op and method for every option (the title says which), so a row is its option.
    first = report.cases[0]
    figure = {"justify": "right", "no_wrap": True}
    columns = [
        (header, {**figure, "min_width": len(header)})
        for header in ("queries", "per row", "shapes", "N+1", "duplicates", "db time")
    ]
    rows: list[list[str | Text]] = []
    for case in report.cases:
        label = design_heading(case.option, case.design)
        if case.status != "ok":
            # The reason, which would not fit a cell, follows the table (unsupported_notes).
            rows.append([label, Text("unsupported", style="yellow"), *[""] * 5])
            continue
        n_plus_one = len(case.n_plus_one)
        rows.append(
            [
                label,
                number(case.queries),
                number(case.queries / case.rows_affected, 2) if case.rows_affected else "—",
                str(len(case.fingerprints)),
                Text(str(n_plus_one), style="bold red" if n_plus_one else ""),
                Text(str(case.duplicates), style="bold red" if case.duplicates else ""),
                seconds(case.total_s),
            ]
        )
    tables = fitted_tables(("design", {"no_wrap": True}), columns, rows, width)
    tables[0].title = f"roadbench queries · {first.op} · {first.method} · {first.rows:,} rows"
    if len(tables) == 1:
        tables[0].caption = environment_line(report.environment)
        return Group(*tables)
    # Under split tables, at the console's width (a narrow table's caption would be squeezed).
    return Group(*tables, Text(environment_line(report.environment), style="dim"))


def unsupported_notes(report: QueriesReport) -> Iterator[Text]:
    for case in report.cases:
        if case.status != "ok":
            yield Text(
                f"{design_heading(case.option, case.design)} · {case.op} · {case.method}: "
                f"unsupported: {case.reason}",
                style="yellow",
            )


def _flags(fingerprint: Any) -> Text:
    flags = []
    if fingerprint.n_plus_one:
        flags.append("N+1")
    if fingerprint.duplicates:
        flags.append(f"{fingerprint.duplicates} dup")
    return Text(" ".join(flags), style="bold red" if flags else "")


_COLUMNS = re.compile(r"^SELECT (DISTINCT )?.+? FROM ", re.S)


def short_fingerprint(text: str) -> str:
    """A fingerprint with its SELECT column list folded: the shape stays readable."""
    return _COLUMNS.sub(lambda m: f"SELECT {m.group(1) or ''}… FROM ", text, count=1)


def case_table(case: CaseQueries, show_sql: bool, width: int | None = None) -> RenderableType:
    title = (
        f"{design_heading(case.option, case.design)} · {case.op} · {case.method} · "
        f"{case.rows:,} rows: "
        f"{case.queries:,} queries for {case.rows_affected:,} rows"
    )
    figure = {"justify": "right", "no_wrap": True}
    columns: list[tuple[str, dict[str, Any]]] = [("count", figure)]
    if len(case.sizes) > 1:
        columns += [("rows→count", {"justify": "right"}), ("growth", {"no_wrap": True})]
    columns += [("kind", {"no_wrap": True}), ("total", figure), ("mean", figure)]
    columns += [("tables", {}), ("flags", {"no_wrap": True})]
    rows: list[list[str | Text]] = []
    for i, f in enumerate(case.fingerprints, 1):
        cells: list[str | Text] = [str(i), number(f.count)]
        if len(case.sizes) > 1:
            cells.append(" ".join(f"{r:,}→{f.counts_by_rows.get(r, 0):,}" for r in case.sizes))
            cells.append(f.growth or "")
        shown = " ".join(t.removeprefix("roadbench_") for t in f.tables)
        cells += [f.kind, seconds(f.total_s), seconds(f.mean_s), shown, _flags(f)]
        rows.append(cells)
    # Split into tables that fit when one is too wide (with --scaling at 80 columns); the
    # title above them, not in them: a table's title wraps at the table's width.
    tables = fitted_tables(("#", figure), columns, rows, width)
    parts: list[RenderableType] = [Text(title, style="bold"), *tables]
    for i, f in enumerate(case.fingerprints, 1):
        if show_sql:
            parts.append(Text(f"#{i} example ({f.count:,}×):", style="bold"))
            parts.append(Syntax(f.example_sql, "sql", word_wrap=True, theme="ansi_dark"))
            parts.append(Text(f"   params: {_clip(f.example_params)}", style="dim"))
        else:
            parts.append(Text(f"#{i} {short_fingerprint(f.fingerprint)}"))
        if f.plan:
            parts.append(Text(f"   plan of #{i}:", style="bold"))
            parts.extend(Text(f"     {line}") for line in f.plan)
    return Group(*parts)


def _clip(text: str, width: int = 300) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def queries_renderables(report: QueriesReport, show_sql: bool) -> Iterator[RenderableType]:
    if len(report.cases) > 1:
        yield summary_table(report)
        yield from unsupported_notes(report)
    for case in report.cases:
        if case.status == "ok":
            yield case_table(case, show_sql)
        elif len(report.cases) == 1:
            yield Text(f"unsupported: {case.reason}", style="yellow")
