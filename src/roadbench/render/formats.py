"""Text formats for results, comparisons and diffs: markdown, CSV, github-action-benchmark.

Rendering only: every function takes result objects and returns a string.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from roadbench.render.console import byte_size, ratio_text, verdict_text
from roadbench.reports.comparison import LISTING, RANKED, STUDY, ComparisonReport
from roadbench.reports.results import CaseResult, design_headings, design_names, entity_plural

FORMATS = ("table", "json", "markdown", "csv", "github-benchmark", "github-benchmark-rows")
# A scaling result has no cases of its own to chart with github-action-benchmark: its points
# are one op at several sizes, judged per size.
SCALING_FORMATS = ("table", "json", "markdown", "csv")

CSV_FIELDS = (
    "option",
    "op",
    "method",
    "rows",
    "status",
    "reason",
    "loops",
    "median_s",
    "cpu_median_s",
    "memory_peak_bytes",
    "rss_peak_bytes",
    "iqr_s",
    "mean_s",
    "stdev_s",
    "min_s",
    "max_s",
    "rows_affected",
    "rows_per_s",
    "queries",
    "queries_per_row",
    "query_growth",
    "instructions",
)


def _fmt(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def results_csv(results: Iterable[CaseResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # Last, so that the columns before it stay where scripts read them.
    writer.writerow([*CSV_FIELDS, "design"])
    for r in results:
        row = ["" if getattr(r, f) is None else getattr(r, f) for f in CSV_FIELDS]
        writer.writerow([*row, r.heading])
    return out.getvalue()


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        # A line break would end the row: a cell is one line (a saved reason may hold several).
        return "| " + " | ".join(" ".join(c.split("\n")).replace("|", "\\|") for c in cells) + " |"

    body = [line(header), "| " + " | ".join("---" for _ in header) + " |"]
    body += [line(r) for r in rows]
    return "\n".join(body) + "\n"


def results_markdown(results: Iterable[CaseResult]) -> str:
    results = list(results)
    memory = any(r.memory_peak_bytes is not None for r in results)
    header: tuple[str, ...] = ("option", "op", "method", "rows", "median", "IQR")
    header += ("python peak", "rss peak") if memory else ()
    header += ("rows/s", "queries", "status")
    rows = []
    for r in results:
        peaks = (_bytes(r.memory_peak_bytes), _bytes(r.rss_peak_bytes)) if memory else ()
        rows.append(
            (
                r.design or str(r.option),
                r.op,
                r.method,
                f"{r.rows:,}",
                f"{_fmt(r.median_s)} s" if r.ok else "",
                f"{_fmt(r.iqr_s, 2)} s" if r.ok else "",
                *peaks,
                f"{r.rows_per_s:,.0f}" if r.rows_per_s else "",
                f"{r.queries:,}" if r.queries is not None else "",
                r.status if r.ok else f"unsupported: {r.reason}",
            )
        )
    return markdown_table(header, rows)


def _bytes(value: int | None) -> str:
    return byte_size(value, missing="")


def comparison_markdown(report: ComparisonReport) -> str:
    """The seed study's summary table, paste-ready: fastest option = 1, totals, weaknesses."""
    table = report.table
    env = report.environment
    names = design_names(report.results)
    headings = design_headings(report.results)
    header = ("Operation", *(_title(headings.get(n, f"option {n}")) for n in table.options))
    header += ("Fastest",)
    rows = []
    for row in table.rows:
        if row.role != STUDY:
            continue
        label = row.label[0].upper() + row.label[1:]
        verdict = verdict_text(row.winner, row.tied, names) or "—"
        rows.append((label, *(ratio_text(row, n) for n in table.options), verdict))
    listing = [
        (
            row.label[0].upper() + row.label[1:],
            *(ratio_text(row, n) for n in table.options),
            verdict_text(row.winner, row.tied, names) or "—",
        )
        for row in table.rows
        if row.role == LISTING
    ]
    totals = []
    for n in table.options:
        total = _ratio(table.totals.get(n))
        if report.scale == "many":
            total += f" ({_ratio(table.totals_without_bulk_create.get(n))})"
        totals.append(total)
    overall = verdict_text(table.winner, table.tied_overall, names) or "—"
    rows.append(("Total", *totals, overall))
    text = markdown_table(header, rows)
    if listing:
        # Every road of every type with its type-specific attributes: outside the seed's total.
        text += "\n" + markdown_table(("Listing", *header[1:]), listing)
    text += "\n" + markdown_table(
        ("Option", "Weakest operation", "Rows won"),
        [
            (names.get(n, str(n)), table.weaknesses.get(n, ""), str(table.wins.get(n, 0)))
            for n in table.options
        ],
    )
    note = (
        f"\n{report.rows:,} {entity_plural(report.results)} per option; options measured in "
        "interleaved rounds; each ratio is the median of per-round ratios to the row's fastest "
        "with its 95% interval (low–high); "
        f"~ marks a ratio less precise than ±{report.precision:.0%}. A row is a tie unless the "
        f"others are slower beyond the interval and by {report.min_effect:.0%}; "
        f"{table.ties} row(s) tied, and ties count as 1 in the totals. "
        f"{env.database_vendor} {env.database_version}, Django {env.django}, Python "
        f"{env.python}, {env.cpu} ({env.cores} cores). Lower is better"
    )
    if report.scale == "many":
        note += "; in brackets, the total without the create (many) row"
    return text + note + ".\n"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def comparison_csv(report: ComparisonReport) -> str:
    table = report.table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (
            "row",
            "role",
            "option",
            "method",
            "median_s",
            "cpu_median_s",
            "memory_peak_bytes",
            "rss_peak_bytes",
            "queries",
            "ratio",
            "ratio_low",
            "ratio_high",
            "unstable",
            "winner",
            "tied",
            "design",  # how the outputs name the option (option 3, shop.Product)
        )
    )
    results = {(r.option, r.op, r.method): r for r in report.results}
    names = design_names(report.results)
    headings = design_headings(report.results)
    for row in table.rows:
        for n in table.options:
            if n not in row.methods:
                continue
            writer.writerow(
                (
                    row.label,
                    row.role,
                    n,
                    row.methods[n],
                    _fmt(row.medians.get(n), 6),
                    _fmt(_cpu(results.get((n, row.op, row.methods[n]))), 6),
                    *_memory(results.get((n, row.op, row.methods[n]))),
                    "" if row.queries.get(n) is None else row.queries[n],
                    _fmt(row.ratios.get(n), 4) if row.role in RANKED else "",
                    *_interval(row.ratio_ci.get(n) if row.role in RANKED else None),
                    "yes" if n in row.unstable else "",
                    _name(names, row.winner) if row.role in RANKED else "",
                    " ".join(_name(names, n) for n in row.tied) if row.role in RANKED else "",
                    headings.get(n, f"option {n}"),
                )
            )
    return out.getvalue()


