"""The ``roadbench`` command: parses, calls the library, renders. Nothing else.

Data goes to stdout (a Rich table, or JSON with ``--json``); progress, notices and errors go
to stderr. Exit codes: 0 ok, 1 error, 2 bad input, 3 database unavailable, 4 unsupported
case, 5 verification failed, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import TextColumn, TimeElapsedColumn, TimeRemainingColumn

from roadbench import __version__
from roadbench.cli import ab as ab_cli
from roadbench.cli.ab import CONTEXT as AB_CONTEXT
from roadbench.cli.html import HtmlOpt, check_html, write_html
from roadbench.cli.progress import progress_bar
from roadbench.cli.values import finite, not_empty, output_format
from roadbench.cli.values import sizes as parse_sizes
from roadbench.errors import RoadbenchError, caused_by_interrupt

if TYPE_CHECKING:
    from roadbench.api import ScenarioWhere

app = typer.Typer(
    name="roadbench",
    help="Profile the Django ORM on the ways to model road sub-classes: "
    "1 single table, 2 table per type, 3 multi-table inheritance, "
    "and more (roadbench options).",
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
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="APP.MODEL",
        help="Your own hierarchy as a design, named in outputs as given here (key model): a "
        "multi-table base (shop.Product) or "
        "sibling models sharing an abstract base (shop.Book,shop.EBook); measured instead of "
        "the default designs (see docs/your-project.md).",
        show_default=False,
        callback=not_empty("--model"),
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
# run, queries, profile: a scenario has rows of its own, used unless --rows is given.
CaseRowsOpt = Annotated[
    int | None,
    typer.Option(
        "--rows",
        "-n",
        help="Roads, split evenly by type (default 200); a scenario's default is its own.",
        show_default=False,
    ),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        metavar="NAME",
        help="Your own function instead of an op: a @roadbench.scenario in "
        "benchmarks/bench_*.py or an entry point (see `roadbench scenarios`).",
        show_default=False,
        callback=not_empty("--scenario"),
    ),
]
ScenariosDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenarios",
        metavar="DIR",
        help="Where the bench_*.py files are; default: scenarios in roadbench.toml or "
        "[tool.roadbench], else ./benchmarks.",
        show_default=False,
    ),
]
# Which ops there are is the registries' (filled at start-up, after this help is built).
OP_HELP = "Operation, by name (see `roadbench ops`)."
OpArg = Annotated[str, typer.Argument(help=OP_HELP)]
OptionalOpArg = Annotated[
    str | None, typer.Argument(help=f"{OP_HELP} Or --scenario.", show_default=False)
]
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
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        help="An async method's work as N tasks on one event loop (docs/async.md); with "
        "compare --async the third column (default 8).",
        show_default=False,
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
    from roadbench import api

    return api.check_cache(url)


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
    settings: Annotated[
        str | None,
        typer.Option(
            "--settings",
            metavar="MODULE",
            help="Run inside a Django project: its settings module (mysite.settings), as "
            "django-admin takes it; default: $DJANGO_SETTINGS_MODULE. Its apps, models and "
            "database engine, in a test database made from its migrations and dropped at the "
            "end; its own databases are never written to (docs/your-project.md).",
            show_default=False,
        ),
    ] = None,
    pythonpath: Annotated[
        Path | None,
        typer.Option(
            "--pythonpath",
            metavar="DIR",
            help="A directory to put first on the Python path (the project's, for --settings), "
            "as django-admin takes it.",
            show_default=False,
        ),
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            metavar="SPEC",
            help="app.Model.field=module:function: for --model, a field's values from "
            "function(type, i), over roadbench.toml's [values]; repeatable "
            "(docs/your-project.md).",
            show_default=False,
        ),
    ] = None,
    factory: Annotated[
        list[str] | None,
        typer.Option(
            "--factory",
            metavar="SPEC",
            help="app.Model=module:Factory: for --model, a model's rows from a factory_boy "
            "factory or a callable (type, i) returning a dict of field values, over "
            "roadbench.toml's [factories]; repeatable.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """roadbench: what will the Django ORM cost me, and how should I model this?"""
    if settings is not None or pythonpath is not None:
        from roadbench import api

        api.use_project(settings, None if pythonpath is None else str(pythonpath))
    if plugin:
        from roadbench import api

        api.load_plugins(plugin)
    if value or factory:
        from roadbench import api

        api.use_values(value or [], factory or [])


def _notify(message: str) -> None:
    # soft_wrap: one notice is one line, also when it is longer than the terminal is wide.
    stderr.print(f"roadbench: {message}", highlight=False, markup=False, soft_wrap=True)


def _scenario_where(
    option: int | str | None, rows: int | None, database: str | None, directory: Path | None
) -> ScenarioWhere:
    """A scenario command's options as the api takes them, its notices on stderr."""
    return {
        "option": option,
        "rows": rows,
        "database": database,
        "notify": _notify,
        "directory": directory,
    }


