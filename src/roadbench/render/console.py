"""Rich tables for results, comparisons and the registries. Rendering only: no measuring."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from roadbench.measuring.counting import KINDS
from roadbench.reports.comparison import RANKED, ComparisonReport, ComparisonRow, ComparisonTable
from roadbench.reports.results import (
    CaseResult,
    Environment,
    design_headings,
    design_names,
    entity_plural,
)


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def byte_size(value: int | None, missing: str = "—") -> str:
    """A size in the unit that fits it: ``512 B``, ``41.2 KiB``, ``67.7 MiB``, ``1.5 GiB``
    (powers of 1024; GiB beyond). A small run's peak is not "0.0 MiB"."""
    if value is None:
        return missing
    if abs(value) < 1024:
        return f"{value:,} B"
    for power, unit in ((1, "KiB"), (2, "MiB"), (3, "GiB")):
        shown = round(value / 1024**power, 1)
        if abs(shown) < 1024 or unit == "GiB":  # 1,023.96 KiB is 1.0 MiB, not 1,024.0 KiB
            return f"{shown:,.1f} {unit}"
    raise AssertionError("unreachable")


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def environment_line(env: Environment) -> str:
    return (
        f"{env.database_vendor} {env.database_version} ({env.database_url}) · "
        f"Django {env.django} · Python {env.python} · {env.cpu}, {env.cores} cores"
    )


def results_table(results: Iterable[CaseResult], env: Environment | None = None) -> Table:
    """One column per case, one line per figure: readable in an 80-column terminal."""
    results = list(results)
    table = Table(title="roadbench run", caption=environment_line(env) if env else None)
    table.add_column("")
    for r in results:
        table.add_column(f"{r.heading} · {r.op} · {r.method}", justify="right")

    def line(label: str, values: Iterable[str | Text]) -> None:
        table.add_row(label, *values)

    line("rows", (f"{r.rows:,}" for r in results))
    line("status", (Text(r.status, style="green" if r.ok else "yellow") for r in results))
    if any(not r.ok for r in results):
        line("reason", (r.reason or "" for r in results))
    if any(r.ok for r in results):
        line("median", (seconds(r.median_s) for r in results))
        line("min – max", (f"{seconds(r.min_s)} – {seconds(r.max_s)}" for r in results))
        line("cpu time", (seconds(r.cpu_median_s) for r in results))
        if any(r.instructions is not None for r in results):
            line("instructions", (number(r.instructions) for r in results))
            scopes = sorted({r.instructions_counted for r in results if r.instructions_counted})
            table.caption = "\n".join(
                [str(table.caption or ""), *(f"instructions: {s}" for s in scopes)]
            ).strip()
        if any(r.memory_peak_bytes is not None for r in results):
            line("python peak", (byte_size(r.memory_peak_bytes) for r in results))
            line("rss peak", (byte_size(r.rss_peak_bytes) for r in results))
        line("values", (f"{len(r.times_s)} (+{r.warmup} warm-up)" for r in results))
        line("rows affected", (number(r.rows_affected) for r in results))
        line("rows/s", (number(r.rows_per_s) for r in results))
        line("queries", (number(r.queries) for r in results))
        line("queries/row", (number(r.queries_per_row, 2) for r in results))
        for kind in KINDS:
            if any(r.queries_by_kind.get(kind) for r in results):
                line(f"  {kind}", (number(r.queries_by_kind.get(kind)) for r in results))
    return table


def ratio_text(row: ComparisonRow, option: int) -> str:
    """``2.53 (0.98–2.72) ~``: the ratio and its 95% interval; ``~`` marks an unstable cell."""
    return ratio_cell(row.ratios.get(option), row.ratio_ci.get(option), option in row.unstable)


def ratio_cell(ratio: float | None, interval: Sequence[float] | None, unstable: bool) -> str:
    """The ratio with its interval itself, not ± half its width: a ratio's interval is
    asymmetric (2.53 in 0.98–2.72 printed as "2.53 ±0.87" read as 1.66–3.40, and seemed to
    contradict a tie)."""
    if ratio is None:
        return "—"
    text = f"{ratio:.2f}"
    if interval is not None and ratio != 1.0:
        text += " " + interval_text(interval)
    return text + (" ~" if unstable else "")


