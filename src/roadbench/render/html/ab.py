"""The page of a combined A/B file (``matrix --html``, ``ab --html``, ``report --html`` of
their file): per case, each environment's median and its ratio to the first with the 95%
interval drawn and the per-round ratios round by round; then every environment's own cases,
environment and command."""

from __future__ import annotations

from typing import Any

from roadbench.render.console import seconds
from roadbench.reports.ab import FASTER, SLOWER, TIE, ABCase, ABSection, ABSide
from roadbench.reports.comparison import ComparisonReport
from roadbench.reports.results import RunReport

from .page import Cell, Markup, Section, anchor, definitions, join, note, page, table, tag
from .report import Attachments, case_sections, compare_command, environment_section, run_command
from .svg import ratio_bar, strip_plot

INCONCLUSIVE = "inconclusive"  # a ratio without an interval: too few rounds to judge


def verdict_of(case: ABCase) -> str:
    """What the page says of a case: the section's verdict, but ``inconclusive`` where a
    ratio has no interval (one round), which the section counts as a tie."""
    if case.ratio is not None and case.interval is None:
        return INCONCLUSIVE
    return case.verdict


def ab_page(section: ABSection) -> str:
    reports = [_side_report(section, side) for side in section.sides]
    sections = [Section("ab", "Each environment against the first", _cases_body(section))]
    for index, (side, report) in enumerate(zip(section.sides, reports, strict=True)):
        prefix = anchor("env", index, side.label)
        for part in case_sections(report.results, Attachments(), id_prefix=prefix + "-"):
            sections.append(
                Section(f"{prefix}-{part.id}", f"{side.label}: {part.title}", part.body)
            )
        command = (
            compare_command(report) if isinstance(report, ComparisonReport) else run_command(report)
        )
        shown = environment_section(report.environment, command, report)
        sections.append(
            Section(f"{prefix}-environment", f"{side.label}: environment", _side_body(side, shown))
        )
    counts = {
        verdict: sum(1 for case in section.cases if verdict_of(case) == verdict)
        for verdict in (SLOWER, FASTER, TIE, INCONCLUSIVE)
    }
    subtitle = (
        f"{len(section.cases)} cases against {section.labels[0]}: "
        + ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)
        + f"; ratio = median of the per-round ratios, a change beyond {section.min_effect:.0%}"
        " and outside its 95% interval counts"
    )
    title = f"roadbench {section.what} {section.command} · {' → '.join(section.labels)}"
    return page(title, sections, subtitle=subtitle, kind="ab")


def _side_report(section: ABSection, side: ABSide) -> Any:
    data = side.report
    if section.command == "compare":
        return ComparisonReport.from_dict(data)
    return RunReport.from_dict(data)


def _side_body(side: ABSide, shown: Section) -> Markup:
    pairs: list[tuple[object, object]] = [("label", side.label), ("Python", side.python)]
    if side.revision:
        pairs.append(("revision", side.revision))
    return join((definitions(pairs), Markup(shown.body)))


def _case_key(case: ABCase) -> tuple[Any, ...]:
    return (case.option, case.op, case.method, case.rows, case.row)


def _cases_body(section: ABSection) -> Markup:
    by_case: dict[tuple[Any, ...], list[ABCase]] = {}
    for case in section.cases:
        by_case.setdefault(_case_key(case), []).append(case)
    axis = max(
        [1.05]
        + [max(v, 1 / v) for c in section.cases for v in (c.interval or ()) if v > 0]
        + [max(c.ratio, 1 / c.ratio) for c in section.cases if c.ratio]
    )
    parts: list[object] = [
        definitions(
            [
                ("measured", f"roadbench {section.what}, a {section.command} per environment"),
                ("environments", ", ".join(section.labels)),
                ("worker processes", f"{section.processes} per environment"),
                ("minimum effect", f"{section.min_effect:.0%}"),
            ]
        )
    ]
    for cases in by_case.values():
        first = cases[0]
        rows = [
            [
                section.labels[0],
                Cell(seconds(first.base_median_s), True),
                Cell("×1 (the base)", True),
                Cell("—", True),
                "",
                Cell("—" if first.base_queries is None else f"{first.base_queries:,}", True),
            ]
        ]
        plots = []
        for case in cases:
            verdict = verdict_of(case)
            badge = {SLOWER: "badge bad", FASTER: "badge"}.get(verdict, "badge tie")
            ratio = "—" if case.ratio is None else f"×{case.ratio:.3f}"
            interval = (
                "—" if case.interval is None else f"{case.interval[0]:.3f}–{case.interval[1]:.3f}"
            )
            rows.append(
                [
                    case.side,
                    Cell(seconds(case.median_s), True),
                    Cell(
                        join((ratio_bar(case.ratio, case.interval, axis, verdict), " ", ratio)),
                        True,
                        data_field="ratio",
                        data_case=case.name,
                        data_side=case.side,
                        data_value=None if case.ratio is None else repr(case.ratio),
                    ),
                    Cell(
                        interval,
                        True,
                        data_field="interval",
                        data_case=case.name,
                        data_side=case.side,
                        data_low=None if case.interval is None else repr(case.interval[0]),
                        data_high=None if case.interval is None else repr(case.interval[1]),
                    ),
                    Cell(tag("span", verdict, class_=badge), data_field="verdict"),
                    Cell("—" if case.queries is None else f"{case.queries:,}", True),
                ]
            )
            if case.per_round:
                plots.append(
                    tag(
                        "figure",
                        join(
                            (
                                strip_plot(
                                    case.per_round,
                                    case.ratio,
                                    label=f"{case.side}: per-round ratios to {section.labels[0]}",
                                    unit_scale=1.0,
                                    unit="×",
                                ),
                                tag(
                                    "figcaption",
                                    f"{case.side} / {section.labels[0]}, round by round",
                                ),
                            )
                        ),
                        class_="case",
                        data_case=case.name,
                        data_side=case.side,
                    )
                )
        header = ["environment", "median", "ratio", "95% interval", "verdict", "queries"]
        row = f" · {first.row}" if first.row != "run" else ""
        parts.append(tag("h3", first.name + row))
        parts.append(table(header, rows, class_="ab", data_case=first.name))
        if not any(case.ratio is not None for case in cases):
            parts.append(note("not comparable: the case did not run in both environments", "warn"))
        parts.append(tag("div", join(plots), class_="cases"))
    parts.append(
        tag(
            "p",
            "The ratio: the median of the per-round ratios (this environment's time over the "
            "first's in the same round), on a log axis centred on 1; the bar is its 95% "
            "interval, red when slower, green when faster. The dots: every round's ratio.",
            class_="legend",
        )
    )
    return join(parts)
