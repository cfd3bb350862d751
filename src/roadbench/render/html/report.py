"""One HTML page for a saved run, comparison or scaling file (``report FILE --html``, and
``--html`` on the commands that make them).

What a page shows comes from the file alone, plus what the caller attaches (``Attachments``):
the statements of ``roadbench queries --json`` (a saved run keeps counts, not SQL) and
pyinstrument's HTML from ``roadbench profile --html``. Every figure drawn is also written as
a ``data-*`` attribute, as the JSON has it, so a test reads the page back against the file.

For a page of another kind (an A/B, a history): ``page.page`` with sections of one's own,
``case_sections(results, Attachments())`` for the cases' values round by round, and
``environment_section(env, command)``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from roadbench.measuring.counting import statement_kind
from roadbench.measuring.fingerprints import tables
from roadbench.measuring.queries import about_once_per_row
from roadbench.measuring.stats import median_interval
from roadbench.render.console import seconds as _seconds
from roadbench.reports.comparison import RANKED, SCALES, ComparisonReport, ComparisonRow
from roadbench.reports.results import CaseResult, Environment, RunReport, entity_plural
from roadbench.reports.scaling import ScalingReport

from .page import (
    Cell,
    Markup,
    Section,
    anchor,
    code_block,
    data_number,
    definitions,
    details,
    join,
    legend,
    link,
    note,
    page,
    table,
    tag,
)
from .svg import Axis, Line, Point, interval_bar, line_chart, strip_plot


@dataclass
class Profile:
    """pyinstrument's own HTML page of one profile, shown inside the report."""

    name: str  # what it is, as the reader sees it (the file it came from)
    html: str


# pyinstrument's page asks Google for its web fonts; offline, the system's fonts do.
_WEB_FONTS = re.compile(r"https://fonts\.googleapis\.com/css\?[^\"']*")


def offline_profile(html: str) -> str:
    """pyinstrument's HTML without the one thing it loads from elsewhere (its web fonts)."""
    return _WEB_FONTS.sub("data:text/css,", html)


@dataclass
class Attachments:
    """What a page shows beside the saved file: statements (the ``cases`` of one or more
    ``roadbench queries --json`` outputs) and profiles."""

    queries: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)


def report_page(kind: str, report: Any, attachments: Attachments | None = None) -> str:
    """The page of a ``run``, ``compare`` or ``scaling`` report (as ``load_report`` gives)."""
    attached = attachments or Attachments()
    if kind == "compare":
        return comparison_page(report, attached)
    if kind == "scaling":
        return scaling_page(report, attached)
    return run_page(report, attached)


# --- the pages ---------------------------------------------------------------------------------


def run_page(report: RunReport, attachments: Attachments | None = None) -> str:
    """A run: each case's values round by round, its figures, its statements."""
    attached = attachments or Attachments()
    results = report.results
    names = ", ".join(dict.fromkeys(f"{r.heading} · {r.op} · {r.method}" for r in results))
    sections = [
        Section("summary", "Cases", _cases_summary(results)),
        *case_sections(results, attached),
        *_extra_sections(results, attached),
        environment_section(report.environment, run_command(report)),
    ]
    subtitle = f"{_environment_short(report.environment)}"
    return page(f"roadbench run · {names}", sections, subtitle=subtitle, kind="run")


def comparison_page(report: ComparisonReport, attachments: Attachments | None = None) -> str:
    """A comparison: the table (each ratio with its 95% interval, ties shaded), then every
    case of it."""
    attached = attachments or Attachments()
    title = (
        f"roadbench compare · {report.scale} scale · {report.rows:,} "
        f"{entity_plural(report.results)} per design"
    )
    sections = [
        Section("comparison", "Comparison", _comparison_body(report)),
        *case_sections(report.results, attached),
        *_extra_sections(report.results, attached),
        environment_section(report.environment, compare_command(report), report),
    ]
    return page(title, sections, subtitle=_environment_short(report.environment), kind="compare")


def scaling_page(report: ScalingReport, attachments: Attachments | None = None) -> str:
    """A scaling: time and queries against rows (log-log) per design, and the points."""
    attached = attachments or Attachments()
    title = f"roadbench scaling · {report.op} · {report.method}"
    sections = [
        Section("growth", "Growth", _growth_body(report)),
        Section("points", "Points", _scaling_table(report)),
        *_statements_section(attached.queries),
        *_extra_sections([], attached),
        environment_section(report.environment, scaling_command(report)),
    ]
    return page(title, sections, subtitle=_environment_short(report.environment), kind="scaling")