def ratio_lines(ratio: float | None, interval: Sequence[float] | None, unstable: bool) -> list[str]:
    """A ratio's cell as lines: ``2.53 ~`` then ``(0.98–2.72)``, for a console column as
    narrow as the ratio's (the fastest's 1.00 has no interval)."""
    if ratio is None:
        return ["—"]
    lines = [f"{ratio:.2f}" + (" ~" if unstable else "")]
    if interval is not None and ratio != 1.0:
        lines.append(interval_text(interval))
    return lines


def interval_text(interval: Sequence[float]) -> str:
    return f"({interval[0]:.2f}–{interval[1]:.2f})"


def seconds_within(median: float, interval: Sequence[float] | None) -> str:
    """``12.3 ±0.4 ms``: a median time and half its interval's width, in the median's unit."""
    if interval is None:
        return seconds(median)
    half = (interval[1] - interval[0]) / 2
    for scale, unit, digits in ((1, "s", 2), (1e3, "ms", 1), (1e6, "µs", 0)):
        if median * scale >= 1 or unit == "µs":
            return f"{median * scale:.{digits}f} ±{half * scale:.{digits}f} {unit}"
    raise AssertionError("unreachable")


def verdict_text(
    winner: int | None, tied: list[int], names: Mapping[int, str] | None = None
) -> str:
    """A row's (or the table's) verdict: the winner, or which options are tied; a design
    that is not roadbench's own by its name (``names``, see ``design_names``)."""
    named = names or {}
    if winner is not None:
        return named.get(winner, str(winner))
    shown = [named.get(n, str(n)) for n in tied]
    separator = "," if all(name.isdigit() for name in shown) else ", "
    return "tie " + separator.join(shown) if tied else ""


# Columns a comparison cell needs (``1.18 ~`` over ``(1.14–1.23)``), and the operation and
# winner columns.
# The widest a verdict column gets (a longer tie folds); what a column adds to its content:
# a space each side and a rule.
VERDICT_WIDTH = 12
COLUMN_FRAME = 3


def column_groups(widths: Sequence[int], room: int) -> list[list[int]]:
    """How a table too wide for the terminal is split into several that fit, each repeating
    its first column(s): the other columns' indices, in order, packed into groups whose widths
    add up to at most ``room`` (at least one column per group)."""
    groups: list[list[int]] = [[]]
    used = 0
    for index, column_width in enumerate(widths):
        if groups[-1] and used + column_width > room:
            groups.append([])
            used = 0
        groups[-1].append(index)
        used += column_width
    return groups if groups[0] else []


def fitted_tables(
    key: tuple[str, dict[str, Any]],
    columns: Sequence[tuple[str, dict[str, Any]]],
    rows: Sequence[Sequence[str | Text]],
    width: int | None = None,
) -> list[Table]:
    """One table, as several when it is wider than ``width`` (the console's): each repeats the
    ``key`` column and has as many of the others as fit, every row in each. A column is given
    as its header and ``add_column``'s options; it needs its header, and its widest line (its
    longest word if it wraps), so that nothing is cut."""
    if width is None:
        width = Console().width
    specs = [key, *columns]

    def least(index: int) -> int:
        header, options = specs[index]
        lines = [
            line
            for cell in (header, *(row[index] for row in rows))
            for line in str(cell).split("\n")
        ]
        pieces = lines if options.get("no_wrap") else [w for line in lines for w in line.split()]
        return max(options.get("min_width") or 0, *map(cell_len, pieces))

    widths = [least(index) + COLUMN_FRAME for index in range(1, len(specs))]
    tables = []
    for group in column_groups(widths, width - least(0) - COLUMN_FRAME - 1):
        table = Table()
        for index in (0, *(i + 1 for i in group)):
            header, options = specs[index]
            table.add_column(header, **options)
        for row in rows:
            table.add_row(row[0], *(row[i + 1] for i in group))
        tables.append(table)
    return tables


