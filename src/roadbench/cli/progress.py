"""The progress bar of a long command (compare, scaling, check-plugin), on stderr."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn

# What the api calls as it goes (roadbench.api.Progress, not imported: the CLI loads the api,
# and Django with it, only when a command runs).
Advance = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress_bar(console: Console, first: str, *columns: ProgressColumn) -> Iterator[Advance]:
    """A bar labelled ``first`` until the work says what it is doing, then its label, cases
    done of total and ``columns``; gone when the work ends. Yields what the api calls as it
    goes: ``progress(label, done, total)``."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *columns,
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a log gets no bar, and no blank line before an error
    ) as bar:
        task = bar.add_task(first, total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        yield progress
