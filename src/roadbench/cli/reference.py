"""The command reference in docs/cli.md, generated from the CLI itself so it cannot drift.

docs/cli.md holds cog blocks that call these functions; ``cog -r docs/cli.md`` rewrites them
and ``cog --check docs/cli.md`` (run by the tests) fails when the file is stale.
"""

from __future__ import annotations

from typing import Any

import typer

from roadbench.errors import RoadbenchError

# Wide enough for the option column, narrow enough to read on GitHub without scrolling.
HELP_WIDTH = 88

# Exit codes that no error class carries.
OTHER_EXIT_CODES = {
    0: "done",
    1: "an unexpected error: one line, and please report it (`ROADBENCH_DEBUG=1` shows the "
    "traceback)",
    # DatabaseUnavailable, MasterUnreachable and WorkerHung carry 3: one row for what they share.
    3: "a database or service that cannot be reached or used (the database, a `--cache` Redis, "
    "the load test's app server or Locust master, an `ab` or `matrix` worker silent for "
    "`--timeout`), or a leftover `cleanup` could not remove; the line names it, URLs masked",
    130: "interrupted (Ctrl-C or SIGTERM); the line says what became of the throwaway database",
}


def command_names() -> list[str]:
    """Every command, as the user types it."""
    from roadbench.cli.app import app

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def help_text(command: str) -> str:
    """``roadbench COMMAND --help``, exactly as printed at a fixed width."""
    from roadbench.cli.app import app

    group = typer.main.get_command(app)
    with group.make_context(
        "roadbench", [command], terminal_width=HELP_WIDTH, max_content_width=HELP_WIDTH
    ) as parent:
        sub = group.get_command(parent, command)  # type: ignore[attr-defined]
        assert sub is not None, command
        with sub.make_context(command, [], parent=parent, resilient_parsing=True) as ctx:
            return str(sub.get_help(ctx)).rstrip() + "\n"


def help_block(command: str) -> str:
    """The help of ``command`` as a fenced block for Markdown."""
    return f"```\n{help_text(command)}```\n"


def root_help_block() -> str:
    """``roadbench --help`` (the options given before the command) as a fenced block."""
    from roadbench.cli.app import app

    group = typer.main.get_command(app)
    with group.make_context(
        "roadbench",
        [],
        terminal_width=HELP_WIDTH,
        max_content_width=HELP_WIDTH,
        resilient_parsing=True,
    ) as ctx:
        return f"```\n{str(group.get_help(ctx)).rstrip()}\n```\n"


def exit_codes() -> dict[int, str]:
    """Every exit code roadbench uses and what it means, from the error classes' docstrings."""
    codes: dict[int, str] = dict(OTHER_EXIT_CODES)
    pending: list[type[Any]] = list(RoadbenchError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        doc = " ".join((cls.__doc__ or "").split()).replace("``", "`")
        if cls.exit_code not in codes or codes[cls.exit_code] == "":
            codes[cls.exit_code] = doc
    return dict(sorted(codes.items()))


def exit_code_table() -> str:
    """The exit codes as a Markdown table."""
    rows = [f"| {code} | {meaning} |" for code, meaning in exit_codes().items()]
    return "\n".join(["| code | meaning |", "| --- | --- |", *rows]) + "\n"


# The designs' and ops' tables in README.md, docs/designs.md and docs/methodology.md come from
# the registries. Only roadbench's own are listed: an installed plugin must not change the docs.


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def own_designs() -> list[Any]:
    """roadbench's own designs (``RoadOption``), by number."""
    from roadbench import api

    return [option for option in api.registered_designs() if option.origin == "roadbench"]


def own_ops() -> list[Any]:
    """roadbench's own ops (``Operation``), in compare's order."""
    from roadbench import api

    return [op for op in api.registered_ops() if op.origin == "roadbench"]


def design_table() -> str:
    """Every design of roadbench's as a Markdown table: number, key, name, description."""
    rows = [
        f"| {o.number} | `{o.key}` | {_cell(o.name)} | {_cell(o.description)} |"
        for o in own_designs()
    ]
    return (
        "\n".join(["| # | key | design | description |", "| ---: | --- | --- | --- |", *rows])
        + "\n"
    )


def ops_summary() -> str:
    """Every op of roadbench's with its methods' names on one row (default first): the README's
    short form; ops_table() in docs/methodology.md has each method's technique and description."""
    rows = []
    for op in own_ops():
        names = sorted(op.methods, key=lambda name: name != op.default_method)
        listed = ", ".join(f"`{name}`" for name in names)
        rows.append(f"| **{op.name}** | {listed} |")
    return "\n".join(["| op | methods (default first) |", "| --- | --- |", *rows]) + "\n"


def ops_table() -> str:
    """Every op of roadbench's and its methods as a Markdown table (the op named once, on its
    default method's row first)."""
    rows = []
    for op in own_ops():
        names = sorted(op.methods, key=lambda name: name != op.default_method)
        for position, name in enumerate(names):
            method = op.methods[name]
            shown = f"`{name}` (default)" if name == op.default_method else f"`{name}`"
            first = f"**{op.name}**" if position == 0 else ""
            rows.append(f"| {first} | {shown} | {method.technique} | {_cell(method.description)} |")
    return (
        "\n".join(
            ["| op | method | technique | what it does |", "| --- | --- | --- | --- |", *rows]
        )
        + "\n"
    )