def matrix_tables(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> list[Table]:
    """matrix's cases side by side (``matrix.side_by_side``), in tables that fit ``width``: a
    version's figures whole; a case's name wraps at a space when the console is narrow (kept
    whole, "select · all_roads_detail" cut every version's column at 40 columns)."""
    versions = [(name, {"justify": "right", "no_wrap": True}) for name in header[1:]]
    return fitted_tables((header[0], {}), versions, rows, width)


def comparison_tables(report: ComparisonReport, width: int | None = None) -> Group:
    """The comparison, split into tables of as many options as fit the console's width."""
    if width is None:
        width = Console().width
    # Each table as wide as its cells make it (a method's name, "(0.98–2.72)", the fastest
    # column), measured: a fixed width per option cut the last columns off at 140-220 columns.
    parts: list[list[int]] = []
    for n in report.table.options:
        if parts and _table_width(comparison_table(report, [*parts[-1], n])) <= width:
            parts[-1].append(n)
        else:
            parts.append([n])
    if len(parts) == 1:
        return Group(comparison_table(report, parts[0]))
    # Split: the environment and the legend once, after the tables at the console's width
    # (repeated as each table's caption, they were squeezed into a narrow table's width).
    return Group(
        *(comparison_table(report, part, legend=False) for part in parts),
        Text(comparison_legend(report), style="dim"),
    )


def _table_width(table: Table) -> int:
    """The width a table takes when nothing limits it: its no-wrap cells whole."""
    from rich.measure import Measurement

    console = Console(width=10_000, markup=False)  # measured as printed: no markup
    return Measurement.get(console, console.options, table).maximum


def comparison_legend(report: ComparisonReport) -> str:
    """The environment, then how to read the comparison's cells."""
    env = report.environment
    rounds = sorted({len(r.times_s) for r in report.results if r.ok})
    values = f"{rounds[0]}–{rounds[-1]} rounds" if len(rounds) > 1 else f"{report.repeat} round(s)"
    if report.warmup:
        values += f" after {report.warmup} warm-up"
    if len(report.table.options) == 1:
        return (
            f"{environment_line(env)}{pragma_text(env)}\n{values} per row, one design "
            "measured (no ratios: nothing to compare it with); cpu = CPU time / wall time; "
            "q = queries (exact count); ∝n = one or more per row, ∝n/b = per batch"
        )
    return (
        f"{environment_line(env)}{pragma_text(env)}\n{values} per row, options "
        f"interleaved; ratio to the row's fastest = median of per-round ratios with its 95% "
        f"interval (low–high); ~ = less precise than ±{report.precision:.0%}; a row is a tie "
        f"unless the others are slower beyond the interval and by {report.min_effect:.0%}; "
        "cpu = CPU time / wall time; q = queries (exact count); ∝n = one or more per row, "
        "∝n/b = per batch (counted again at a tenth of the rows)"
    )


def comparison_table(
    report: ComparisonReport, options: list[int] | None = None, legend: bool = True
) -> Table:
    table: ComparisonTable = report.table
    shown = options or table.options
    grid = Table(
        title=(
            f"roadbench compare · {report.scale} scale · {report.rows:,} "
            f"{entity_plural(report.results)} per option"
        ),
        caption=comparison_legend(report) if legend else None,
    )
    grid.add_column("operation", no_wrap=True, min_width=18)
    headings = design_headings(report.results)
    names = design_names(report.results)
    for n in shown:
        grid.add_column(headings.get(n, f"option {n}"), justify="right", no_wrap=True)
    # One design measured alone (compare --model X) is no contest: no ratios, no "fastest".
    contest = len(table.options) > 1
    # A long tie ("tie 1,2,3,4,5,6,7,8,9") wraps rather than widening a split table.
    if contest:
        grid.add_column("fastest", justify="center", min_width=9, max_width=12, overflow="fold")
    suffix = f" ({report.scale})"
    found = {(r.option, r.op, r.method): r for r in report.results if r.ok}
    for row in table.rows:
        cells = []
        for n in shown:
            median = row.medians.get(n)
            if n not in row.methods:
                cells.append(Text(""))  # a context row that only some options have
                continue
            if median is None:
                cells.append(Text(f"unsupported\n{row.methods[n]}", style="yellow"))
                continue
            ratio = row.ratios.get(n), row.ratio_ci.get(n), n in row.unstable
            lines = ratio_lines(*ratio) if row.role in RANKED and contest else []
            marker = GROWTH_MARKS.get(row.growth.get(n) or "", "")
            lines += [seconds(median)]
            share = row.cpu_share.get(n)
            if share is not None:
                lines.append(f"cpu {share:.0%}")
            if (result := found.get((n, row.op, row.methods[n]))) and result.memory_peak_bytes:
                lines.append(f"py {byte_size(result.memory_peak_bytes)}")
            lines += [f"{number(row.queries.get(n))} q{marker}", row.methods[n]]
            counted = row.instructions.get(n)
            if counted is not None:
                lines.append(f"{counted / 1e6:,.1f} M instr")
            multiple = row.raw_multiples.get(n)
            if multiple is not None:
                lines.append(f"{multiple:.1f}× raw")
            best = contest and row.role in RANKED and (n == row.winner or n in row.tied)
            cells.append(Text("\n".join(lines), style="bold green" if best else ""))
        name = row.label.removesuffix(suffix)
        label = name if row.role in RANKED else Text(name, style="dim")
        verdict = verdict_text(row.winner, row.tied, names) if row.role in RANKED else ""
        grid.add_row(label, *cells, *([verdict] if contest else []), end_section=True)
    grid.add_section()
    if not contest:
        return grid
    grid.add_row(
        "total (lower wins)",
        *[_total(table.totals.get(n), n == table.winner or n in table.tied_overall) for n in shown],
        verdict_text(table.winner, table.tied_overall, names),
    )
    if report.scale == "many":
        grid.add_row(
            "total w/o create",
            *[
                _total(
                    table.totals_without_bulk_create.get(n), n == table.winner_without_bulk_create
                )
                for n in shown
            ],
            verdict_text(table.winner_without_bulk_create, [], names),
        )
    grid.add_row("rows won", *[str(table.wins.get(n, 0)) for n in shown], "")
    grid.add_row("rows tied", *["" for _ in shown], str(table.ties))
    grid.add_row("weakest", *[table.weaknesses.get(n, "—") for n in shown], "")
    return grid


def pragma_text(env: Environment) -> str:
    """SQLite's journal mode and synchronous setting: they decide what a commit waits for."""
    if env.sqlite_journal_mode is None:
        return ""
    return f" · journal_mode={env.sqlite_journal_mode}, synchronous={env.sqlite_synchronous}"


# Marks for cells whose query count grows with the rows (from a second, smaller count).
GROWTH_MARKS = {"per-row": " ∝n", "per-batch": " ∝n/b"}


def _total(value: float | None, best: bool) -> Text:
    return Text("—" if value is None else f"{value:.2f}", style="bold green" if best else "")


def comparison_notes(report: ComparisonReport) -> list[str]:
    return sorted(set(report.table.notes))


def options_table(options: Iterable[Any]) -> Table:
    """One row per design: its number and key (what --option takes), then its name, what it is
    and its tables in one column, so the prose gets the width left over (as its own columns
    they were squeezed to a dozen characters at 80 and cut: 'OneToOneFiel…')."""
    table = Table(title="modelling options (designs): --option takes the number or the key")
    table.add_column("option", justify="right", no_wrap=True)
    table.add_column("key", no_wrap=True)
    table.add_column("design", overflow="fold")  # a word longer than the column folds, whole
    for option in options:
        description = option.description
        if option.origin != "roadbench":
            description += f" [from {option.origin}]"
        if option.unavailable:
            description += f" (unavailable: {option.unavailable})"
        tables = ", ".join(t.removeprefix("roadbench_") for t in option.tables)
        cell = Text(option.name, style="bold")
        cell.append(f"\n{description}")
        if tables:
            cell.append(f"\ntables: {tables}", style="dim")
        table.add_row(str(option.number), option.key, cell, end_section=True)
    return table


def ops_table(ops: Iterable[Any]) -> Table:
    """One row per method; its kind below its name, so what it does gets the width left over
    (with a kind column it was cut at 80 columns: 'QuerySet.bulk_create(batch_size=1…')."""
    table = Table(title="operations and their methods")
    table.add_column("op", no_wrap=True)
    table.add_column("method", no_wrap=True)
    table.add_column("what it does", overflow="fold")  # a word longer than the column folds
    for op in ops:
        for i, method in enumerate(op.methods.values()):
            name = f"{method.name} (default)" if method.name == op.default_method else method.name
            table.add_row(
                op.name if i == 0 else "",
                Text.assemble(name, "\n", (f"kind: {method.technique}", "dim")),
                method.description,
                end_section=i == len(op.methods) - 1,
            )
    return table


def doctor_table(info: dict[str, Any]) -> Table:
    table = Table(title="roadbench doctor", show_header=False)
    table.add_column("what", no_wrap=True)
    # A URL or path longer than the column folds onto the next line rather than being cut.
    table.add_column("value", overflow="fold")
    for key, value in info.items():
        if key == "leftovers":
            value = "\n".join(f"{i['kind']} {i['name']}" for i in value) or "none"
        table.add_row(key, str(value))
    return table


def cleanup_table(report: Any) -> Group:
    """What ``roadbench cleanup`` found and did (``cleanup.CleanupReport``): the title above the
    table, at the console's width (in it, the database's URL wrapped at the table's width), and
    each leftover's whole name, what it holds and its status; a name folds only if it is wider
    than the console leaves it, what it holds and the status wrap first."""
    title = Text(
        f"roadbench cleanup{' --dry-run' if report.dry_run else ''} · {report.database} · "
        f"temporary files in {report.temporary}",
        style="bold",
    )
    if not report.leftovers:
        return Group(title, Text("nothing left behind"))
    return Group(title, _CleanupRows(report.leftovers))


class _CleanupRows:
    """The leftovers' table, laid out for the width it is given, each name whole on one line
    wherever the console is wider than it (Rich, left to itself, squeezed the name column out
    of the way of a long status at 100 columns). Where kind, name, holds and status do not fit
    side by side, two columns: the kind above the name, what it holds above the status."""

    MIN_HOLDS, MIN_STATUS = 10, 14

    def __init__(self, leftovers: list[Any]) -> None:
        self.leftovers = leftovers

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        items = self.leftovers
        kind_w = max(len("kind"), *(len(i.kind) for i in items))
        name_w = max(len("name"), *(len(i.name) for i in items))
        holds_w = max(len("holds"), *(len(i.holds or "—") for i in items))
        status_w = max(len("status"), *(len(i.status) for i in items))
        free = width - (4 * 3 + 1) - kind_w - name_w  # 4 columns: 5 borders, 8 padding
        if free >= self.MIN_HOLDS + self.MIN_STATUS:
            if holds_w + status_w > free:
                holds_w = min(holds_w, max(self.MIN_HOLDS, free // 3))
                status_w = free - holds_w
            table = Table()
            table.add_column("kind", no_wrap=True, width=kind_w)
            table.add_column("name", no_wrap=True, width=name_w)
            table.add_column("holds", overflow="fold", width=holds_w)
            table.add_column("status", overflow="fold", width=status_w)
            for item in items:
                table.add_row(item.kind, item.name, item.holds or "—", self._status(item))
            yield table
            return
        # 2 columns: 3 borders, 4 padding. The name folds only where nothing else would do.
        left_w = max(10, min(max(kind_w, name_w), width - 7 - self.MIN_STATUS))
        right_w = max(1, min(max(holds_w, status_w), width - 7 - left_w))
        table = Table()
        table.add_column("leftover", overflow="fold", width=left_w)
        table.add_column("holds, status", overflow="fold", width=right_w)
        for item in items:
            table.add_row(
                Text(f"{item.kind}\n{item.name}"),
                Text(f"{item.holds or '—'}\n").append(self._status(item)),
            )
        yield table

    @staticmethod
    def _status(item: Any) -> Text:
        style = "red" if item.failed else "green" if item.status == "removed" else "yellow"
        return Text(item.status, style=style)


def scaling_legend(report: Any) -> str:
    """What a scaling table's figures are: its caption's second line, and markdown's note.

    A file saved before the intervals existed has medians alone, and no ratios or ranks: its
    legend claims none of them."""
    if not scaling_judged(report):
        legend = "time = median (saved without its interval)"
    elif len(report.series) > 1:
        # Where an option is alone at a size (the others unsupported), its time has the mark.
        legend = (
            "time = median ± half its 95% interval; options interleaved: ratio to the size's "
            "fastest = median of per-round ratios with its 95% interval (low–high); a size "
            "is a tie unless the others are slower beyond the interval and by "
            f"{report.min_effect:.0%}; ~ = the ratio (alone at a size: the time) is less "
            f"precise than ±{report.precision:.0%}"
        )
    else:
        legend = (
            "time = median ± half its 95% interval; ~ = the time is less precise than "
            f"±{report.precision:.0%}"
        )
    return (
        f"{legend}; q = queries (exact count); time ∝ rows^k: k = 1 grows linearly, k > 1 "
        "faster than the rows"
    )


def scaling_judged(report: Any) -> bool:
    """Whether the report's points carry intervals (and, with several options, ratios and
    ranks): every measured point does, except in files saved before they existed."""
    measured = [p for series in report.series for p in series.points if p.median_s is not None]
    # Nothing measured (every point unsupported): nothing was saved without its interval.
    return not measured or any(point.interval_s for point in measured)


def scaling_cell(point: Any, narrow: bool = True) -> list[str]:
    """The lines of a measured point (one option at one size): its ratio (with several
    options), its time and its queries."""
    time = seconds_within(point.median_s, point.interval_s)
    lines = [time + (" ~" if point.unstable and point.ratio is None else "")]
    if point.ratio is not None:
        ratio = point.ratio, point.ratio_ci, point.unstable
        # In a console's column the interval goes under the ratio; on one line elsewhere.
        lines[:0] = ratio_lines(*ratio) if narrow else [ratio_cell(*ratio)]
    lines.append(f"{number(point.queries)} q")
    return lines


def scaling_table(report: Any, width: int | None = None) -> Group:
    """Per size and option: the median time ± half its 95% interval and the queries; with
    several options also the ratio to the size's fastest, as compare shows it, and who is
    fastest (or tied) at each size. Split, as compare is, into tables of as many options as
    fit ``width`` (the console's), each with the sizes and the verdict: no figure is cut or
    wrapped. The legend follows the tables at the console's width (as a caption it would be
    squeezed into a narrow table's)."""
    from roadbench.reports.scaling import FASTEST, TIED

    if width is None:
        width = Console().width
    # A file saved before ranks existed has no verdicts: no "fastest" column of blanks.
    several = len(report.series) > 1 and scaling_judged(report)
    caption = (
        f"{environment_line(report.environment)}{pragma_text(report.environment)}\n"
        f"{scaling_legend(report)}"
    )
    # Every cell first, one column per option (its sizes, then its k and query growth).
    columns: list[list[str | Text]] = [[] for _ in report.series]
    names = {series.option: series.short_name for series in report.series}
    verdicts: list[str] = []
    for i in range(len(report.sizes)):
        fastest, tied = None, []
        for column, series in zip(columns, report.series, strict=True):
            point = series.points[i]
            if point.median_s is None:
                column.append(Text(point.status, style="yellow"))
                continue
            lines = scaling_cell(point)
            best = point.rank in (FASTEST, TIED)
            column.append(Text("\n".join(lines), style="bold green" if best else ""))
            if point.rank == FASTEST:
                fastest = series.option
            elif point.rank == TIED:
                tied.append(series.option)
        verdicts.append(verdict_text(fastest, tied, names))
    for column, series in zip(columns, report.series, strict=True):
        column.append("—" if series.exponent is None else f"{series.exponent:.2f}")
        column.append(series.query_growth or "—")
    headers = [series.heading for series in report.series]
    labels = [f"{rows:,}" for rows in report.sizes] + ["k (fit)", "queries"]
    frame = max(map(cell_len, labels)) + COLUMN_FRAME + 1
    if several:
        frame += min(VERDICT_WIDTH, max(9, *map(cell_len, verdicts))) + COLUMN_FRAME
    widths = [
        max(cell_len(header), *(_widest_line(cell) for cell in column)) + COLUMN_FRAME
        for header, column in zip(headers, columns, strict=True)
    ]
    title = f"roadbench scaling · {report.op} · {report.method}"
    groups = column_groups(widths, width - frame)
    # A title wider than a table would wrap at the table's width ('roadbench scaling ·' above
    # 'delete ·'): then it stands once above the tables, whole.
    inside = all(cell_len(title) <= frame + sum(widths[i] for i in group) for group in groups)
    tables: list[RenderableType] = [] if inside else [Text(title, style="bold")]
    for group in groups:
        table = Table(title=title if inside else None)
        table.add_column("rows", justify="right", no_wrap=True)
        for index in group:
            table.add_column(headers[index], justify="right", no_wrap=True)
        if several:
            table.add_column(
                "fastest",
                justify="center",
                min_width=9,
                max_width=VERDICT_WIDTH,
                overflow="fold",
            )
        verdict: list[list[str]] = [[v] if several else [] for v in verdicts]
        for i, label in enumerate(labels[: len(report.sizes)]):
            cells = [columns[index][i] for index in group]
            table.add_row(label, *cells, *verdict[i], end_section=True)
        empty = [""] if several else []
        for i, label in enumerate(labels[len(report.sizes) :], len(report.sizes)):
            table.add_row(label, *(columns[index][i] for index in group), *empty)
        tables.append(table)
    return Group(*tables, Text(caption, style="dim"))


def _widest_line(cell: str | Text) -> int:
    return max(map(cell_len, str(cell).split("\n")))
