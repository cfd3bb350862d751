"""Rendering of `roadbench diff`: a Rich table, markdown (for a CI job summary) or CSV."""

from __future__ import annotations

import csv
import io

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from roadbench.measuring.multiplicity import CORRECTION_NAMES
from roadbench.render.console import COLUMN_FRAME, column_groups, seconds
from roadbench.render.formats import markdown_table
from roadbench.render.shape import shape_markdown, shape_renderables
from roadbench.reports.diff import FASTER, INCONCLUSIVE, SLOWER, CaseDiff, DiffReport
from roadbench.reports.results import design_heading

STYLES = {SLOWER: "bold red", FASTER: "bold green", INCONCLUSIVE: "bold yellow"}
SAME_SESSION = "same-session rounds"  # the basis of an A/B's cases (reports.ab.ab_diff)


def _change(case: CaseDiff) -> str:
    if case.ratio is None:
        return "—"
    return f"{case.change:+.1%} (×{case.ratio:.3f})"


def _noise(case: CaseDiff) -> str:
    if case.noise is None:
        return "—"
    return f"±{case.noise:.1%}" + (" paired" if case.basis == "paired ratios" else "")


def _instructions(case: CaseDiff) -> str:
    change = case.instruction_change
    if change is None:
        return "—"
    return f"{case.base_instructions:,} → {case.new_instructions:,} ({change:+.2%})"


def _p(case: CaseDiff) -> str:
    """The p-value that decides: corrected for the cases tested together."""
    p = case.p_adjusted if case.p_adjusted is not None else case.p_value
    return "—" if p is None else f"{p:.3f}"


def significance_words(report: DiffReport) -> str:
    """How a change is called significant, in words."""
    p = (
        "p"
        if report.correction == "none" or report.tested < 2
        else (f"p ({CORRECTION_NAMES[report.correction]}-adjusted over {report.tested} cases)")
    )
    return f"{p} < {report.alpha:g}, at least {report.min_change:.0%} change"


def diff_notes(report: DiffReport) -> list[str]:
    """What a reader must know beside the table: the drift, and what the gate could not judge."""
    notes = []
    drift = report.drift
    if drift is not None and drift.beyond_noise:
        if report.assume_drift:
            notes.append(
                f"Drift corrected (--assume-drift): {drift.describe()}; times are judged "
                f"divided by ×{drift.factor:.2f}, as if the machine alone had moved."
            )
        elif not any("the whole run moved" in line for line in report.inconclusive):
            notes.append(
                f"Inconclusive: {drift.describe()}. Two sessions cannot tell a slower machine "
                "from slower code, so no time verdict is given. Measure both in one session in "
                "interleaved rounds (roadbench ab), gate on counts (--fail-on "
                "instructions:2%, --fail-on queries:+0), or pass --assume-drift to correct "
                "for it as the machine's."
            )
    elif drift is not None:
        notes.append(
            f"The whole run moved ×{drift.factor:.3f} (median case), within the noise: "
            "no correction needed."
        )
    notes += [f"INCONCLUSIVE {line}" for line in report.inconclusive]
    return notes


def _queries(case: CaseDiff) -> str:
    if case.query_change is None:
        return "—"
    if case.query_change == 0:
        return f"{case.new_queries:,} (=)"
    return f"{case.base_queries:,} → {case.new_queries:,} ({case.query_change:+,})"


# A case column narrower than its names when the table must be split: names wrap at spaces.
SPLIT_CASE_WIDTH = 20


