"""`roadbench history`: the saved runs in a folder as one history, with the changes found."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# As the app's own (cli/app.py imports this module, so it cannot import app's): no markup,
# data to stdout, notices to stderr.
stdout = Console(soft_wrap=False, markup=False)
stderr = Console(stderr=True, markup=False)


def _notify(message: str) -> None:
    stderr.print(f"roadbench: {message}", highlight=False, markup=False, soft_wrap=True)


def history(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A folder of files saved with --save (run, compare, scaling), read with its "
            "subfolders: a CI artifact store, or a checkout of a branch of results.",
            show_default=False,
        ),
    ],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the history as one HTML page to this file: per case the median "
            "and its interval by commit, the query count, the changes marked.",
            show_default=False,
        ),
    ] = None,
    min_change: Annotated[
        float,
        typer.Option(
            "--min-change",
            help="Smallest change in time, in %, reported as a step (runs of different "
            "sessions differ more than rounds of one: diff's 5% would report noise).",
        ),
    ] = 10.0,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="Exit 6 when a case's latest step breaks the rule: time:N% (a slowdown beyond "
            "N%) or queries:+N (more than N extra queries). Repeatable.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")
    ] = False,
) -> None:
    """Read the saved runs in a folder, ordered by commit date: each case's median and query
    count over time, and the changes found by step detection (from commit X: +23%)."""
    from roadbench import api
    from roadbench.cli.values import finite
    from roadbench.render.history import history_table

    rules = api.fail_on_rules(fail_on or [])
    finite(min_change, "--min-change")
    api.check_outputs(("--html", html), suffixes=(".html", ".htm"))
    report, failures = api.history(folder, min_change / 100, rules, notify=_notify)
    if html is not None:
        from roadbench.render.html.history import history_page
        from roadbench.render.html.page import write_page

        write_page(html, history_page(report))
        _notify(f"wrote {html}")
    if as_json:
        sys.stdout.write(api.dump_json(report.to_dict()) + "\n")
    else:
        stdout.print(history_table(report))
    api.no_regression(failures)
