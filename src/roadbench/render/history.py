"""Rendering of `roadbench history` in the terminal: the runs, then one row per case with
its latest figures and the steps found, then the steps every case showed at once."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from roadbench.render.console import seconds
from roadbench.reports.history import QUERIES, CaseHistory, HistoryReport


def _when(text: str | None) -> str:
    return (text or "")[:10] or "?"


def history_heading(report: HistoryReport) -> str:
    first, last = report.runs[0], report.runs[-1]
    return (
        f"roadbench history · {len(report.runs)} run{'s' if len(report.runs) != 1 else ''}, "
        f"{len(report.cases)} case{'s' if len(report.cases) != 1 else ''} · "
        f"from {first.label} ({_when(first.commit_date or first.date)}) "
        f"to {last.label} ({_when(last.commit_date or last.date)})"
    )


def _latest(case: CaseHistory) -> tuple[str, str]:
    timed = [p for p in case.points if p.median_s]
    counted = [p for p in case.points if p.queries is not None]
    time = seconds(timed[-1].median_s) if timed else "—"
    queries = f"{counted[-1].queries:,}" if counted else "—"
    return time, queries


def history_table(report: HistoryReport) -> RenderableType:
    """The cases, each with its latest median and query count and every step found."""
    table = Table(
        title=history_heading(report),
        caption=(
            f"a time step: a change of at least {report.min_change:.0%} between two stretches "
            "of runs (at least 2 each) whose 95% interval excludes no change, with the "
            "machine's drift (every case moving at once) taken out where it explains the "
            "moves; query steps are exact"
        ),
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("case", overflow="fold")
    table.add_column("runs", justify="right")
    table.add_column("latest median", justify="right")
    table.add_column("queries", justify="right")
    table.add_column("changes found", overflow="fold")
    for case in report.cases:
        time, queries = _latest(case)
        changes = Text()
        for step in case.steps:
            if changes:
                changes.append("\n")
            what = "queries" if step.kind == QUERIES else "time"
            style = "bold red" if step.regression else "bold green"
            changes.append(f"{what} {report.describe(step)}", style=style)
        runs = len({p.run for p in case.points})
        table.add_row(case.name, str(runs), time, queries, changes or Text("none"))
    parts: list[RenderableType] = [table]
    for step in report.machine_steps:
        parts.append(
            Text(
                f"every case {report.describe(step)}: the machine, or a change that moved "
                "every case alike (one history cannot tell them apart; roadbench ab can)"
            )
        )
    return Group(*parts)