def _emit(data: dict[str, Any], as_json: bool, save: Path | None, table: Any) -> None:
    from roadbench import api

    if save is not None:
        api.save_json(data, save)
        _notify(f"saved to {save}")
    if as_json:
        sys.stdout.write(api.dump_json(data) + "\n")
    else:
        stdout.print(table)


def _check_outputs(*outputs: tuple[str, Path | None], suffixes: tuple[str, ...] = ()) -> None:
    """Every output path, checked before any work: (the flag as typed, the path or None)."""
    from roadbench import api

    api.check_outputs(*outputs, suffixes=suffixes)


def _show(output: Any) -> None:
    """A string goes to stdout as it is; a Rich renderable is printed."""
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        stdout.print(output)


def _report_out(kind: str, report: Any, fmt: str, as_json: bool, save: Path | None) -> str:
    """Save (always JSON) and print a run or comparison in the chosen format."""
    from roadbench import api
    from roadbench.render.formats import render

    fmt = "json" if as_json else fmt
    output = render(kind, report, fmt)  # an unknown format fails before anything is written
    if save is not None:
        api.save_json(report.to_dict(), save)
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
    """The timing flags as the library's preset rules take them (--precision is a %)."""
    from roadbench import api

    return api.preset_timing(
        default,
        fast=fast,
        rigorous=rigorous,
        repeat=repeat,
        warmup=warmup,
        precision=None if precision is None else precision / 100,
        budget=budget,
    )