def _name(names: dict[int, str], option: int | None) -> str:
    return "" if option is None else names.get(option, str(option))


def _title(heading: str) -> str:
    """A markdown column's heading: ``Option 3`` for roadbench's own, a name as it is."""
    return heading.capitalize() if heading.startswith("option ") else heading


def _interval(interval: list[float] | None) -> tuple[str, str]:
    return ("", "") if interval is None else (_fmt(interval[0], 4), _fmt(interval[1], 4))


def _memory(result: CaseResult | None) -> tuple[str, str]:
    if result is None or not result.ok:
        return ("", "")
    peaks = (result.memory_peak_bytes, result.rss_peak_bytes)
    return tuple("" if v is None else str(v) for v in peaks)  # type: ignore[return-value]


def _cpu(result: CaseResult | None) -> float | None:
    return result.cpu_median_s if result is not None and result.ok else None


def scaling_markdown(report: Any) -> str:
    """A scaling result (``api.ScalingReport``), paste-ready: a row per size, a column per
    option with the figures the table shows, the fit and the query growth, then the legend."""
    from roadbench.render.console import (
        environment_line,
        pragma_text,
        scaling_cell,
        scaling_judged,
        scaling_legend,
    )
    from roadbench.reports.scaling import FASTEST, TIED

    several = len(report.series) > 1 and scaling_judged(report)
    header = ("Rows", *(_title(s.heading) for s in report.series))
    names = {s.option: s.short_name for s in report.series}
    header += ("Fastest",) if several else ()
    rows = []
    for i, size in enumerate(report.sizes):
        points = [s.points[i] for s in report.series]
        cells = [
            " · ".join(scaling_cell(p, narrow=False)) if p.median_s is not None else p.status
            for p in points
        ]
        ranks = [(s.option, p.rank) for s, p in zip(report.series, points, strict=True)]
        winner = next((n for n, rank in ranks if rank == FASTEST), None)
        tied = [n for n, rank in ranks if rank == TIED]
        verdict = (verdict_text(winner, tied, names) or "—",) if several else ()
        rows.append((f"{size:,}", *cells, *verdict))
    empty = ("",) if several else ()
    rows.append(("k (fit)", *(_fmt_fixed(s.exponent) for s in report.series), *empty))
    rows.append(("Queries", *(s.query_growth or "—" for s in report.series), *empty))
    env = report.environment
    return (
        f"**roadbench scaling · {report.op} · {report.method}**\n\n"
        + markdown_table(header, rows)
        + f"\n{scaling_legend(report)}. {environment_line(env)}{pragma_text(env)}. "
        "Lower is better.\n"
    )


