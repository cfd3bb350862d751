"""``roadbench compare --async``: parse, call ``api.compare_async``, render; and
``roadbench report`` of the file it saves."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from roadbench import api
from roadbench.errors import BadInput
from roadbench.render.async_comparison import async_markdown, async_table

FORMATS = ("table", "markdown", "json")
DEFAULT_CONCURRENCY = 8


def compare_async(
    async_orm: bool,
    concurrency: int | None,
    scale: str,
    rows: int | None,
    options: str | None,
    ops: str | None,
    fmt: str,
    as_json: bool,
    save: Path | None,
    timing: Any,
    database: str | None,
    sqlite: str | None,
    unsupported: dict[str, Any],
    notify: Callable[[str], None],
    console: Console,
) -> None:
    if not async_orm:
        raise BadInput("--concurrency with compare needs --async (or run --concurrency N)")
    given = [flag for flag, value in unsupported.items() if value]
    if given:
        raise BadInput(f"compare --async does not take {', '.join(given)}")
    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        raise BadInput(f"compare --async prints {', '.join(FORMATS)}; not {fmt}")
    if scale not in api.SCALES:
        raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(api.SCALES)}")
    report = api.compare_async(
        rows=api.check_rows(rows if rows is not None else api.SCALES[scale]),
        timing=timing,
        database=database,
        options=options,
        ops=ops,
        concurrency=DEFAULT_CONCURRENCY if concurrency is None else concurrency,
        notify=notify,
        sqlite=sqlite,
    )
    if save is not None:
        api.save_json(report.to_dict(), save)
        notify(f"saved to {save}")
    show(report, fmt, console)


def show(report: Any, fmt: str, console: Console) -> None:
    """An async comparison on stdout in ``fmt`` (one of FORMATS), as compare --async prints it."""
    if fmt == "json":
        sys.stdout.write(api.dump_json(report.to_dict()) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(async_markdown(report))
    else:
        console.print(async_table(report))


def report_async(report: Any, fmt: str, html: Path | None, console: Console) -> None:
    """``roadbench report`` of a file saved by compare --async: what compare --async showed."""
    if html is not None:
        raise BadInput(
            "report --html draws no page of a compare --async result (compare --async has no "
            "--html either); --format table, markdown or json"
        )
    if fmt not in FORMATS:
        raise BadInput(f"a compare --async result is shown as {', '.join(FORMATS)}; not {fmt}")
    show(report, fmt, console)
