"""``--html PATH``: the flag, and the page written for a run, comparison or scaling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

HTML_SUFFIXES = (".html", ".htm")

HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html",
        metavar="FILE",
        help="Also write the result as one self-contained HTML page that opens offline "
        "(docs/html-reports.md).",
        show_default=False,
    ),
]


def check_html(path: Path | None, *others: tuple[str, Path | None]) -> None:
    """Refuse, before any work, an --html path roadbench could not write at the end (and one
    that names the same file as another output)."""
    from roadbench import api

    if path is not None:
        api.check_outputs(("--html", path), suffixes=HTML_SUFFIXES)
        api.check_outputs(("--html", path), *others)  # not the same file as another output


def write_html(
    kind: str,
    report: Any,
    path: Path | None,
    notify: Callable[[str], None],
    queries: Sequence[Path] = (),
    profiles: Sequence[Path] = (),
) -> None:
    """Write the page of ``report`` (a run, comparison, scaling, diff, or the A/B section
    of a ``matrix`` or ``ab``) with what is attached."""
    if path is None:
        return
    from roadbench import api
    from roadbench.render.html.page import write_page
    from roadbench.render.html.report import Attachments, Profile, report_page

    if kind == "ab":
        from roadbench.render.html.ab import ab_page

        write_page(path, ab_page(report))
        notify(f"wrote {path}")
        return
    if kind == "diff":
        from roadbench.render.html.diff import diff_page

        write_page(path, diff_page(report))
        notify(f"wrote {path}")
        return

    cases, pages = api.html_attachments(queries, profiles)
    attached = Attachments(cases, [Profile(name, text) for name, text in pages])
    write_page(path, report_page(kind, report, attached))
    notify(f"wrote {path}")
