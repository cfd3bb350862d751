"""The progress bar of compare, scaling and check-plugin: drawn on a terminal, where it moves
as the api reports, and nothing at all on a log."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import TimeElapsedColumn

from roadbench.cli.progress import progress_bar


def test_the_bar_shows_what_the_work_reports_on_a_terminal(monkeypatch):
    # A real terminal: under TERM=dumb (some CI environments) Rich draws no live bar at all.
    monkeypatch.setenv("TERM", "xterm-256color")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar(console, "loading the plugin", TimeElapsedColumn()) as progress:
        progress("option 2 · select", 3, 7)
        console.file.flush()
    drawn = out.getvalue()
    assert "option 2 · select" in drawn
    assert "3/7" in drawn


def test_a_log_gets_no_bar():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)
    with progress_bar(console, "preparing") as progress:
        progress("option 1 · create", 1, 2)
    assert out.getvalue() == ""