# --- the comparison table ----------------------------------------------------------------------


def _comparison_body(report: ComparisonReport) -> Markup:
    table_ = report.table
    headings = {r.option: r.heading for r in report.results}
    found: dict[tuple[int, str, str, int | None], CaseResult] = {
        (r.option, r.op, r.method, r.rows): r for r in report.results
    }
    rows_of = {(p.row, p.option): p.rows for p in report.planned}
    axis_max = max(
        [1.05]
        + [
            v
            for row in table_.rows
            if row.role in RANKED
            for n in table_.options
            for v in [row.ratios.get(n) or 1.0, *(row.ratio_ci.get(n) or ())]
        ]
    )
    header = ["operation", *(headings.get(n, f"option {n}") for n in table_.options), "fastest"]
    lines: list[list[object]] = []
    suffix = f" ({report.scale})"
    for row in table_.rows:
        cells: list[object] = [
            Cell(
                row.label.removesuffix(suffix),
                class_="op" if row.role in RANKED else "op context",
            )
        ]
        for n in table_.options:
            result = found.get((n, row.op, row.methods.get(n, ""), rows_of.get((row.label, n))))
            cells.append(_comparison_cell(row, n, result, axis_max))
        cells.append(Cell(_verdict(row.winner, row.tied, headings) if row.role in RANKED else ""))
        lines.append(cells)
    totals: list[object] = ["total (lower wins)"]
    for n in table_.options:
        best = n == table_.winner or n in table_.tied_overall
        value = table_.totals.get(n)
        totals.append(
            Cell(
                "—" if value is None else f"{value:.2f}",
                numeric=True,
                class_="win" if best else None,
                data_field="total",
                data_option=n,
                data_value=data_number(value),
            )
        )
    totals.append(_verdict(table_.winner, table_.tied_overall, headings))
    lines.append(totals)
    lines.append(["rows won", *(str(table_.wins.get(n, 0)) for n in table_.options), ""])
    lines.append(["weakest", *(table_.weaknesses.get(n, "—") for n in table_.options), ""])
    env = report.environment
    rounds = sorted({len(r.times_s) for r in report.results if r.ok})
    values = f"{rounds[0]}–{rounds[-1]} rounds" if len(rounds) > 1 else f"{report.repeat} rounds"
    reading = (
        f"{values} per row after {report.warmup} warm-up, designs interleaved. Each cell: the "
        "ratio to the row's fastest (the median of per-round ratios) with its 95% interval "
        "drawn on a log axis from 1; the median time; the CPU share (CPU time / wall time: low "
        f"means the case waits); the exact query count. A row is a tie (shaded) unless the "
        f"others are slower beyond their interval and by {report.min_effect:.0%}; ~ marks a "
        f"ratio less precise than ±{report.precision:.0%}. Click a cell for its case."
    )
    verdict = _overall_verdict(report, headings)
    notes = sorted(set(table_.notes))
    return join(
        (
            tag("p", verdict, class_="verdict"),
            table(
                header,
                lines,
                caption=f"{env.database_vendor} {env.database_version}",
                class_="comparison sticky",
            ),
            tag("p", reading, class_="legend"),
            tag("ul", join(tag("li", n) for n in notes)) if notes else "",
        )
    )


