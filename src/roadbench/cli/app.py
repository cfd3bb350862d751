"""The ``roadbench`` command: parses, calls the library, renders. Nothing else.

Data goes to stdout (a Rich table, or JSON with ``--json``); progress, notices and errors go
to stderr. Exit codes: 0 ok, 1 error, 2 bad input, 3 database unavailable, 4 unsupported
case, 5 verification failed, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from roadbench import __version__
from roadbench.cli.values import finite, not_empty, output_format
from roadbench.cli.values import sizes as parse_sizes
from roadbench.errors import BadInput, RegressionFound, RoadbenchError, Unsupported
from roadbench.reports.results import dump_json

app = typer.Typer(
    name="roadbench",
    help="Profile the Django ORM on the ways to model road sub-classes: "
    "1 single table, 2 table per type, 3 multi-table inheritance, "
    "and seven more (roadbench options).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

INTERRUPTED = 130

# No markup: every string printed is text as it is (a saved file's method "[/bold]x" raised
# Rich's MarkupError); styles come from Text and table styles.
stdout = Console(soft_wrap=False, markup=False)
stderr = Console(stderr=True, markup=False)

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="Database URL: sqlite:///path or postgres://user:pass@host:port/name. "
        "Default: $ROADBENCH_DATABASE_URL, else an embedded SQLite file in a temporary directory.",
        show_default=False,
        callback=not_empty("--database"),
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")]
SaveOpt = Annotated[
    Path | None, typer.Option("--save", help="Also save the result as JSON to this file.")
]
KeepOpt = Annotated[
    bool,
    typer.Option("--keep", help="Keep the throwaway database (or file) and print where it is."),
]
RepeatOpt = Annotated[
    int | None,
    typer.Option(
        "--repeat",
        help="Rounds (timed values per case): exactly this many, or at least this many with "
        "--precision. Default: at least 6, more until --precision is met.",
        show_default=False,
    ),
]
OneOrAllOpt = Annotated[
    str | None,
    typer.Option(
        "--option",
        "-o",
        help="Designs by number or name, comma-separated, or all (see `roadbench options`); "
        "default: 1, 2 and 3.",
        show_default=False,
    ),
]
MethodOpt = Annotated[
    str | None,
    typer.Option(
        "--method",
        "-m",
        help="How the op is done (see `roadbench ops`).",
        show_default=False,
        callback=not_empty("--method"),
    ),
]
RowsOpt = Annotated[int, typer.Option("--rows", "-n", help="Roads, split evenly by type.")]
OpArg = Annotated[str, typer.Argument(help="Operation: create, select, modify, delete.")]
FastOpt = Annotated[
    bool, typer.Option("--fast", help="Preset: 3 values, no warm-up (a quick look).")
]
RigorousOpt = Annotated[
    bool, typer.Option("--rigorous", help="Preset: 15 values after 2 warm-ups (for decisions).")
]
FORMATS_HELP = (
    "table, json, markdown, csv, github-benchmark (seconds and queries, customSmallerIsBetter) "
    "or github-benchmark-rows (rows/s, customBiggerIsBetter)"
)
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help=f"{FORMATS_HELP}; default: table.",
        # None, not "table": so that `--json -f table` is seen as the contradiction it is.
        show_default=False,
    ),
]
PrecisionOpt = Annotated[
    float | None,
    typer.Option(
        "--precision",
        help="Add rounds until every interval is narrower than ± this % "
        "(default 5; 2 with --rigorous), or the budget is spent.",
        show_default=False,
    ),
]
BudgetOpt = Annotated[
    float | None,
    typer.Option(
        "--budget",
        help="Seconds at most for the rounds of one row (the options measured together): no "
        "round starts once they are spent, even short of --repeat. Default 6, 60 with "
        "--rigorous, which only end the rounds added for --precision.",
        show_default=False,
    ),
]
SqliteOpt = Annotated[
    str | None,
    typer.Option(
        "--sqlite",
        help="SQLite settings instead of Django's default (SQLite's own: journal_mode=DELETE, "
        "synchronous=FULL, a disk fsync per commit), e.g. journal_mode=WAL,synchronous=NORMAL.",
        show_default=False,
        callback=not_empty("--sqlite"),
    ),
]
InstructionsOpt = Annotated[
    bool,
    typer.Option(
        "--instructions",
        help="Also count the CPU instructions of one run of the op alone, under valgrind "
        "(slow; deterministic, for gates: diff --fail-on instructions:2%). On SQLite they "
        "include SQLite's own work; on PostgreSQL only the client's (Django, the driver).",
    ),
]
MemoryOpt = Annotated[
    bool,
    typer.Option(
        "--memory",
        help="Also measure each case's peak memory, in a pass of its own (never timed): "
        "Python's allocations (tracemalloc) and the process's resident high-water mark.",
    ),
]
MinEffectOpt = Annotated[
    float,
    typer.Option(
        "--min-effect",
        help="A row's fastest option wins only when every other is slower by more than this % "
        "(and beyond its interval); otherwise they are tied.",
    ),
]
WarmupOpt = Annotated[
    int | None,
    typer.Option("--warmup", help="Untimed warm-up values before them.", show_default=False),
]


def _version(value: bool) -> None:
    if value:
        stdout.print(f"roadbench {__version__}")
        raise typer.Exit()


def _cache_url(url: str | None) -> str | None:
    """--cache is checked as it is read: a URL roadbench would misread is refused at once."""
    from roadbench.database.cache import check_cache_url

    return None if url is None else check_cache_url(url)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    plugin: Annotated[
        list[str] | None,
        typer.Option(
            "--plugin",
            metavar="MODULE",
            help="Import a module, or a package and its submodules, that defines designs "
            "(OPTION, OPTIONS) or ops (OPERATION, OPERATIONS); found from the current directory "
            "first, as python -m does; comma-separated or repeated. Installed plugins load by "
            "themselves.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """roadbench: what will the Django ORM cost me, and how should I model this?"""
    if plugin:
        from roadbench.plugins import load_plugins

        load_plugins(plugin)


def _notify(message: str) -> None:
    # soft_wrap: one notice is one line, also when it is longer than the terminal is wide.
    stderr.print(f"roadbench: {message}", highlight=False, markup=False, soft_wrap=True)


def _emit(data: dict[str, Any], as_json: bool, save: Path | None, table: Any) -> None:
    from roadbench.reports.results import dump_json, save_json

    if save is not None:
        save_json(data, save)
        _notify(f"saved to {save}")
    if as_json:
        sys.stdout.write(dump_json(data) + "\n")
    else:
        stdout.print(table)


def _check_outputs(*outputs: tuple[str, Path | None], suffixes: tuple[str, ...] = ()) -> None:
    """Every output path, checked before any work: (the flag as typed, the path or None)."""
    from roadbench.reports.output import check_distinct, check_output

    check_distinct(outputs)
    for flag, path in outputs:
        if path is not None:
            check_output(path, flag, suffixes)


def _show(output: Any) -> None:
    """A string goes to stdout as it is; a Rich renderable is printed."""
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        stdout.print(output)


def _report_out(kind: str, report: Any, fmt: str, as_json: bool, save: Path | None) -> str:
    """Save (always JSON) and print a run or comparison in the chosen format."""
    from roadbench.render.formats import render
    from roadbench.reports.results import save_json

    fmt = "json" if as_json else fmt
    output = render(kind, report, fmt)  # an unknown format fails before anything is written
    if save is not None:
        save_json(report.to_dict(), save)
        _notify(f"saved to {save}")
    _show(output)
    return fmt


def _timing(
    repeat: int | None,
    warmup: int | None,
    default: Any,
    fast: bool = False,
    rigorous: bool = False,
    precision: float | None = None,
    budget: float | None = None,
) -> Any:
    from dataclasses import replace

    from roadbench.measuring.measure import PRESETS

    if fast and rigorous:
        raise BadInput("--fast and --rigorous contradict each other; choose one")
    base = PRESETS["fast"] if fast else PRESETS["rigorous"] if rigorous else default
    return replace(
        base,
        warmup=base.warmup if warmup is None else warmup,
        repeat=base.repeat if repeat is None else repeat,
        precision=base.precision if precision is None else precision / 100,
        budget_s=base.budget_s if budget is None else budget,
        budget_caps_all=budget is not None,
        max_repeat=_most_rounds(base, repeat, precision, PRESETS["default"]),
    )


def _most_rounds(base: Any, repeat: int | None, precision: float | None, adaptive: Any) -> Any:
    """--repeat alone asks for that many rounds exactly; --precision asks for more rounds
    until it is met (even with a preset that has none, such as --fast)."""
    if precision is not None:
        return base.max_repeat or adaptive.max_repeat
    return None if repeat is not None else base.max_repeat


@app.command()
def run(
    option: Annotated[
        str,
        typer.Option("--option", "-o", help="Design, by number or name (see `roadbench options`)."),
    ],
    op: Annotated[str, typer.Option("--op", help="Operation: create, select, modify, delete.")],
    method: MethodOpt = None,
    rows: RowsOpt = 200,
    repeat: RepeatOpt = None,
    warmup: WarmupOpt = None,
    fast: FastOpt = False,
    rigorous: RigorousOpt = False,
    precision: PrecisionOpt = None,
    budget: BudgetOpt = None,
    database: DatabaseOpt = None,
    sqlite: SqliteOpt = None,
    instructions: InstructionsOpt = False,
    cache: Annotated[
        str | None,
        typer.Option(
            "--cache",
            help="redis://host:port/db: Django's RedisCache for the cached method instead of "
            "its in-process LocMemCache (keys under a unique prefix, removed at the end).",
            show_default=False,
            callback=_cache_url,
        ),
    ] = None,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    save: SaveOpt = None,
    keep: KeepOpt = False,
    memory: MemoryOpt = False,
) -> None:
    """Measure one case: an op done one way on one option."""
    from roadbench import api
    from roadbench.render.formats import FORMATS

    fmt = output_format(fmt, as_json, FORMATS)
    _check_outputs(("--save", save))
    report = api.run(
        option=option,
        op=op,
        method=method,
        rows=rows,
        timing=_timing(repeat, warmup, api.FEW_TIMING, fast, rigorous, precision, budget),
        database=database,
        keep=keep,
        notify=_notify,
        sqlite=sqlite,
        instructions=instructions,
        cache=cache,
        memory=memory,
    )
    _report_out("run", report, fmt, as_json, save)
    _warn(report.results)
    for result in report.results:
        if not result.ok:
            raise Unsupported(
                f"option {result.option} cannot {result.op} with {result.method}: {result.reason}"
            )


@app.command()
def compare(
    scale: Annotated[
        str, typer.Option("--scale", "-s", help="few (200 roads) or many (500,000 roads).")
    ] = "few",
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            "-n",
            help="Roads per option, overriding the scale's count.",
            show_default=False,
        ),
    ] = None,
    options: Annotated[
        str | None,
        typer.Option(
            "--options",
            help="Designs to compare: numbers or names, comma-separated (1,2,3 = the seed "
            "study, the default), or all.",
            show_default=False,
            callback=not_empty("--options"),
        ),
    ] = None,
    repeat: RepeatOpt = None,
    warmup: WarmupOpt = None,
    fast: FastOpt = False,
    rigorous: RigorousOpt = False,
    precision: PrecisionOpt = None,
    budget: BudgetOpt = None,
    min_effect: MinEffectOpt = 3.0,
    database: DatabaseOpt = None,
    sqlite: SqliteOpt = None,
    instructions: InstructionsOpt = False,
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    save: SaveOpt = None,
    keep: KeepOpt = False,
    memory: MemoryOpt = False,
) -> None:
    """Run every op on every option and print the seed study's table (fastest = 1)."""
    from roadbench import api
    from roadbench.render.formats import FORMATS

    fmt = output_format(fmt, as_json, FORMATS)
    _check_outputs(("--save", save))
    default = api.MANY_TIMING if scale == "many" else api.FEW_TIMING
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,  # a log gets no bar, and no blank line before an error
    ) as bar:
        task = bar.add_task("preparing", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        report = api.compare(
            scale=scale,
            rows=rows,
            timing=_timing(repeat, warmup, default, fast, rigorous, precision, budget),
            database=database,
            options=options,
            keep=keep,
            notify=_notify,
            progress=progress,
            min_effect=min_effect / 100,
            sqlite=sqlite,
            instructions=instructions,
            memory=memory,
        )
    if _report_out("compare", report, fmt, as_json, save) == "table":
        _comparison_footer(report)
    _warn(report.results)


def _warn(results: Any) -> None:
    """Each case's instability warnings, on stderr."""
    for result in results:
        for warning in result.warnings:
            _notify(f"warning: option {result.option} {result.op} {result.method}: {warning}")


def _comparison_footer(report: Any) -> None:
    """Below a comparison table: why a cell used another method, and how long it all took."""
    from roadbench.render.console import comparison_notes

    for note in comparison_notes(report):
        stdout.print(f"note: {note}", highlight=False)
    stdout.print(f"took {report.elapsed_s:.1f} s", highlight=False)


@app.command()
def queries(
    op: OpArg,
    option: OneOrAllOpt = None,
    method: MethodOpt = None,
    rows: RowsOpt = 200,
    sql: Annotated[
        bool, typer.Option("--sql", help="Show a full example of each statement.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add the plan of each distinct SELECT.")
    ] = False,
    analyze: Annotated[
        bool,
        typer.Option(
            "--analyze",
            help="With --explain on PostgreSQL, MySQL or MariaDB: EXPLAIN ANALYZE (MariaDB: "
            "ANALYZE FORMAT=JSON); runs the SELECTs.",
        ),
    ] = False,
    scaling: Annotated[
        bool,
        typer.Option("--scaling", help="Also run at --sizes and classify each statement's growth."),
    ] = False,
    sizes: Annotated[
        str, typer.Option("--sizes", help="Row counts for --scaling, comma-separated.")
    ] = "10,100,1000",
    fetch_raise: Annotated[
        bool,
        typer.Option(
            "--fetch-raise",
            help="Run under Django 6.1's FETCH_RAISE: fail (exit 5) if the method loads lazily.",
        ),
    ] = False,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The SQL one case sends, grouped by fingerprint, with N+1 and duplicate flags."""
    from roadbench import api
    from roadbench.render.queries import queries_renderables

    if analyze and not explain:
        raise BadInput("--analyze goes with --explain")
    report = api.queries(
        op,
        option=option,
        method=method,
        rows=rows,
        database=database,
        explain=explain,
        analyze=analyze,
        scaling=parse_sizes(sizes) if scaling else None,
        notify=_notify,
        fetch_raise=fetch_raise,
    )
    if as_json:
        sys.stdout.write(dump_json(report.to_dict()) + "\n")
    else:
        for renderable in queries_renderables(report, show_sql=sql):
            stdout.print(renderable)
    _none_supported([(c.option, c.op, c.method, c.status, c.reason) for c in report.cases])


def _none_supported(cases: list[tuple[Any, ...]]) -> None:
    """Exit 4, as ``run`` does, when no case asked for could run: (option, op, method, status,
    reason) each. Printed first, so the reasons are on stdout too."""
    if cases and all(status != "ok" for *_case, status, _reason in cases):
        option, op, method, _status, reason = cases[0]
        more = f" (and {len(cases) - 1} more options)" if len(cases) > 1 else ""
        raise Unsupported(f"option {option} cannot {op} with {method}: {reason}{more}")


@app.command()
def profile(
    op: OpArg,
    option: OneOrAllOpt = None,
    method: MethodOpt = None,
    rows: RowsOpt = 200,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write pyinstrument's HTML report.")
    ] = None,
    speedscope: Annotated[
        Path | None, typer.Option("--speedscope", help="Write a speedscope JSON profile.")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write pyinstrument's JSON session.")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """A pyinstrument profile of the op alone (not its setup or checks), as a call tree."""
    from roadbench import api
    from roadbench.measuring.profiling import path_for, render_console, write_profile

    outputs = {"html": html, "speedscope": speedscope, "json": json_file}
    # With several designs asked for, one file each (p-option2.html): those are the files
    # checked before any work, and so named even if one design turns out unsupported.
    numbers = api.designs(option)
    several = len(numbers) > 1
    _check_outputs(*((f"--{kind}", path) for kind, path in outputs.items()))
    _check_outputs(
        *(
            (f"--{kind}", path_for(path, number, several))
            for kind, path in outputs.items()
            if path is not None
            for number in numbers
        )
    )
    _environment, profiles = api.profile(
        op, option=option, method=method, rows=rows, database=database, notify=_notify
    )
    for case in profiles:
        stdout.print(case.header(), highlight=False)
        sys.stdout.write(render_console(case, color=stdout.is_terminal) + "\n")
        for kind, path in outputs.items():
            if path is not None:
                target = path_for(path, case.option, several)
                write_profile(case, kind, target)
                _notify(f"wrote {kind} profile of option {case.option} to {target}")


@app.command()
def chart(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Comparisons saved with `compare --save` (one panel each), or one file saved "
            "with `scaling --save`."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The PNG file to write.")],
) -> None:
    """Draw saved comparisons: bars per operation by option, fastest = 1; or a saved scaling:
    time against rows, log-log, as `scaling --chart` draws it (needs matplotlib)."""
    from roadbench.render.charts import CHART_SUFFIXES, _pyplot, comparison_chart, scaling_chart
    from roadbench.reports.saved import load_report

    _pyplot()  # a missing extra is the first thing to say
    _check_outputs(("-o/--output", output), suffixes=CHART_SUFFIXES)
    loaded = [load_report(file, ("compare", "scaling")) for file in files]
    scalings = [
        file for file, (kind, _report) in zip(files, loaded, strict=True) if kind == "scaling"
    ]
    if scalings and len(files) > 1:
        raise BadInput(
            f"chart draws one scaling file alone ({scalings[0]}), or comparisons side by side"
        )
    if scalings:
        _none_supported(_scaling_cases(loaded[0][1]))  # nothing to draw: no empty chart
        scaling_chart(loaded[0][1], output)
        _notify(f"wrote {output}")
        return
    panels = comparison_chart([report for _kind, report in loaded], output)
    _notify(f"wrote {output} ({panels} panel{'s' if panels != 1 else ''})")


@app.command()
def scaling(
    op: OpArg,
    sizes: Annotated[
        str, typer.Option("--sizes", help="Road counts, comma-separated.")
    ] = "100,1000,10000",
    option: OneOrAllOpt = None,
    method: MethodOpt = None,
    repeat: RepeatOpt = None,
    warmup: WarmupOpt = None,
    precision: PrecisionOpt = None,
    budget: BudgetOpt = None,
    min_effect: MinEffectOpt = 3.0,
    output: Annotated[
        Path | None,
        typer.Option("--chart", help="Also draw time against rows, log-log, to this PNG."),
    ] = None,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
    save: SaveOpt = None,
) -> None:
    """One op at growing sizes for each option: how fast does each one's cost grow?"""
    from roadbench import api
    from roadbench.render.console import scaling_table

    if output is not None:
        from roadbench.render.charts import CHART_SUFFIXES, _pyplot

        _pyplot()  # a missing extra fails before the benchmark, not after it
        _check_outputs(("--chart", output), suffixes=CHART_SUFFIXES)
    _check_outputs(("--save", save), ("--chart", output))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,  # a log gets no bar, and no blank line before an error
    ) as bar:
        task = bar.add_task("preparing", total=None)
        report = api.scaling(
            op,
            sizes=parse_sizes(sizes),
            option=option,
            method=method,
            timing=_timing(repeat, warmup, api.SCALING_TIMING, precision=precision, budget=budget),
            database=database,
            notify=_notify,
            progress=lambda label, done, total: bar.update(
                task, description=label, completed=done, total=total
            ),
            min_effect=min_effect / 100,
        )
    _emit(report.to_dict(), as_json, save, scaling_table(report))
    if output is not None and any(p.median_s for s in report.series for p in s.points):
        from roadbench.render.charts import scaling_chart

        scaling_chart(report, output)
        _notify(f"wrote {output}")
    # No point measured: no empty chart, exit 4 with the reason.
    _none_supported(_scaling_cases(report))


def _scaling_cases(report: Any) -> list[tuple[Any, ...]]:
    """A scaling's options as ``_none_supported`` takes them: ok if measured at some size."""
    return [
        (
            s.option,
            report.op,
            report.method,
            "ok" if any(p.status == "ok" for p in s.points) else "unsupported",
            "unsupported at every size",
        )
        for s in report.series
    ]


@app.command()
def load(
    option: OneOrAllOpt = None,
    users: Annotated[int, typer.Option("--users", "-u", help="Concurrent Locust users.")] = 10,
    spawn_rate: Annotated[
        float, typer.Option("--spawn-rate", "-r", help="Users started per second.")
    ] = 10.0,
    duration: Annotated[
        str, typer.Option("--duration", "-t", help="Per option: seconds (30) or 30s, 2m, 1h.")
    ] = "10s",
    mix: Annotated[
        str, typer.Option("--mix", help="Share of reads and writes, e.g. read=80,write=20.")
    ] = "read=80,write=20",
    rows: Annotated[int, typer.Option("--rows", "-n", help="Roads seeded per option.")] = 2000,
    server: Annotated[
        str, typer.Option("--server", help="WSGI server: waitress, or gunicorn (Unix).")
    ] = "waitress",
    threads: Annotated[int, typer.Option("--threads", help="Server threads.")] = 8,
    server_host: Annotated[
        str,
        typer.Option(
            "--server-host",
            help="Where the app listens; other than loopback only "
            "when you say so (workers on other machines need it).",
        ),
    ] = "127.0.0.1",
    server_port: Annotated[
        int, typer.Option("--server-port", help="The app's port; 0 = a free one.")
    ] = 0,
    master: Annotated[
        bool, typer.Option("--master", help="Run Locust as a master; workers generate the load.")
    ] = False,
    expect_workers: Annotated[
        int, typer.Option("--expect-workers", help="With --master: workers to wait for.")
    ] = 1,
    master_bind_host: Annotated[
        str, typer.Option("--master-bind-host", help="With --master: where workers connect.")
    ] = "127.0.0.1",
    master_port: Annotated[
        int, typer.Option("--master-port", help="With --master: the master's port.")
    ] = 5557,
    worker_wait: Annotated[
        int, typer.Option("--worker-wait", help="With --master: seconds to wait for workers.")
    ] = 60,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
    save: SaveOpt = None,
) -> None:
    """Load-test the options with Locust: the same concurrent load on each (roadbench[load])."""
    from roadbench import api
    from roadbench.designs import OPTIONS
    from roadbench.load.runner import LoadSettings, parse_duration, parse_mix, run_load
    from roadbench.render.load import load_table

    _check_outputs(("--save", save))
    reads, writes = parse_mix(mix)
    settings = LoadSettings(
        users=users,
        spawn_rate=spawn_rate,
        duration_s=parse_duration(duration),
        reads=reads,
        writes=writes,
        rows=rows,
        server=server,
        threads=threads,
        server_host=server_host,
        server_port=server_port,
        master=master,
        expect_workers=expect_workers if master else 0,
        master_bind_host=master_bind_host,
        master_port=master_port,
        worker_wait_s=worker_wait,
    )
    settings.check()
    numbers = api.designs(option)
    if option is not None and option.strip() == "all":
        # Every design that can run here; one named on its own that cannot is exit 4.
        for number in numbers:
            if OPTIONS[number].unavailable:
                _notify(f"option {number} is left out: {OPTIONS[number].unavailable}")
        numbers = [n for n in numbers if not OPTIONS[n].unavailable]
    report = run_load(numbers, settings, database=database, notify=_notify)
    _emit(report.to_dict(), as_json, save, load_table(report))
    for result in report.options:
        for warning in result.warnings:
            _notify(f"warning: option {result.option}: {warning}")


@app.command("load-worker")
def load_worker(
    master_host: Annotated[str, typer.Option("--master-host", help="The master's host.")],
    master_port: Annotated[int, typer.Option("--master-port", help="The master's port.")] = 5557,
    master_wait: Annotated[
        str,
        typer.Option(
            "--master-wait", help="Give up (exit 3) if no master listens within this (30s, 2m)."
        ),
    ] = "60s",
    max_time: Annotated[
        str,
        typer.Option("--max-time", help="Stop after this long at most (exit 0): 30s, 2m, 1h."),
    ] = "1h",
) -> None:
    """A Locust worker for `roadbench load --master` on another machine (roadbench[load])."""
    from roadbench.load.runner import parse_duration, run_worker

    run_worker(
        master_host,
        master_port,
        max_time_s=parse_duration(max_time, "--max-time"),
        master_wait_s=parse_duration(master_wait, "--master-wait"),
        notify=_notify,
    )


@app.command()
def report(
    file: Annotated[
        Path, typer.Argument(help="A JSON file saved by run, compare or scaling with --save.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=f"{FORMATS_HELP}; a scaling file: table, json, markdown or csv. Default: table.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render a saved run, comparison or scaling again, in any format, without re-running it."""
    from roadbench.render.formats import FORMATS
    from roadbench.reports.saved import load_report

    fmt = output_format(fmt, as_json, FORMATS)
    kind, saved = load_report(file, ("run", "compare", "scaling"))
    if _report_out(kind, saved, fmt, as_json, None) == "table" and kind == "compare":
        _comparison_footer(saved)


@app.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        "allow_interspersed_args": False,
    }
)
def matrix(
    ctx: typer.Context,
    django: Annotated[
        str,
        typer.Option(
            "--django",
            help="Django versions, comma-separated: series (5.2,6.1), exact versions, or "
            "paths to local Django checkouts.",
        ),
    ],
    save_dir: Annotated[
        Path, typer.Option("--save-dir", help="Where each version's JSON results go.")
    ] = Path("roadbench-matrix"),
) -> None:
    """The same run or compare under several Django versions, side by side.

    Example: roadbench matrix --django 5.2,6.1 run -o 3 --op select -m naive
    """
    from roadbench.measuring.matrix import run_matrix, side_by_side
    from roadbench.render.console import matrix_tables

    args = list(ctx.args)
    group = ctx.parent.command if ctx.parent else None
    child = group.get_command(ctx.parent, args[0]) if args and group else None  # type: ignore[attr-defined]
    if child is not None and args[0] in ("run", "compare"):
        # Its arguments parsed here first: a usage error (-o 2 -o 3, --rows x) costs a moment,
        # not a Django environment per version before the child says so.
        child.make_context(args[0], args[1:], parent=ctx)
    # roadbench --plugin MODULE matrix ...: each child loads the module too, or its design
    # or op is unknown there (after an environment per version was made).
    plugins = (ctx.parent.params.get("plugin") or []) if ctx.parent else []
    results = run_matrix(django, args, save_dir, notify=_notify, plugins=plugins)
    header, rows = side_by_side(results)
    for table in matrix_tables(header, rows):
        stdout.print(table)
    for result in results:
        _notify(f"Django {result.label} (Python at {result.python}): saved {result.saved}")
    if len(results) > 1:
        _notify(f"compare two: roadbench diff {results[0].saved} {results[-1].saved}")
    # As run exits 4 when its case cannot run: here when no case could under any version.
    cases = [case for r in results for case in r.report.get("results", [])]
    if cases and all(case.get("status", "ok") != "ok" for case in cases):
        first = cases[0]
        labels = " or ".join(f"Django {r.label}" for r in results)
        raise Unsupported(
            f"option {first['option']} cannot {first['op']} with {first['method']} under "
            f"{labels}: {first.get('reason') or first.get('status')}"
        )


@app.command()
def diff(
    base: Annotated[Path, typer.Argument(help="The baseline, saved with --save.")],
    new: Annotated[Path, typer.Argument(help="The new run, saved with --save.")],
    min_change: Annotated[
        float,
        typer.Option("--min-change", help="Smallest change in % that counts as significant."),
    ] = 5.0,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="Exit 6 on time:N% (a significant slowdown beyond N%) or queries:+N "
            "(more than N extra queries in a case). Repeatable.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, markdown or csv; default: table.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare two saved runs: per case the change in time, its significance, and queries."""
    from roadbench.render.diff import diff_csv, diff_markdown, diff_table
    from roadbench.reports.diff import COMPARED, check, parse_fail_on
    from roadbench.reports.diff import diff as diff_runs
    from roadbench.reports.saved import load_saved

    rules = [parse_fail_on(rule) for rule in fail_on or []]
    finite(min_change, "--min-change")
    fmt = output_format(fmt, as_json, ("table", "json", "markdown", "csv"))
    kinds = ("run", "compare")
    report = diff_runs(load_saved(base, kinds), load_saved(new, kinds), min_change / 100)
    if rules and not any(case.verdict in COMPARED for case in report.cases):
        raise BadInput(
            f"no case of {new} can be compared with one of {base} (same option, op, method and "
            "rows, measured in both): --fail-on has nothing to judge"
        )
    failures = check(report, rules)
    if fmt == "json":
        _show(dump_json(report.to_dict()) + "\n")
    elif fmt == "markdown":
        _show(diff_markdown(report))
    elif fmt == "csv":
        _show(diff_csv(report))
    else:
        _show(diff_table(report))
    if failures:
        raise RegressionFound(
            f"{len(failures)} regression{'s' if len(failures) != 1 else ''} "
            f"beyond --fail-on: {failures[0]}"
        )


@app.command()
def options(as_json: JsonOpt = False) -> None:
    """List the modelling options."""
    from roadbench.designs import OPTIONS
    from roadbench.plugins import load_registries

    load_registries()
    from roadbench.render.console import options_table

    data = {
        "options": [
            {
                "number": o.number,
                "key": o.key,
                "name": o.name,
                "description": o.description,
                "tables": list(o.tables),
                "origin": o.origin,
                "unavailable": o.unavailable,
            }
            for o in OPTIONS.values()
        ]
    }
    _emit(data, as_json, None, options_table(OPTIONS.values()))


@app.command()
def ops(as_json: JsonOpt = False) -> None:
    """List the operations and their methods."""
    from roadbench.ops import OPS
    from roadbench.plugins import load_registries

    load_registries()
    from roadbench.render.console import ops_table

    data = {
        "ops": [
            {
                "name": op.name,
                "description": op.description,
                "default_method": op.default_method,
                "methods": [
                    {"name": m.name, "description": m.description, "technique": m.technique}
                    for m in op.methods.values()
                ],
            }
            for op in OPS.values()
        ]
    }
    _emit(data, as_json, None, ops_table(OPS.values()))


@app.command()
def doctor(database: DatabaseOpt = None, as_json: JsonOpt = False) -> None:
    """Show which database, server version and driver a run would use, and try to connect."""
    import django

    from roadbench.database import inspect_database
    from roadbench.database.cleanup import find_leftovers
    from roadbench.render.console import doctor_table

    info = {"roadbench": __version__, "django": django.get_version(), **inspect_database(database)}
    info["leftovers"] = [
        {"kind": i.kind, "name": i.name, "holds": i.holds}
        for i in find_leftovers(database)
        if i.removable
    ]
    _emit(info, as_json, None, doctor_table(info))
    if info["leftovers"]:
        _notify(
            f"{len(info['leftovers'])} left behind by killed runs; "
            "`roadbench cleanup` with the same --database removes them"
        )


@app.command()
def cleanup(
    database: DatabaseOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be removed.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove what killed runs left: databases and schemas carrying roadbench's mark that no
    live run owns, and roadbench's marked temporary directories whose process is gone."""
    from roadbench.database.cleanup import cleanup as remove_leftovers
    from roadbench.errors import DatabaseUnavailable
    from roadbench.render.console import cleanup_table

    report = remove_leftovers(database, dry_run=dry_run)
    _emit(report.to_dict(), as_json, None, cleanup_table(report))
    if report.failures:
        first = report.failures[0]
        raise DatabaseUnavailable(
            f"{len(report.failures)} of {len(report.leftovers)} could not be removed; "
            f"{first.kind} {first.name}: {first.status}"
        )


@app.command("check-plugin")
def check_plugin(
    plugin: Annotated[
        str,
        typer.Argument(
            help="The plugin: a module or package, by its import path (as --plugin takes it).",
            show_default=False,
        ),
    ],
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "-d",
            help="Also check on this database (a URL, as --database takes it); the embedded "
            "SQLite file is always checked.",
            show_default=False,
            callback=not_empty("--database"),
        ),
    ] = None,
    rows: Annotated[int, typer.Option("--rows", "-n", help="Roads per design.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Run every op and method on each of a plugin's designs, and its ops on designs 1-3,
    once (no warm-up) on SQLite and --database: each case ok, unsupported (why) or failed
    (the exception and what to look at). Exit 7 when a case failed."""
    from roadbench import api
    from roadbench.errors import PluginCheckFailed
    from roadbench.render.plugin_check import plugin_check_tables

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as bar:
        task = bar.add_task("loading the plugin", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        check = api.check_plugin(
            plugin, database=database, rows=rows, notify=_notify, progress=progress
        )
    _emit(check.to_dict(), as_json, None, plugin_check_tables(check))
    if check.failed:
        first = check.failed[0]
        raise PluginCheckFailed(
            f"{len(check.failed)} of {len(check.cases)} cases failed; the first, "
            f"{first.name} on {first.database}: {first.error} ({first.hint})"
        )


# What a value is, in an option's help: a word, not the Python type (<list[str]>, <float>).
METAVARS = {
    "database": "URL",
    "sizes": "N,N,...",
    "fail_on": "RULE",
    "fmt": "FORMAT",
    "sqlite": "SETTINGS",
    "mix": "MIX",
    "duration": "TIME",
    "max_time": "TIME",
    "method": "NAME",
    "option": "OPTION",
    "plugin": "MODULE",
    "save_dir": "DIR",
    "op": "NAME",
    "scale": "SCALE",
    "server": "SERVER",
    "master_host": "HOST",
    "master_bind_host": "HOST",
    "server_host": "HOST",
    "min_change": "PCT",
    "min_effect": "PCT",
    "precision": "PCT",
    "budget": "SECONDS",
    "worker_wait": "SECONDS",
    "spawn_rate": "N",
}
_TYPE_METAVARS = {"int": "N", "float": "NUM", "Path": "FILE", "str": "TEXT"}


class _Command(typer.core.TyperCommand):
    """Help that reads like a manual: ``roadbench diff [OPTIONS] BASE NEW``, ``--rows N``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, typer.core.TyperArgument):
                param.metavar = param.metavar or (param.name or "").upper()
                param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
            is_value = isinstance(param, typer.core.TyperOption) and not param.is_flag
            if is_value and param.metavar is None:
                kind = param.bare_type().removeprefix("list[").removesuffix("]")  # type: ignore[attr-defined]
                param.metavar = METAVARS.get(param.name or "") or _TYPE_METAVARS.get(
                    kind, kind.upper()
                )

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Click keeps the last of an option given twice; `-o 2 -o 3` would silently measure
        # only option 3, so a repeated one-value option is refused instead.
        _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        if any(param.name == "help" for param in order):
            return super().parse_args(ctx, args)  # --help anywhere shows the help, as Click's
        seen: set[str] = set()
        for param in order:
            one_value = isinstance(param, typer.core.TyperOption) and not (
                param.multiple or param.is_flag or param.count
            )
            if one_value and param.name in seen:
                names = "'" + "' / '".join(param.opts) + "'"
                raise _click_error("UsageError")(
                    f"{names} is given more than once; give it once{_several_hint(param)}",
                    ctx,
                )
            seen.add(param.name or "")
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                name = (param.metavar or param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


def _several_hint(param: Any) -> str:
    """How an option that takes a comma-separated list takes several: in its own words."""
    if "comma-separated" not in (getattr(param, "help", None) or ""):
        return ""
    flag = min(param.opts, key=len)
    metavar = param.metavar or ""
    example = "2,3" if param.name in ("option", "options") else metavar if "," in metavar else "A,B"
    return f" (several, comma-separated: {flag} {example})"


def _click_error(name: str) -> type[Exception]:
    """Click's exception classes, found through Typer's public ``BadParameter``.

    Typer may bundle its own copy of Click, so the classes are taken from there, not imported.
    """
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise LookupError(name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one readable line on stderr for every expected failure."""
    usage_error, click_error = _click_error("UsageError"), _click_error("ClickException")
    try:
        code = app(args=argv, prog_name="roadbench", standalone_mode=False)
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            stdout.print(exc.format_message(), highlight=False, markup=False)  # type: ignore[attr-defined]
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see roadbench {ctx.info_name} --help)" if ctx and ctx.parent else ""
        _fail(f"{exc.format_message()}{hint}", 2)  # type: ignore[attr-defined]
    except (KeyboardInterrupt, typer.Abort):
        code = INTERRUPTED
    except RoadbenchError as exc:
        _fail(str(exc), exc.exit_code)
    except click_error as exc:
        _fail(exc.format_message(), getattr(exc, "exit_code", 1))  # type: ignore[attr-defined]
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("ROADBENCH_DEBUG"):
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set ROADBENCH_DEBUG=1 for the traceback, and please report it)",
            1,
        )
    if code == INTERRUPTED:  # Typer turns Ctrl-C into exit code 130, silently
        # Stopped before any database existed: once one does, ``Interrupted`` says its fate.
        _fail("interrupted", INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    stderr.print(f"roadbench: error: {message}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


# Last in the file, so every command defined above gets the manual-style help.
for _info in app.registered_commands:
    if _info.cls in (None, typer.core.TyperCommand):
        _info.cls = _Command
