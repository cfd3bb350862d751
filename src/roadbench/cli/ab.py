"""``roadbench ab`` and what it shares with ``matrix``: the run or compare each environment
measures, parsed here, and the combined result shown and saved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from roadbench.cli.html import HtmlOpt, check_html, write_html
from roadbench.cli.values import finite, output_format
from roadbench.errors import BadInput

stdout = Console(soft_wrap=False, markup=False)
stderr = Console(stderr=True, markup=False)

# The run or compare after the command's own flags is its to parse (as matrix's always was).
CONTEXT = {
    "allow_extra_args": True,
    "ignore_unknown_options": True,
    "allow_interspersed_args": False,
}
AB_FORMATS = ("table", "json", "markdown", "csv")

ProcessesOpt = Annotated[
    int,
    typer.Option(
        "--processes",
        min=1,
        help="Worker processes per environment; round i goes to process i mod N, so a "
        "process's own luck lands in the interval.",
    ),
]
# diff's and ab's: the significance floor of a case's change (history's is wider: across sessions).
MinChangeOpt = Annotated[
    float,
    typer.Option("--min-change", help="Smallest change in % that counts as significant."),
]
# measuring.ab_workers.DEFAULT_TIMEOUT_S, written here so that the CLI's help does not import
# the measuring code (tests/test_layers.py checks that the two agree).
DEFAULT_TIMEOUT_S = 3600
TimeoutOpt = Annotated[
    int,
    typer.Option(
        "--timeout",
        min=1,
        metavar="SECONDS",
        help="How long a worker may give no sign of life (one step of one case: its warm-up, "
        "a value, its query count) before it counts as hung: every worker ended, exit 3.",
    ),
]
ABFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="table, json, markdown or csv; default: table.", show_default=False
    ),
]
ABJsonOpt = Annotated[bool, typer.Option("--json", help="The combined result as JSON.")]
ABSaveOpt = Annotated[
    Path | None,
    typer.Option(
        "--save",
        help="Save the combined result as JSON (report, chart and diff read it).",
        show_default=False,
    ),
]


def notify(message: str) -> None:
    stderr.print(f"roadbench: {message}", highlight=False, markup=False, soft_wrap=True)


def command_of(ctx: typer.Context, what: str) -> tuple[dict[str, Any], list[str]]:
    """The run or compare after ``matrix``'s or ``ab``'s own flags, parsed by that command
    (a usage error costs a moment, not an environment), as the worker takes it; and its
    arguments as typed."""
    from roadbench import api

    args = list(ctx.args)
    group = ctx.parent.command if ctx.parent else None
    name = args[0] if args else ""
    child = group.get_command(ctx.parent, name) if name and group else None  # type: ignore[attr-defined]
    if child is None or name not in ("run", "compare"):
        raise BadInput(f"{what} runs a run or a compare: roadbench {what} ... run ...")
    params = child.make_context(name, args[1:], parent=ctx).params
    default = api.scale_timing(params.get("scale") or "few") if name == "compare" else None
    timing = api.preset_timing(
        default or api.FEW_TIMING,
        fast=params.get("fast", False),
        rigorous=params.get("rigorous", False),
        repeat=params.get("repeat"),
        warmup=params.get("warmup"),
        precision=None if params.get("precision") is None else params["precision"] / 100,
        budget=params.get("budget"),
    )
    plugins = (ctx.parent.params.get("plugin") or []) if ctx.parent else []
    return api.child_command(name, params, timing, plugins, what), args


def show(
    section: Any, fmt: str, save: Path | None, table: bool = True, html: Path | None = None
) -> None:
    """The combined result: saved (JSON), its page written (``html``), and shown in ``fmt``
    (the table unless ``table`` is False, where the caller printed its own)."""
    from roadbench import api
    from roadbench.render.ab import ab_csv, ab_markdown, ab_table

    if save is not None:
        api.save_json(api.ab_file(section), save)
        notify(f"saved to {save}")
    write_html("ab", section, html, notify)
    if fmt == "json":
        sys.stdout.write(api.dump_json(api.ab_file(section)) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(ab_markdown(section))
    elif fmt == "csv":
        sys.stdout.write(ab_csv(section))
    elif table:
        stdout.print(ab_table(section))


def ab(
    ctx: typer.Context,
    base: Annotated[
        str,
        typer.Option("--base", help="The revision to compare against: a branch, tag or commit."),
    ],
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="The revision to measure; default: the working tree as it is, uncommitted "
            "changes included.",
            show_default=False,
        ),
    ] = None,
    repo: Annotated[
        Path,
        typer.Option("--repo", metavar="DIR", help="The git repository (any directory in it)."),
    ] = Path("."),
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="Exit 6 as diff does: time:N% (a significant slowdown beyond N%) or "
            "queries:+N. Repeatable.",
            show_default=False,
        ),
    ] = None,
    min_change: MinChangeOpt = 5.0,
    processes: ProcessesOpt = 1,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    no_install: Annotated[
        bool,
        typer.Option(
            "--no-install",
            help="No environment per revision: each revision's source (its src/ if any) on "
            "PYTHONPATH of this Python. For code that needs nothing new installed.",
        ),
    ] = False,
    fmt: ABFormatOpt = None,
    as_json: ABJsonOpt = False,
    save: ABSaveOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Two revisions of your code measured in one session, in interleaved rounds: a CI gate.

    Each revision gets a git worktree and an environment of its own (cached by commit).
    Example: roadbench --plugin mypkg ab --base main --fail-on time:10% compare --ops mine
    """
    from roadbench import api

    fmt = output_format(fmt, as_json, AB_FORMATS)
    rules = api.fail_on_rules(fail_on or [])
    finite(min_change, "--min-change")
    api.check_outputs(("--save", save))
    check_html(html, ("--save", save))
    command, args = command_of(ctx, "ab")
    run = api.ab(
        base,
        head,
        command,
        args,
        repo,
        install=not no_install,
        processes=processes,
        notify=notify,
        timeout=timeout,
    )
    gate, failures = api.ab_gate(run.section, min_change / 100, rules)
    show(run.section, fmt, save, html=html)
    if fmt == "table" and rules:
        verdict = f"{len(failures)} beyond --fail-on" if failures else "nothing beyond --fail-on"
        notify(f"ab: {run.section.labels[0]} → {run.section.labels[-1]}: {verdict}")
    api.matrix_ran(run.section)
    api.gate_outcome(gate)  # exit 6 on a regression, 8 when a rule could not judge