def _fmt_fixed(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


SCALING_CSV_FIELDS = (
    "op",
    "method",
    "rows",
    "option",
    "status",
    "median_s",
    "median_low_s",
    "median_high_s",
    "ratio",
    "ratio_low",
    "ratio_high",
    "rank",
    "unstable",
    "queries",
    "exponent",
    "query_growth",
    "design",
)


def scaling_csv(report: Any) -> str:
    """A scaling result, one line per size and option: the point's figures (times in seconds,
    the intervals' bounds), and its option's fit and query growth on each of its lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCALING_CSV_FIELDS)
    for i, size in enumerate(report.sizes):
        for series in report.series:
            p = series.points[i]
            writer.writerow(
                (
                    report.op,
                    report.method,
                    size,
                    series.option,
                    p.status,
                    _fmt(p.median_s, 6),
                    *_interval_s(p.interval_s),
                    _fmt(p.ratio, 4),
                    *_interval(p.ratio_ci),
                    p.rank or "",
                    "yes" if p.unstable else "",
                    "" if p.queries is None else p.queries,
                    _fmt(series.exponent, 4),
                    series.query_growth or "",
                    series.heading,
                )
            )
    return out.getvalue()


def _interval_s(interval: list[float] | None) -> tuple[str, str]:
    return ("", "") if interval is None else (_fmt(interval[0], 6), _fmt(interval[1], 6))


def _case_name(r: CaseResult) -> str:
    return f"{r.heading} {r.op} {r.method} ({r.rows:,} rows)"


def github_benchmark(results: Iterable[CaseResult], rows_per_s: bool = False) -> str:
    """github-action-benchmark's custom JSON.

    ``customSmallerIsBetter`` (default): each case's median seconds and its query count.
    ``customBiggerIsBetter`` (``rows_per_s``): each case's rows per second — a second file,
    since one file holds one direction.
    """
    entries: list[dict[str, Any]] = []
    for r in results:
        if not r.ok:
            continue
        if rows_per_s:
            entries.append(
                {"name": f"{_case_name(r)} rows/s", "unit": "rows/s", "value": r.rows_per_s}
            )
            continue
        entries.append(
            {
                "name": f"{_case_name(r)} time",
                "unit": "s",
                "value": r.median_s,
                "range": f"± {_fmt(r.iqr_s, 3)}",
                "extra": f"{len(r.times_s)} values × {r.loops} loop(s)",
            }
        )
        entries.append({"name": f"{_case_name(r)} queries", "unit": "queries", "value": r.queries})
    return json.dumps(entries, indent=2) + "\n"


def render(kind: str, report: Any, fmt: str) -> Any:
    """A saved or fresh report (``kind`` run, compare or scaling) in one format: a Rich
    renderable for "table", else a string. A scaling report takes ``SCALING_FORMATS`` only."""
    from roadbench.render.console import comparison_tables, results_table
    from roadbench.reports.results import dump_json

    if fmt not in FORMATS:
        from roadbench.errors import BadInput

        raise BadInput(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if kind == "scaling" and fmt not in SCALING_FORMATS:
        from roadbench.errors import BadInput

        raise BadInput(
            f"a scaling result cannot be shown as {fmt}; choose one of {', '.join(SCALING_FORMATS)}"
        )
    if fmt == "json":
        return dump_json(report.to_dict()) + "\n"
    if kind == "scaling":
        from roadbench.render.console import scaling_table

        if fmt == "markdown":
            return scaling_markdown(report)
        if fmt == "csv":
            return scaling_csv(report)
        return scaling_table(report)
    if fmt in ("github-benchmark", "github-benchmark-rows"):
        return github_benchmark(report.results, rows_per_s=fmt.endswith("-rows"))
    if kind == "compare":
        if fmt == "markdown":
            return comparison_markdown(report)
        if fmt == "csv":
            return comparison_csv(report)
        return comparison_tables(report)
    if fmt == "markdown":
        return results_markdown(report.results)
    if fmt == "csv":
        return results_csv(report.results)
    return results_table(report.results, report.environment)