def _comparison_cell(
    row: ComparisonRow, option: int, result: CaseResult | None, axis_max: float
) -> object:
    if option not in row.methods:
        return Cell("")  # a context row that only some designs have
    median = row.medians.get(option)
    method = row.methods[option]
    common: dict[str, object] = {"data_row": row.label, "data_option": option}
    if median is None:
        reason = result.reason if result is not None else ""
        return Cell(
            join((tag("span", "unsupported", class_="badge warn"), " ", method)),
            False,
            class_="unsupported",
            title=reason or None,
            **common,
        )
    ratio = row.ratios.get(option)
    interval = row.ratio_ci.get(option)
    ranked = row.role in RANKED
    tied = ranked and option in row.tied and len(row.tied) > 1
    parts: list[object] = []
    if ranked and ratio is not None:
        shown = f"{ratio:.2f}" + (" ~" if option in row.unstable else "")
        parts.append(tag("span", shown, class_="ratio"))
        if interval is not None and ratio != 1.0:
            parts.append(tag("span", f" {interval[0]:.2f}–{interval[1]:.2f}", class_="ci"))
        parts.append(interval_bar(ratio, interval, axis_max, tied))
    share = row.cpu_share.get(option)
    queries = row.queries.get(option)
    first = [_seconds(median), f"cpu {share:.0%}" if share is not None else ""]
    second = [f"{queries:,} q" if queries is not None else "", method]
    for figures in (first, second):
        parts.append(tag("span", " · ".join(f for f in figures if f), class_="figures"))
    content = join(parts)
    if result is not None:
        content = link(case_id(result), content)
    css = "tie" if tied else "win" if ranked and option == row.winner else None
    return Cell(
        content,
        True,
        class_=css,
        data_field="ratio" if ranked else "median",
        data_ratio=data_number(ratio) if ranked else None,
        data_low=data_number(interval[0]) if ranked and interval else None,
        data_high=data_number(interval[1]) if ranked and interval else None,
        data_median=data_number(median),
        data_queries=data_number(queries),
        data_tied="true" if tied else None,
        **common,
    )


def _verdict(winner: int | None, tied: list[int], headings: dict[int, str]) -> object:
    if winner is not None:
        return tag("strong", headings.get(winner, f"option {winner}"))
    if tied:
        return tag(
            "span",
            "tie: " + ", ".join(headings.get(n, f"option {n}") for n in tied),
            class_="badge tie",
        )
    return ""


def _overall_verdict(report: ComparisonReport, headings: dict[int, str]) -> object:
    table_ = report.table
    if table_.winner is not None:
        return join(
            (
                "Lowest total: ",
                tag("strong", headings.get(table_.winner, f"option {table_.winner}")),
                f" ({table_.totals.get(table_.winner) or 0:.2f}); {table_.ties} of the "
                "study's rows are ties.",
            )
        )
    if table_.tied_overall:
        tied = ", ".join(headings.get(n, f"option {n}") for n in table_.tied_overall)
        return f"No overall winner: {tied} are within {report.min_effect:.0%} of each other."
    return "No design ran every row: no total."


# --- cases ---------------------------------------------------------------------------------------


def case_id(result: CaseResult) -> str:
    return anchor("case", result.heading, result.op, result.method, result.rows)


def _cases_summary(results: Sequence[CaseResult]) -> Markup:
    header = ["case", "status", "median", "95% interval", "cpu share", "queries", "rows/s"]
    lines = []
    for r in results:
        low_high = median_interval(r.times_s) if r.ok and len(r.times_s) > 1 else None
        lines.append(
            [
                link(case_id(r), f"{r.heading} · {r.op} · {r.method} · {r.rows:,} rows"),
                r.status,
                Cell(
                    _seconds(r.median_s),
                    True,
                    data_field="median",
                    data_case=case_id(r),
                    data_value=data_number(r.median_s),
                ),
                Cell(
                    f"{_seconds(low_high[0])} – {_seconds(low_high[1])}" if low_high else "—",
                    True,
                ),
                Cell(_share(r), True),
                Cell(
                    "—" if r.queries is None else f"{r.queries:,}",
                    True,
                    data_field="queries",
                    data_case=case_id(r),
                    data_value=data_number(r.queries),
                ),
                Cell("—" if r.rows_per_s is None else f"{r.rows_per_s:,.0f}", True),
            ]
        )
    return table(header, lines)


def case_sections(
    results: Sequence[CaseResult], attached: Attachments, id_prefix: str = ""
) -> list[Section]:
    """Every case as a card; then the attached statements that match no case here.
    ``id_prefix`` keeps the cards' ids apart when a page shows several runs' cases."""
    statements = _statements_by_case(attached.queries)
    cards = [_case_card(r, statements.pop(_case_key(r), None), id_prefix) for r in results]
    body = join(
        (
            tag(
                "p",
                "Every timed value, round by round (dots; the dashed line is the median; a "
                "hollow red dot lies beyond 1.5 IQR of the quartiles). Drift shows as a slope, "
                "an outlier as a lone dot.",
                class_="legend",
            ),
            tag("div", join(cards), class_="cases"),
        )
    )
    leftover = [case for cases in statements.values() for case in cases]
    return [Section("cases", "Cases, value by value", body), *_statements_section(leftover)]