@app.command()
def run(
    op: Annotated[str | None, typer.Option("--op", help=OP_HELP, show_default=False)] = None,
    scenario: ScenarioOpt = None,
    scenarios_dir: ScenariosDirOpt = None,
    option: Annotated[
        str | None,
        typer.Option(
            "--option",
            "-o",
            help="Design, by number or name (see `roadbench options`); or --model.",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
    method: MethodOpt = None,
    rows: CaseRowsOpt = None,
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
    html: HtmlOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Measure one case: an op done one way on one option, or a scenario of yours."""
    from roadbench import api
    from roadbench.render.formats import FORMATS

    fmt = output_format(fmt, as_json, FORMATS)
    api.op_or_scenario(
        op,
        scenario,
        model=model,
        method=method,
        instructions=instructions,
        cache=cache,
        concurrency=concurrency,
    )
    _check_outputs(("--save", save))
    check_html(html, ("--save", save))
    timing = _timing(repeat, warmup, api.FEW_TIMING, fast, rigorous, precision, budget)
    if scenario is not None:
        report = api.run_scenario(
            scenario,
            timing=timing,
            keep=keep,
            sqlite=sqlite,
            memory=memory,
            **_scenario_where(option, rows, database, scenarios_dir),
        )
        _report_out("run", report, fmt, as_json, save)
        write_html("run", report, html, _notify)
        _warn(report.results)
        return
    report = api.run(
        option=option,
        op=str(op),
        method=method,
        rows=200 if rows is None else rows,
        timing=timing,
        database=database,
        keep=keep,
        notify=_notify,
        sqlite=sqlite,
        instructions=instructions,
        cache=cache,
        memory=memory,
        model=model,
        concurrency=concurrency,
    )
    _report_out("run", report, fmt, as_json, save)
    write_html("run", report, html, _notify)
    _warn(report.results)
    api.check_ran(report)


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
    compared_ops: Annotated[
        str | None,
        typer.Option(
            "--ops",
            help="Ops to compare, comma-separated (see `roadbench ops`); default: roadbench's "
            "own. An op a plugin adds is compared only when named here.",
            show_default=False,
            callback=not_empty("--ops"),
        ),
    ] = None,
    model: ModelOpt = None,
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
    html: HtmlOpt = None,
    async_orm: Annotated[
        bool,
        typer.Option(
            "--async",
            help="Instead: each async method (acreate, aiterator, ...) beside the sync method "
            "it mirrors, alone and as --concurrency tasks, with the thread-hop cost per call.",
        ),
    ] = False,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Run every op on every option and print the seed study's table (fastest = 1)."""
    from roadbench import api
    from roadbench.render.formats import FORMATS

    fmt = output_format(fmt, as_json, FORMATS)
    _check_outputs(("--save", save))
    check_html(html, ("--save", save))
    default = api.scale_timing(scale)
    if async_orm or concurrency is not None:
        from roadbench.cli.async_compare import compare_async

        compare_async(
            async_orm, concurrency, scale, rows, options, compared_ops, fmt, as_json, save,
            _timing(repeat, warmup, default, fast, rigorous, precision, budget), database, sqlite,
            unsupported={
                "--model": model, "--instructions": instructions, "--memory": memory,
                "--keep": keep, "--html": html,
            }, notify=_notify, console=stdout,
        )  # fmt: skip
        return
    columns = (TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with progress_bar(stderr, "preparing", *columns) as progress:
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
            ops=compared_ops,
            model=model,
        )
    if _report_out("compare", report, fmt, as_json, save) == "table":
        _comparison_footer(report)
    write_html("compare", report, html, _notify)
    _warn(report.results)
    if model and len(report.table.options) == 1:
        _notify(
            f"only {model} measured: add --options 1,3,model to compare it with roadbench's "
            f"designs, or run roadbench advise {model}"
        )


def _warn(results: Any) -> None:
    """Each case's instability warnings, on stderr."""
    for result in results:
        for warning in result.warnings:
            _notify(f"warning: {result.heading} {result.op} {result.method}: {warning}")


def _comparison_footer(report: Any) -> None:
    """Below a comparison table: why a cell used another method, and how long it all took."""
    from roadbench.render.console import comparison_notes

    for note in comparison_notes(report):
        stdout.print(f"note: {note}", highlight=False)
    stdout.print(f"took {report.elapsed_s:.1f} s", highlight=False)


@app.command()
def queries(
    op: OptionalOpArg = None,
    option: OneOrAllOpt = None,
    model: ModelOpt = None,
    method: MethodOpt = None,
    rows: CaseRowsOpt = None,
    scenario: ScenarioOpt = None,
    scenarios_dir: ScenariosDirOpt = None,
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

    api.op_or_scenario(
        op,
        scenario,
        model=model,
        method=method,
        explain=explain,
        scaling=scaling,
        fetch_raise=fetch_raise,
    )
    if scenario is not None:
        report = api.scenario_queries(
            scenario, **_scenario_where(option, rows, database, scenarios_dir)
        )
    else:
        report = api.queries(
            str(op),
            option=option,
            method=method,
            rows=200 if rows is None else rows,
            database=database,
            explain=explain,
            analyze=analyze,
            scaling=parse_sizes(sizes) if scaling else None,
            notify=_notify,
            fetch_raise=fetch_raise,
            model=model,
        )
    if as_json:
        sys.stdout.write(api.dump_json(report.to_dict()) + "\n")
    else:
        for renderable in queries_renderables(report, show_sql=sql):
            stdout.print(renderable)
    api.check_ran(report)  # after the output, so the reasons are on stdout too


@app.command()
def profile(
    op: OptionalOpArg = None,
    option: OneOrAllOpt = None,
    model: ModelOpt = None,
    method: MethodOpt = None,
    rows: CaseRowsOpt = None,
    scenario: ScenarioOpt = None,
    scenarios_dir: ScenariosDirOpt = None,
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

    outputs = {"html": html, "speedscope": speedscope, "json": json_file}
    api.op_or_scenario(op, scenario, model=model, method=method)
    _check_outputs(*((f"--{kind}", path) for kind, path in outputs.items()))
    if scenario is not None:
        numbers: list[int] = []
        _environment, profiles = api.profile_scenario(
            scenario, **_scenario_where(option, rows, database, scenarios_dir)
        )
    else:
        numbers = api.designs(option, model, _notify)
        files = api.profile_files(outputs, numbers)
        _check_outputs(*((f"--{kind}", path) for kind, path in files))
        _environment, profiles = api.profile(
            str(op),
            option=numbers,
            method=method,
            rows=200 if rows is None else rows,
            database=database,
            notify=_notify,
        )
    for case in profiles:
        stdout.print(case.header(), highlight=False)
        sys.stdout.write(api.profile_text(case, color=stdout.is_terminal) + "\n")
        for kind, path in outputs.items():
            if path is not None:
                target = api.write_profile(case, kind, path, several=len(numbers) > 1)
                _notify(f"wrote {kind} profile of {case.heading} to {target}")


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
    from roadbench import api
    from roadbench.render.charts import CHART_SUFFIXES, _pyplot, comparison_chart, scaling_chart

    _pyplot()  # a missing extra is the first thing to say
    _check_outputs(("-o/--output", output), suffixes=CHART_SUFFIXES)
    kind, reports = api.chart_reports(files)
    if kind == "scaling":
        scaling_chart(reports[0], output)
        _notify(f"wrote {output}")
        return
    panels = comparison_chart(reports, output)
    _notify(f"wrote {output} ({panels} panel{'s' if panels != 1 else ''})")


@app.command()
def scaling(
    op: OpArg,
    sizes: Annotated[
        str, typer.Option("--sizes", help="Road counts, comma-separated.")
    ] = "100,1000,10000",
    option: OneOrAllOpt = None,
    model: ModelOpt = None,
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
    html: HtmlOpt = None,
) -> None:
    """One op at growing sizes for each option: how fast does each one's cost grow?"""
    from roadbench import api
    from roadbench.render.console import scaling_table

    if output is not None:
        from roadbench.render.charts import CHART_SUFFIXES, _pyplot

        _pyplot()  # a missing extra fails before the benchmark, not after it
        _check_outputs(("--chart", output), suffixes=CHART_SUFFIXES)
    _check_outputs(("--save", save), ("--chart", output))
    check_html(html, ("--save", save), ("--chart", output))
    with progress_bar(stderr, "preparing", TimeElapsedColumn()) as progress:
        report = api.scaling(
            op,
            sizes=parse_sizes(sizes),
            option=option,
            method=method,
            timing=_timing(repeat, warmup, api.SCALING_TIMING, precision=precision, budget=budget),
            database=database,
            notify=_notify,
            progress=progress,
            min_effect=min_effect / 100,
            model=model,
        )
    _emit(report.to_dict(), as_json, save, scaling_table(report))
    if output is not None and any(p.median_s for s in report.series for p in s.points):
        from roadbench.render.charts import scaling_chart

        scaling_chart(report, output)
        _notify(f"wrote {output}")
    if any(p.median_s for s in report.series for p in s.points):
        write_html("scaling", report, html, _notify)
    # No point measured: no empty chart, exit 4 with the reason.
    api.check_ran(report)


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
    from roadbench.render.load import load_table

    _check_outputs(("--save", save))
    reads, writes = api.parse_mix(mix)
    settings = api.LoadSettings(
        users=users,
        spawn_rate=spawn_rate,
        duration_s=api.parse_duration(duration),
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
    report = api.load(option, settings, database=database, notify=_notify)
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
    from roadbench import api

    api.load_worker(
        master_host,
        master_port,
        max_time_s=api.parse_duration(max_time, "--max-time"),
        master_wait_s=api.parse_duration(master_wait, "--master-wait"),
        notify=_notify,
    )


@app.command()
def report(
    file: Annotated[
        Path,
        typer.Argument(
            help="A JSON file saved by run, compare (or compare --async) or scaling with --save."
        ),
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
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Write one self-contained HTML page instead of printing (with --format or "
            "--json: as well): the table with each ratio's 95% interval, every case's values "
            "round by round, growth curves of a scaling, the environment.",
            show_default=False,
        ),
    ] = None,
    queries: Annotated[
        list[Path] | None,
        typer.Option(
            "--queries",
            metavar="FILE",
            help="With --html: show the statements saved by `roadbench queries --json` (N+1, "
            "duplicates, EXPLAIN) with their cases. Repeatable.",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        list[Path] | None,
        typer.Option(
            "--profile",
            metavar="FILE",
            help="With --html: embed a profile written by `roadbench profile --html`. Repeatable.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Render a saved run, comparison or scaling again, in any format, without re-running it."""
    from roadbench import api
    from roadbench.errors import BadInput
    from roadbench.render.formats import FORMATS

    if html is None and (queries or profile):
        raise BadInput(f"{'--queries' if queries else '--profile'} goes with --html FILE")
    printed = fmt is not None or as_json or html is None
    fmt = output_format(fmt, as_json, FORMATS)
    check_html(html)
    kind, saved = api.load_report(file, ("run", "compare", "compare-async", "scaling"))
    if kind == "compare-async":
        from roadbench.cli.async_compare import report_async

        return report_async(saved, fmt, html, stdout)
    # A file of matrix or ab: its A/B below the head's, and its page the A/B's (the head's
    # page when statements or profiles are attached: they belong to one environment's cases).
    section = api.ab_section_in(file) if kind != "scaling" else None
    if html is not None and section is not None and not (queries or profile):
        write_html("ab", section, html, _notify)
    elif html is not None:
        write_html(kind, saved, html, _notify, queries or [], profile or [])
    if not printed:
        return
    if _report_out(kind, saved, fmt, as_json, None) == "table" and kind == "compare":
        _comparison_footer(saved)
    if section is not None and fmt == "table" and not as_json:
        from roadbench.render.ab import ab_table

        stdout.print(ab_table(section))


@app.command(context_settings=AB_CONTEXT)
def matrix(
    ctx: typer.Context,
    django: Annotated[
        str,
        typer.Option(
            "--django",
            help="Django versions, comma-separated: series (5.2,6.1), exact versions, or "
            "paths to local Django checkouts. One named twice (5.2,5.2) is measured twice, "
            "an A/A run: the noise any version difference must clear.",
        ),
    ],
    save_dir: Annotated[
        Path, typer.Option("--save-dir", help="Where each version's JSON results go.")
    ] = Path("roadbench-matrix"),
    processes: ab_cli.ProcessesOpt = 1,
    timeout: ab_cli.TimeoutOpt = ab_cli.DEFAULT_TIMEOUT_S,
    fmt: ab_cli.ABFormatOpt = None,
    as_json: ab_cli.ABJsonOpt = False,
    save: ab_cli.ABSaveOpt = None,
    html: HtmlOpt = None,
) -> None:
    """The same run or compare under several Django versions, in interleaved rounds.

    Each version's time is a median of per-round ratios to the first version's, with its
    95% interval. Example: roadbench matrix --django 5.2,6.1 run -o 3 --op select -m naive
    """
    from roadbench import api
    from roadbench.render.console import matrix_tables

    fmt = output_format(fmt, as_json, ab_cli.AB_FORMATS)
    _check_outputs(("--save", save))
    check_html(html, ("--save", save))
    command, args = ab_cli.command_of(ctx, "matrix")
    run = api.matrix(django, command, args, save_dir, _notify, processes, timeout)
    if fmt == "table":
        header, rows = api.matrix_rows(run)
        for table in matrix_tables(header, rows):
            stdout.print(table)
    ab_cli.show(run.section, fmt, save, table=False, html=html)
    for result in run.results:
        _notify(f"Django {result.label} (Python at {result.python}): saved {result.saved}")
    if save is not None and len(run.results) > 1:
        _notify(f"the first version against the last, round by round: roadbench diff {save}")
    # As run exits 4 when its case cannot run: here when no case could under any version.
    api.matrix_ran(run.section)


app.command(context_settings=AB_CONTEXT)(ab_cli.ab)


@app.command()
def diff(
    base: Annotated[Path, typer.Argument(help="The baseline, saved with --save.")],
    new: Annotated[
        Path | None,
        typer.Argument(
            help="The new run, saved with --save. Omitted: BASE is a file saved by matrix or "
            "ab, whose first and last environments are compared round by round.",
            show_default=False,
        ),
    ] = None,
    min_change: ab_cli.MinChangeOpt = 5.0,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="Exit 6 on time:N% (a significant slowdown beyond N%), queries:+N "
            "(more than N extra queries in a case), instructions:N% or shape (a statement "
            "shape appeared or disappeared in a case); exit 8 when a rule cannot judge (the "
            "whole run moved, too few or unstable values, no counts or fingerprints). "
            "Repeatable.",
            show_default=False,
        ),
    ] = None,
    assume_drift: Annotated[
        bool,
        typer.Option(
            "--assume-drift",
            help="Take a move of the whole run as the machine's and correct the times for "
            "it, instead of calling them inconclusive (the report says it did).",
        ),
    ] = False,
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
    html: HtmlOpt = None,
) -> None:
    """Compare two saved runs: per case the change in time, its significance, and queries."""
    from roadbench import api
    from roadbench.render.diff import diff_csv, diff_markdown, diff_table

    rules = api.fail_on_rules(fail_on or [])
    finite(min_change, "--min-change")
    fmt = output_format(fmt, as_json, ("table", "json", "markdown", "csv"))
    check_html(html)
    report, _failures = api.diff(base, new, min_change / 100, rules, assume_drift=assume_drift)
    write_html("diff", report, html, _notify)
    if fmt == "json":
        _show(api.dump_json(report.to_dict()) + "\n")
    elif fmt == "markdown":
        _show(diff_markdown(report))
    elif fmt == "csv":
        _show(diff_csv(report))
    else:
        _show(diff_table(report))
    api.gate_outcome(report)


@app.command()
def options(as_json: JsonOpt = False) -> None:
    """List the modelling options."""
    from roadbench import api
    from roadbench.render.console import options_table

    data = api.designs_listing()
    _emit(data, as_json, None, options_table(api.registered_designs()))


@app.command()
def ops(as_json: JsonOpt = False) -> None:
    """List the operations and their methods."""
    from roadbench import api
    from roadbench.render.console import ops_table

    data = api.ops_listing()
    _emit(data, as_json, None, ops_table(api.registered_ops()))


@app.command()
def scenarios(scenarios_dir: ScenariosDirOpt = None, as_json: JsonOpt = False) -> None:
    """List your scenarios: @roadbench.scenario functions in benchmarks/bench_*.py and in
    installed entry points (roadbench.scenarios)."""
    from roadbench import api
    from roadbench.render.scenarios import scenarios_listing, scenarios_table

    found = api.scenarios(scenarios_dir)
    _emit(scenarios_listing(found), as_json, None, scenarios_table(found))


@app.command()
def doctor(database: DatabaseOpt = None, as_json: JsonOpt = False) -> None:
    """Show which database, server version and driver a run would use, and try to connect."""
    from roadbench import api
    from roadbench.render.console import doctor_table

    info = api.doctor(database)
    _emit(info, as_json, None, doctor_table(info))
    if info["leftovers"]:
        _notify(
            f"{len(info['leftovers'])} left behind by killed runs; "
            f"`{api.cleanup_command(database)}` removes them"
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
    from roadbench import api
    from roadbench.render.console import cleanup_table

    report = api.cleanup(database, dry_run=dry_run)
    _emit(report.to_dict(), as_json, None, cleanup_table(report))
    api.all_removed(report)


@app.command()
def advise(
    model: Annotated[
        str,
        typer.Argument(
            metavar="APP.MODEL",
            help="Your hierarchy: a multi-table base (shop.Product) or sibling models sharing "
            "an abstract base (shop.Book,shop.EBook).",
        ),
    ],
    scale: Annotated[
        str, typer.Option("--scale", "-s", help="few (200 rows) or many (500,000 rows).")
    ] = "few",
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            "-n",
            help="Rows per design, overriding the scale's count.",
            show_default=False,
        ),
    ] = None,
    fast: FastOpt = False,
    rigorous: RigorousOpt = False,
    min_effect: MinEffectOpt = 3.0,
    database: DatabaseOpt = None,
    as_json: JsonOpt = False,
    save: SaveOpt = None,
) -> None:
    """Your hierarchy beside the designs it could have (single table, table per type,
    multi-table, JSONField, one-to-one detail tables), with the same fields: who wins each
    operation, and what the alternatives leave out."""
    from roadbench import api
    from roadbench.render.advice import advice_text

    _check_outputs(("--save", save))
    default = api.scale_timing(scale)
    report = api.advise(
        model,
        scale=scale,
        rows=rows,
        timing=_timing(None, None, default, fast, rigorous),
        database=database,
        notify=_notify,
        min_effect=min_effect / 100,
    )
    if as_json:
        _emit(report.to_dict(), as_json, save, None)
    else:
        if save is not None:
            api.save_json(report.to_dict(), save)
            _notify(f"saved to {save}")
        _show(advice_text(report))  # plain lines, whole at any width
    _warn(report.comparison.results)  # compare's warnings, by compare's rule


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
    from roadbench.render.plugin_check import plugin_check_tables

    with progress_bar(stderr, "loading the plugin") as progress:
        check = api.check_plugin(
            plugin, database=database, rows=rows, notify=_notify, progress=progress
        )
    _emit(check.to_dict(), as_json, None, plugin_check_tables(check))
    api.plugin_passed(check)


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
    "compared_ops": "NAME,...",
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
    example = (
        "2,3"
        if param.name in ("option", "options")
        else "create,select"
        if param.name == "compared_ops"
        else metavar
        if "," in metavar
        else "A,B"
    )
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
    except Exception as exc:
        if not _wraps_interrupt(exc):
            _fail_for(exc, click_error)
        code = INTERRUPTED  # Ctrl-C that an error wrapped, before a database said its fate
    if code == INTERRUPTED:  # Typer turns Ctrl-C into exit code 130, silently
        # Stopped before any database existed: once one does, ``Interrupted`` says its fate.
        _fail("interrupted", INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


def _wraps_interrupt(exc: Exception) -> bool:
    """An error that a stop signal's KeyboardInterrupt caused (``caused_by_interrupt``), not
    ``Interrupted``, which says what became of the database itself."""
    said = isinstance(exc, RoadbenchError) and exc.exit_code == INTERRUPTED
    return not said and caused_by_interrupt(exc)


def _fail_for(exc: Exception, click_error: type[Exception]) -> None:
    """The line and exit code of an error that ended a command."""
    if isinstance(exc, RoadbenchError):
        _fail(exc.worded(_flag), exc.exit_code)
    if isinstance(exc, click_error):
        _fail(exc.format_message(), getattr(exc, "exit_code", 1))  # type: ignore[attr-defined]
    if isinstance(exc, BrokenPipeError):
        sys.exit(0)
    if os.environ.get("ROADBENCH_DEBUG"):
        raise exc
    _fail(
        f"internal error: {type(exc).__name__}: {exc} "
        "(set ROADBENCH_DEBUG=1 for the traceback, and please report it)",
        1,
    )


def _flag(parameter: str) -> str:
    """The flag of a library parameter: min_effect is --min-effect."""
    return "--" + parameter.replace("_", "-")


def _fail(message: str, code: int) -> None:
    stderr.print(f"roadbench: error: {message}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


# Commands in modules of their own (imported here, late: they use this module's helpers).
from roadbench.cli.history import history  # noqa: E402

app.command()(history)

# Last in the file, so every command defined above gets the manual-style help.
for _info in app.registered_commands:
    if _info.cls in (None, typer.core.TyperCommand):
        _info.cls = _Command
