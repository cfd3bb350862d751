"""The page of ``roadbench diff --html``: each case's change beside the noise of both runs."""

from __future__ import annotations

from typing import Any

from roadbench.render.console import seconds
from roadbench.render.diff import diff_notes, significance_words
from roadbench.reports.diff import COMPARED_ENVIRONMENT, FASTER, SLOWER, DiffReport

from .page import Cell, Markup, Section, definitions, join, note, page, table, tag
from .svg import change_bar


def diff_page(report: DiffReport) -> str:
    sections = [
        Section("changes", "Changes", _changes(report)),
        Section("environment", "Environments", _environments(report)),
    ]
    slower = sum(1 for c in report.cases if c.verdict == SLOWER)
    faster = sum(1 for c in report.cases if c.verdict == FASTER)
    subtitle = (
        f"{len(report.cases)} cases: {slower} slower, {faster} faster; significant = "
        f"{significance_words(report)} and beyond the noise of both runs"
    )
    return page("roadbench diff", sections, subtitle=subtitle, kind="diff")


def _changes(report: DiffReport) -> Markup:
    axis = max([0.05] + [abs(c.change) for c in report.cases if c.change is not None])
    lines = []
    for case in report.cases:
        change = "—" if case.change is None else f"{case.change:+.1%}"
        badge = {SLOWER: "badge bad", FASTER: "badge"}.get(case.verdict, "badge tie")
        queries = "—"
        if case.query_change is not None:
            queries = (
                f"{case.new_queries:,} (=)"
                if case.query_change == 0
                else f"{case.base_queries:,} → {case.new_queries:,} ({case.query_change:+,})"
            )
        lines.append(
            [
                case.name,
                Cell(seconds(case.base_median_s), True),
                Cell(seconds(case.new_median_s), True),
                Cell(
                    join((change_bar(case.change, case.noise, axis, case.verdict), change)),
                    True,
                    data_field="change",
                    data_case=case.name,
                    data_value=None if case.change is None else repr(case.change),
                ),
                Cell("—" if case.noise is None else f"±{case.noise:.1%}", True),
                Cell("—" if case.p_value is None else f"{case.p_value:.3f}", True),
                Cell(tag("span", case.verdict, class_=badge)),
                Cell(queries, True, class_="warn" if (case.query_change or 0) > 0 else None),
            ]
        )
    header = ["case", "base", "new", "change", "noise", "p", "verdict", "queries"]
    parts: list[Any] = [table(header, lines, class_="diff sticky")]
    # The drift (inconclusive, or corrected with --assume-drift) and what a rule could not judge.
    parts.extend(
        note(text, "warn" if text.startswith(("INCONCLUSIVE", "Inconclusive")) else "note")
        for text in diff_notes(report)
    )
    parts.extend(note(f"FAIL {failure}", "bad") for failure in report.failures)
    parts.append(
        tag(
            "p",
            "The bar: the change from the middle (no change), red when significantly slower, "
            "green when faster; the grey box: the noise both runs show.",
            class_="legend",
        )
    )
    return join(parts)


def _environments(report: DiffReport) -> Markup:
    changed = {name for name, _base, _new in report.environment_changes}
    lines = [
        [
            name,
            str(report.base_environment.get(name, "—")),
            Cell(
                str(report.new_environment.get(name, "—")),
                class_="warn" if name in changed else None,
            ),
        ]
        for name in (*COMPARED_ENVIRONMENT, "date", "git_commit", "database_url")
    ]
    return join(
        (
            note("The environment changed: " + ", ".join(sorted(changed)), "warn")
            if changed
            else definitions([("environment", "the same in both runs")]),
            table(["", "base", "new"], lines),
        )
    )