def _statements_section(cases: Sequence[dict[str, Any]]) -> list[Section]:
    if not cases:
        return []
    body = join(
        tag(
            "div",
            join(
                (
                    tag(
                        "h3",
                        f"{case.get('design') or 'option ' + str(case.get('option'))} · "
                        f"{case.get('op')} · {case.get('method')}",
                    ),
                    _statements(case),
                )
            ),
            class_="case",
        )
        for case in cases
    )
    return [Section("statements", "Statements", body)]


def _case_card(
    result: CaseResult, statements: list[dict[str, Any]] | None, id_prefix: str = ""
) -> Markup:
    r = result
    card_id = id_prefix + case_id(r)
    parts: list[object] = [tag("h3", f"{r.heading} · {r.op} · {r.method} · {r.rows:,} rows")]
    if not r.ok:
        parts.append(note(f"unsupported: {r.reason or 'no reason given'}", "warn"))
        return tag("div", join(parts), class_="case", id=card_id, data_status=r.status)
    parts.append(strip_plot(r.times_s, r.median_s, label=f"{r.heading} {r.op} {r.method}"))
    interval = median_interval(r.times_s) if len(r.times_s) > 1 else None
    figures: list[tuple[object, object]] = [
        ("median", _seconds(r.median_s)),
        (
            "95% interval",
            f"{_seconds(interval[0])} – {_seconds(interval[1])}" if interval else "—",
        ),
        ("min – max", f"{_seconds(r.min_s)} – {_seconds(r.max_s)}"),
        ("cpu share", _share(r)),
        (
            "values",
            f"{len(r.times_s)} after {r.warmup} warm-up"
            + (f", {r.loops} runs each" if r.loops > 1 else ""),
        ),
        ("rows affected", f"{r.rows_affected:,}"),
    ]
    if r.rows_per_s:
        figures.append(("rows/s", f"{r.rows_per_s:,.0f}"))
    if r.queries is not None:
        kinds = ", ".join(f"{k} {v:,}" for k, v in r.queries_by_kind.items() if v)
        figures.append(("queries", f"{r.queries:,}" + (f" ({kinds})" if kinds else "")))
    if r.query_growth:
        figures.append(("query growth", r.query_growth))
    if r.instructions is not None:
        figures.append(("instructions", f"{r.instructions:,}"))
    if r.memory_peak_bytes is not None:
        figures.append(("python peak", f"{r.memory_peak_bytes:,} B"))
    parts.append(definitions(figures))
    parts.extend(note(w, "warn") for w in r.warnings)
    if statements:
        parts.extend(_statements(case) for case in statements)
    elif r.fingerprints:
        parts.append(_saved_shapes(r))
    parts.append(
        tag(
            "p",
            join(
                (
                    tag("span", "round by round: ", class_="legend"),
                    tag(
                        "span",
                        ", ".join(_seconds(t) for t in r.times_s),
                        class_="values",
                        data_values=" ".join(repr(t) for t in r.times_s),
                    ),
                )
            ),
            class_="legend",
        )
    )
    return tag(
        "div",
        join(parts),
        class_="case wide" if statements or r.fingerprints else "case",
        id=card_id,
        data_status=r.status,
        data_median=data_number(r.median_s),
        data_cpu_median=data_number(r.cpu_median_s),
        data_queries=data_number(r.queries),
    )


# --- statements --------------------------------------------------------------------------------


