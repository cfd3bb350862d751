"""compare --async as a table (console) or Markdown: per design, op and async method, the
sync mirror's, the async method's and its N tasks' medians, the statements each sent, and
the thread-hop cost per call with its interval."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from roadbench.reports.async_comparison import AsyncComparisonReport, AsyncRow, RoundSummary
from roadbench.reports.results import design_heading

HEADER = (
    "design",
    "op",
    "sync",
    "async",
    "sync median",
    "async median",
    "{n} tasks",
    "queries sync / async",
    "hops",
    "hop per call (95% CI)",
    "{n} tasks ÷ 1",
)


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if abs(seconds) < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if abs(seconds) < 1 else f"{seconds:.2f} s"


def _hop(summary: RoundSummary | None) -> str:
    if summary is None:
        return "-"
    return f"{summary.median * 1e6:+.1f} µs ({summary.low * 1e6:+.1f} … {summary.high * 1e6:+.1f})"


def _ratio(summary: RoundSummary | None) -> str:
    if summary is None:
        return "-"
    return f"{summary.median:.2f}× ({summary.low:.2f} … {summary.high:.2f})"


def row_cells(row: AsyncRow) -> list[str]:
    name = design_heading(row.option, row.design)
    head = [name, row.op, row.sync.method, row.async_one.method]
    if row.reason is not None:
        return [*head, f"unsupported: {row.reason}", *[""] * (len(HEADER) - 5)]
    many = row.async_many.median_s if row.async_many is not None else None
    return [
        *head,
        _time(row.sync.median_s),
        _time(row.async_one.median_s),
        _time(many),
        f"{row.sync.queries} / {row.async_one.queries}",
        str(row.thread_hops),
        _hop(row.hop_s),
        _ratio(row.many_vs_one),
    ]


def _header(report: AsyncComparisonReport) -> list[str]:
    return [h.format(n=report.concurrency) for h in HEADER]


def async_table(report: AsyncComparisonReport) -> Table:
    env = report.environment
    table = Table(
        title=f"sync and async ORM, {report.rows} rows, concurrency {report.concurrency} "
        f"(Django {env.django}, {env.database_vendor} {env.database_version})",
        title_justify="left",
    )
    for name in _header(report):
        table.add_column(name, no_wrap=name in ("design", "op"))
    for row in report.entries:
        table.add_row(*row_cells(row))
    return table


def async_markdown(report: AsyncComparisonReport) -> str:
    return markdown(_header(report), [row_cells(r) for r in report.entries])


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)]) + "\n"
