"""The page of `roadbench history --html`: per case its median and 95% interval over the
runs (by commit and date), its query count, and the steps found, marked where they start.

Every figure drawn carries its value as a ``data-*`` attribute (see ``svg``), and each step
its run, commit and change, so a test reads back that the page says what the JSON says.
"""

from __future__ import annotations

from roadbench.render.html.page import (
    Cell,
    Markup,
    Section,
    anchor,
    data_number,
    definitions,
    join,
    link,
    note,
    page,
    table,
    tag,
)
from roadbench.render.html.svg import Axis, Line, Marker, Point, line_chart
from roadbench.reports.history import QUERIES, CaseHistory, HistoryReport, Step


def _when(text: str | None) -> str:
    return (text or "")[:10]


def _ticks(report: HistoryReport, runs: list[int]) -> dict[float, str]:
    """Tick labels: the commit (else the file) of at most 8 runs, spread evenly."""
    if not runs:
        return {}
    every = max(1, (len(runs) + 7) // 8)
    chosen = runs[::every]
    if runs[-1] not in chosen:
        chosen.append(runs[-1])
    return {float(r): report.runs[r].label[:7] for r in chosen}


def _hover(report: HistoryReport, run: int, figure: str) -> str:
    shown = report.runs[run]
    return f"{shown.label} · {_when(shown.commit_date or shown.date)} · {shown.path}: {figure}"


def _time_chart(report: HistoryReport, case: CaseHistory) -> Markup:
    points = []
    for p in case.points:
        if not p.median_s:
            continue
        low, high = p.interval_s or (None, None)
        figure = f"{p.median_s * 1e3:.3g} ms"
        if low and high:
            figure += f" (95%: {low * 1e3:.3g}–{high * 1e3:.3g})"
        points.append(Point(p.run, p.median_s, low, high, _hover(report, p.run, figure)))
    lines = [Line("median", points)]
    for start, end, level in case.segments:
        lines.append(Line("fit", [Point(start, level), Point(end, level)], color=1, dashed=True))
    markers = [Marker(s.run - 0.5, f"{s.change:+.0%}") for s in case.steps if s.kind != QUERIES]
    return line_chart(
        lines,
        Axis("run (commit, oldest first)", ticks=_ticks(report, [int(p.x) for p in points])),
        Axis("median (ms)", unit_scale=1e3),
        markers=markers,
        title=f"{case.name}: median time per run",
    )


def _query_chart(report: HistoryReport, case: CaseHistory) -> Markup:
    points = [
        Point(p.run, float(p.queries), title=_hover(report, p.run, f"{p.queries:,} queries"))
        for p in case.points
        if p.queries
    ]
    if not points or len({p.y for p in points}) == 1:
        return Markup("")
    markers = [Marker(s.run - 0.5, f"{s.change:+,.0f}") for s in case.steps if s.kind == QUERIES]
    return line_chart(
        [Line("queries", points, color=2)],
        Axis("run (commit, oldest first)", ticks=_ticks(report, [int(p.x) for p in points])),
        Axis("queries"),
        markers=markers,
        title=f"{case.name}: queries per run",
        height=200,
    )


def _step_item(report: HistoryReport, step: Step) -> Markup:
    kind = "queries" if step.kind == QUERIES else "time"
    return tag(
        "li",
        join(
            (
                tag("span", kind, class_="badge bad" if step.regression else "badge"),
                " ",
                report.describe(step),
            )
        ),
        class_="step",
        data_kind=step.kind,
        data_run=step.run,
        data_commit=step.commit,
        data_change=data_number(step.change),
        data_regression="true" if step.regression else "false",
    )


def _case_section(report: HistoryReport, case: CaseHistory, index: int) -> Section:
    counted = [p for p in case.points if p.queries is not None]
    parts: list[object] = []
    if case.steps:
        parts.append(tag("ul", join(_step_item(report, s) for s in case.steps), class_="steps"))
    else:
        parts.append(note("No change found: every run lies within the same level."))
    if not case.drift_corrected:
        parts.append(
            tag(
                "p",
                "Judged on its own times: they move from run to run far less than with the "
                "machine's drift taken out.",
                class_="legend",
            )
        )
    parts.append(tag("div", _time_chart(report, case), class_="figure"))
    parts.append(
        tag(
            "p",
            "Blue: each run's median, the band its 95% interval; dashed: the fitted level "
            "of each stretch of runs; red: where a change starts.",
            class_="legend",
        )
    )
    if counted and len({p.queries for p in counted}) == 1:
        parts.append(tag("p", f"Queries: {counted[0].queries:,} in every run (exact count)."))
    else:
        parts.append(tag("div", _query_chart(report, case), class_="figure"))
    return Section(
        id=anchor("case", index, case.name),
        title=case.name,
        body=tag("div", join(parts), class_="case-history", data_case=case.name),
    )


def _summary(report: HistoryReport, ids: list[str]) -> Section:
    rows = []
    for case, case_id in zip(report.cases, ids, strict=True):
        found = [report.describe(s) for s in case.steps]
        rows.append(
            [
                link(case_id, case.name),
                Cell(len({p.run for p in case.points}), numeric=True),
                Cell(
                    "; ".join(found) or "none",
                    class_="warn" if any(s.regression for s in case.steps) else None,
                    data_steps=len(case.steps),
                ),
            ]
        )
    body: list[object] = [table(["case", "runs", "changes found"], rows)]
    for step in report.machine_steps:
        body.append(
            note(
                f"Every case {report.describe(step)}: the machine, or a change that moved every "
                "case alike; one history cannot tell them apart (roadbench ab can).",
                "warn",
            )
        )
    for failure in report.failures:
        body.append(note(failure, "bad"))
    return Section("changes", "Changes found", join(body))


def _runs(report: HistoryReport) -> Section:
    rows = [
        [
            run.label,
            _when(run.commit_date),
            _when(run.date),
            run.kind,
            run.django or "",
            run.database or "",
            Cell(f"{run.machine_factor:.2f}", numeric=True),
            run.path,
        ]
        for run in report.runs
    ]
    body: list[object] = [
        table(
            ["commit", "committed", "ran", "kind", "Django", "database", "machine", "file"],
            rows,
            caption="Oldest first. machine: the run's times relative to the history's, over "
            "all its cases (taken out before steps are looked for).",
        )
    ]
    if report.skipped:
        body.append(
            tag(
                "details",
                join(
                    (
                        tag("summary", f"{len(report.skipped)} file(s) skipped"),
                        definitions((s["path"], s["reason"]) for s in report.skipped),
                    )
                ),
            )
        )
    return Section("runs", "Runs", join(body))


def history_page(report: HistoryReport) -> str:
    """The whole page, as text."""
    ids = [anchor("case", i, c.name) for i, c in enumerate(report.cases)]
    # The cases with a change first: they are what the page is read for.
    shown = sorted(range(len(report.cases)), key=lambda i: not report.cases[i].steps)
    sections = [
        _summary(report, ids),
        *(_case_section(report, report.cases[i], i) for i in shown),
        _runs(report),
    ]
    first, last = report.runs[0], report.runs[-1]
    subtitle = (
        f"{len(report.runs)} runs of {report.folder}, from {first.label} "
        f"({_when(first.commit_date or first.date)}) to {last.label} "
        f"({_when(last.commit_date or last.date)}). A time step is a change of at least "
        f"{report.min_change:.0%} between two stretches of at least two runs, beyond their "
        "spread (asv's step detection); a query step is any change of the exact count."
    )
    return page("roadbench history", sections, subtitle=subtitle, kind="history")