def _case_key(result: CaseResult | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(result, CaseResult):
        return (result.option, result.design, result.op, result.method)
    return (result.get("option"), result.get("design", ""), result.get("op"), result.get("method"))


def _statements_by_case(cases: Iterable[dict[str, Any]]) -> dict[tuple[Any, ...], list[Any]]:
    found: dict[tuple[Any, ...], list[Any]] = {}
    for case in cases:
        found.setdefault(_case_key(case), []).append(case)
    return found


def _statements(case: dict[str, Any]) -> Markup:
    """The statements of one case of ``queries --json``, grouped by fingerprint."""
    fingerprints = case.get("fingerprints") or []
    header = ["count", "kind", "statement", "tables", "duplicates", "flags"]
    lines = []
    plans = []
    for index, f in enumerate(fingerprints):
        flags = []
        if f.get("n_plus_one"):
            flags.append(tag("span", "N+1", class_="badge bad"))
        if f.get("duplicates"):
            flags.append(tag("span", "duplicates", class_="badge warn"))
        if f.get("growth"):
            flags.append(tag("span", f"grows {f['growth']}", class_="badge"))
        fingerprint = str(f.get("fingerprint", ""))
        plan_id = anchor(
            "plan",
            case.get("design") or case.get("option"),
            case.get("op"),
            case.get("method"),
            case.get("rows"),
            index,
        )
        shown = details(_clip(fingerprint, 90), code_block(f.get("example_sql", fingerprint)))
        if f.get("plan"):
            shown = join((shown, link(plan_id, "EXPLAIN")))
            plans.append(
                tag(
                    "div",
                    join(
                        (
                            tag("h4", f"EXPLAIN: {_clip(fingerprint, 70)}"),
                            code_block("\n".join(map(str, f["plan"]))),
                        )
                    ),
                    id=plan_id,
                )
            )
        lines.append(
            [
                Cell(
                    f"{f.get('count', 0):,}",
                    True,
                    data_field="statement-count",
                    data_value=data_number(f.get("count")),
                ),
                Cell(f.get("kind", ""), class_="nowrap"),
                Cell(shown),
                Cell(", ".join(map(str, f.get("tables") or []))),
                Cell(f"{f.get('duplicates', 0):,}", True),
                Cell(join(flags)),
            ]
        )
        if f.get("n_plus_one"):
            lines[-1][0].attributes["class_"] = "num bad"
    n_plus_one = sum(1 for f in fingerprints if f.get("n_plus_one"))
    duplicates = sum(int(f.get("duplicates") or 0) for f in fingerprints)
    summary = (
        f"Statements at {case.get('rows', 0):,} rows: {case.get('queries', 0):,} queries, "
        f"{len(fingerprints)} shapes"
    )
    warnings = []
    if n_plus_one:
        warnings.append(note(f"N+1: {n_plus_one} shape(s) run about once per row", "bad"))
    if duplicates:
        warnings.append(
            note(f"{duplicates:,} duplicate executions (same SQL, same parameters)", "warn")
        )
    if case.get("status", "ok") != "ok":
        warnings.append(note(f"unsupported: {case.get('reason')}", "warn"))
    return tag(
        "div",
        join((tag("h4", summary), *warnings, table(header, lines, class_="statements"), *plans)),
        class_="statements",
        data_queries=data_number(case.get("queries")),
    )


def _saved_shapes(result: CaseResult) -> Markup:
    """The statement shapes a saved case keeps (schema 3), counted in its counting pass: no
    SQL example, no duplicates or plans (those come from ``queries --json``)."""
    shapes = sorted((result.fingerprints or {}).items(), key=lambda item: (-item[1], item[0]))
    lines = []
    for shape, count in shapes:
        per_row = about_once_per_row(shape, count, result.rows)
        lines.append(
            [
                Cell(
                    f"{count:,}",
                    True,
                    class_="num bad" if per_row else None,
                    data_field="shape-count",
                    data_value=data_number(count),
                ),
                Cell(statement_kind(shape), class_="nowrap"),
                Cell(details(_clip(shape, 90), code_block(shape))),
                Cell(", ".join(tables(shape))),
                Cell(tag("span", "N+1", class_="badge bad") if per_row else ""),
            ]
        )
    flagged = sum(1 for shape, count in shapes if about_once_per_row(shape, count, result.rows))
    return tag(
        "div",
        join(
            (
                tag(
                    "h4",
                    f"Statements by shape: {len(shapes)} shapes, "
                    f"{sum(c for _, c in shapes):,} statements",
                ),
                note(f"N+1: {flagged} shape(s) run about once per row", "bad") if flagged else "",
                table(
                    ["count", "kind", "statement", "tables", "flags"], lines, class_="statements"
                ),
                tag(
                    "p",
                    "Counted in the case's counting pass. Examples with their parameters, "
                    "duplicates and EXPLAIN: roadbench queries ... --explain --json > q.json, "
                    "then report FILE --html out.html --queries q.json.",
                    class_="legend",
                ),
            )
        ),
        class_="statements",
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _extra_sections(results: Sequence[CaseResult], attached: Attachments) -> list[Section]:
    sections = []
    if attached.profiles:
        body = join(
            details(
                f"pyinstrument profile: {p.name}",
                tag(
                    "iframe",
                    "",
                    class_="profile",
                    srcdoc=offline_profile(p.html),
                    title=p.name,
                    loading="lazy",
                ),
                id=anchor("profile", p.name),
            )
            for p in attached.profiles
        )
        sections.append(Section("profiles", "Profiles", body))
    elif results:
        first = results[0]
        hint = (
            f"No profile attached. Take one with roadbench profile {first.op} -o "
            f"{_design_arg(first)} -m {first.method} --rows {first.rows} --html p.html, and "
            "attach it: roadbench report FILE --html out.html --profile p.html"
        )
        sections.append(
            Section("profiles", "Profiles", tag("p", hint, class_="legend"), listed=False)
        )
    return sections


# --- scaling -------------------------------------------------------------------------------------


def _growth_body(report: ScalingReport) -> Markup:
    names = {s.heading: i for i, s in enumerate(report.series)}
    times = [
        Line(
            s.heading,
            [
                Point(p.rows, p.median_s, *(p.interval_s or (None, None)))
                for p in s.points
                if p.median_s
            ],
            color=i,
        )
        for i, s in enumerate(report.series)
    ]
    queries = [
        Line(s.heading, [Point(p.rows, p.queries) for p in s.points if p.queries], color=i)
        for i, s in enumerate(report.series)
    ]
    fits = ", ".join(
        f"{s.heading}: time ∝ rows^{s.exponent:.2f}"
        for s in report.series
        if s.exponent is not None
    )
    return join(
        (
            legend(names),
            tag("h3", "Time against rows (log-log; band: the median's 95% interval)"),
            tag(
                "div",
                line_chart(
                    times,
                    Axis("rows", log=True),
                    Axis("median time (ms)", log=True, unit_scale=1e3),
                    title="time against rows",
                ),
                class_="figure",
                id="growth-time",
            ),
            tag("h3", "Queries against rows (log-log)"),
            tag(
                "div",
                line_chart(
                    queries,
                    Axis("rows", log=True),
                    Axis("queries", log=True),
                    title="queries against rows",
                ),
                class_="figure",
                id="growth-queries",
            ),
            tag("p", f"{fits}. k = 1 grows linearly, k > 1 faster than the rows.", class_="legend")
            if fits
            else "",
        )
    )


def _scaling_table(report: ScalingReport) -> Markup:
    axis_max = max(
        [1.05]
        + [
            v
            for s in report.series
            for p in s.points
            for v in [p.ratio or 1.0, *(p.ratio_ci or ())]
        ]
    )
    header = ["rows", *(s.heading for s in report.series)]
    lines: list[list[object]] = []
    for i, rows in enumerate(report.sizes):
        cells: list[object] = [f"{rows:,}"]
        for s in report.series:
            p = s.points[i]
            if p.median_s is None:
                cells.append(Cell(tag("span", p.status, class_="badge warn")))
                continue
            parts: list[object] = []
            if p.ratio is not None:
                parts += [
                    tag("span", f"{p.ratio:.2f}" + (" ~" if p.unstable else ""), class_="ratio"),
                    interval_bar(p.ratio, p.ratio_ci, axis_max, p.rank == "tied"),
                ]
            within = (
                f" ({_seconds(p.interval_s[0])} – {_seconds(p.interval_s[1])})"
                if p.interval_s
                else ""
            )
            parts.append(
                tag(
                    "span",
                    f"{_seconds(p.median_s)}{within} · "
                    f"{'—' if p.queries is None else format(p.queries, ',')} q",
                    class_="figures",
                )
            )
            cells.append(
                Cell(
                    join(parts),
                    True,
                    class_="tie" if p.rank == "tied" else "win" if p.rank == "fastest" else None,
                    data_option=s.option,
                    data_rows=rows,
                    data_median=data_number(p.median_s),
                    data_queries=data_number(p.queries),
                    data_ratio=data_number(p.ratio),
                )
            )
        lines.append(cells)
    lines.append(
        ["k (fit)", *("—" if s.exponent is None else f"{s.exponent:.2f}" for s in report.series)]
    )
    lines.append(["queries", *(s.query_growth or "—" for s in report.series)])
    return table(header, lines, class_="scaling")


# --- environment and the command ---------------------------------------------------------------


def _environment_short(env: Environment) -> str:
    return (
        f"{env.database_vendor} {env.database_version} · Django {env.django} · "
        f"Python {env.python} · {env.date}"
    )


def environment_section(env: Environment, command: str, report: Any = None) -> Section:
    pairs: list[tuple[object, object]] = [
        ("database", f"{env.database_vendor} {env.database_version} ({env.database_url})"),
        ("driver", env.database_driver),
        ("Django", env.django),
        ("Python", env.python),
        ("roadbench", env.roadbench),
        ("machine", f"{env.cpu}, {env.cores} cores, {env.machine}, {env.os}"),
        ("date", env.date),
        ("git commit", env.git_commit or "—"),
    ]
    if env.sqlite_journal_mode:
        pairs.append(
            (
                "SQLite",
                f"journal_mode={env.sqlite_journal_mode}, synchronous={env.sqlite_synchronous}",
            )
        )
    if isinstance(report, ComparisonReport) and report.phases_s:
        pairs.append(
            (
                "took",
                f"{report.elapsed_s:.1f} s ("
                + ", ".join(f"{k} {v:.1f} s" for k, v in report.phases_s.items())
                + ")",
            )
        )
    body = join(
        (
            definitions(pairs),
            tag("h3", "Run it again"),
            code_block(command),
            tag(
                "p",
                "Built from the saved file: add --plugin for a plugin's design or op, and the "
                "database URL's password where it shows ***.",
                class_="legend",
            ),
        )
    )
    return Section("environment", "Environment", body)


def _database_args(env: Environment) -> list[str]:
    if env.database_vendor == "sqlite" and "temporary" in env.database_url:
        return []
    return ["--database", env.database_url]


def _design_flag(result: CaseResult) -> list[str]:
    """How a command names the case's design: ``--model app.Model`` for the user's own
    hierarchy (its key is the model's label), else ``-o`` with its key or number."""
    design = _design_arg(result)
    return ["--model", design] if "." in design else ["-o", design]


def _design_arg(result: CaseResult) -> str:
    return result.design or str(result.option)


def run_command(report: RunReport) -> str:
    lines = []
    for r in report.results:
        args = [
            "roadbench",
            "run",
            "--op",
            r.op,
            *_design_flag(r),
            "-m",
            r.method,
            "--rows",
            str(r.rows),
            "--repeat",
            str(r.repeat or len(r.times_s)),
            "--warmup",
            str(r.warmup),
            *_database_args(report.environment),
        ]
        lines.append(shlex.join(args))
    return "\n".join(dict.fromkeys(lines))


def compare_command(report: ComparisonReport) -> str:
    designs = dict.fromkeys(_design_arg(r) for r in report.results)
    args = ["roadbench", "compare", "--scale", report.scale]
    if SCALES.get(report.scale) != report.rows:
        args += ["--rows", str(report.rows)]
    # The user's own hierarchy (--model app.Model) is measured instead of --options.
    model = next((d for d in designs if "." in d), None)
    args += ["--model", model] if model else ["--options", ",".join(designs)]
    args += [
        "--repeat",
        str(report.repeat),
        "--warmup",
        str(report.warmup),
        "--precision",
        f"{report.precision * 100:g}",
        "--min-effect",
        f"{report.min_effect * 100:g}",
        *_database_args(report.environment),
    ]
    return shlex.join(args)


def scaling_command(report: ScalingReport) -> str:
    args = [
        "roadbench",
        "scaling",
        report.op,
        "-m",
        report.method,
        "-o",
        ",".join(str(s.option) for s in report.series),
        "--sizes",
        ",".join(map(str, report.sizes)),
        "--precision",
        f"{report.precision * 100:g}",
        "--min-effect",
        f"{report.min_effect * 100:g}",
        *_database_args(report.environment),
    ]
    return shlex.join(args)


# --- figures as text ---------------------------------------------------------------------------


def _share(result: CaseResult) -> str:
    if result.cpu_median_s is None or not result.median_s:
        return "—"
    return f"{result.cpu_median_s / result.median_s:.0%}"


__all__ = [
    "Attachments",
    "Profile",
    "case_sections",
    "environment_section",
    "report_page",
]