def diff_table(report: DiffReport, width: int | None = None) -> RenderableType:
    """The diff as one table when it fits ``width`` (the console's), else as several tables of
    the columns that fit, each with every case: no figure is ever cut short."""
    if width is None:
        width = Console().width
    parts: list[RenderableType] = []
    if report.environment_changes:
        env = Table(title="the environment changed", title_justify="left")
        for header in ("what", "base", "new"):
            env.add_column(header, overflow="fold")  # a long word folds rather than being cut
        for name, base, new in report.environment_changes:
            env.add_row(name, str(base), str(new))
        parts.append(env)
    counted = any(c.instruction_change is not None for c in report.cases)
    headers = ["base", "new", "change", "noise", "p", "verdict", "queries"]
    headers += ["instructions"] if counted else []
    rows = [
        [
            Text(seconds(case.base_median_s)),
            Text(seconds(case.new_median_s)),
            Text(_change(case)),
            Text(_noise(case)),
            Text(_p(case)),
            Text(case.verdict, style=STYLES.get(case.verdict, "")),
            Text(_queries(case), style="bold red" if (case.query_change or 0) > 0 else ""),
            *([Text(_instructions(case))] if counted else []),
        ]
        for case in report.cases
    ]
    widths = [
        max([cell_len(header), *(row[i].cell_len for row in rows)]) + COLUMN_FRAME
        for i, header in enumerate(headers)
    ]
    case_width = max([4, *(cell_len(case.name) for case in report.cases)])
    if case_width + COLUMN_FRAME + 1 + sum(widths) > width:
        case_width = min(case_width, SPLIT_CASE_WIDTH)
    groups = column_groups(widths, width - case_width - COLUMN_FRAME - 1)
    for number, group in enumerate(groups):
        title = (
            f"roadbench diff · significant = {significance_words(report)}, and beyond the noise "
            "of both runs (paired: against the row's other options in each round)"
        )
        if any(case.basis == SAME_SESSION for case in report.cases):
            sides = f" · base {report.sides[0]}, new {report.sides[1]}" if report.sides else ""
            title = (  # a file of matrix or ab: one session, judged round by round
                f"roadbench diff{sides} · one session, round by round · significant = the ratio's "
                f"95% interval clear of 1, at least {report.min_change:.0%} change, sign test "
                "p < 0.05"
            )
        table = Table(title=title if number == 0 else None, title_justify="left")
        table.add_column("case", width=case_width, overflow="fold")
        for index in group:
            table.add_column(
                headers[index], justify="left" if index == 5 else "right", no_wrap=True
            )
        for case, row in zip(report.cases, rows, strict=True):
            table.add_row(case.name, *(row[index] for index in group))
        parts.append(table)
    parts.extend(shape_renderables(report))
    for note in diff_notes(report):
        parts.append(Text(note, style="bold yellow" if note.startswith("INCON") else ""))
    for failure in report.failures:
        parts.append(Text(f"FAIL {failure}", style="bold red"))
    return Group(*parts)


def diff_markdown(report: DiffReport) -> str:
    text = ""
    if report.environment_changes:
        text += (
            "**The environment changed:** "
            + "; ".join(f"{name} {base} → {new}" for name, base, new in report.environment_changes)
            + "\n\n"
        )
    counted = any(c.instruction_change is not None for c in report.cases)
    rows = [
        (
            case.name,
            seconds(case.base_median_s),
            seconds(case.new_median_s),
            _change(case),
            _noise(case),
            _p(case),
            case.verdict,
            _queries(case),
            *([_instructions(case)] if counted else []),
        )
        for case in report.cases
    ]
    header = ("Case", "Base", "New", "Change", "Noise", "p", "Verdict", "Queries")
    text += markdown_table(header + (("Instructions",) if counted else ()), rows)
    text += (
        f"\nSignificant: Mann-Whitney U {significance_words(report)}, and beyond the noise (the "
        "two runs' 95% intervals). Paired: judged on each round's time against the row's "
        "other options, so what slowed a round hits every option alike.\n"
    )
    text += shape_markdown(report)
    for note in diff_notes(report):
        text += "\n" + (f"- :warning: {note}" if note.startswith("INCON") else note) + "\n"
    if report.failures:
        text += "\n" + "\n".join(f"- :x: {f}" for f in report.failures) + "\n"
    return text


def diff_csv(report: DiffReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = (
        "option",
        "op",
        "method",
        "rows",
        "base_median_s",
        "new_median_s",
        "ratio",
        "time_change",
        "basis",
        "noise",
        "p_value",
        "p_adjusted",
        "verdict",
        "inconclusive_because",
        "base_queries",
        "new_queries",
        "base_instructions",
        "new_instructions",
    )
    # The SQL's shape: same, changed or cannot decide, and how many shapes appeared and
    # disappeared (their statements are in --json and the table); last, how the outputs name
    # the option (the columns before it stay where scripts read them).
    writer.writerow([*fields, "shape", "shapes_appeared", "shapes_disappeared", "design"])
    for case in report.cases:
        row = ["" if getattr(case, f) is None else getattr(case, f) for f in fields]
        shape = case.shape
        row += [shape.verdict, len(shape.appeared), len(shape.disappeared)] if shape else [""] * 3
        writer.writerow([*row, design_heading(case.option, case.design)])
    return out.getvalue()
