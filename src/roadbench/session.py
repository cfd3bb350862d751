"""A session: Django set up in-process and a throwaway database holding the designs' tables.

Every use case of ``roadbench.api`` measures inside one; so does the child process that counts
instructions under valgrind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from roadbench.database import bench_database, option_tables, sqlite_settings
from roadbench.errors import BadInput
from roadbench.measuring.measure import TableState
from roadbench.reports.results import current_environment

Notify = Callable[[str], None]


@contextlib.contextmanager
def open_session(
    road_options: list[Any],
    database: str | None,
    notify: Notify | None,
    keep: bool = False,
    sqlite: str | None = None,
) -> Iterator[tuple[Any, Any, TableState]]:
    """A throwaway database with the options' tables: (bench, environment, table state).

    ``sqlite``: SQLite settings to use instead of Django's (see ``sqlite_settings``).
    """
    pragmas = sqlite_settings.parse(sqlite) if sqlite else {}
    with bench_database(database, keep=keep, notify=notify) as bench:
        if pragmas:
            if bench.vendor != "sqlite":
                raise BadInput(
                    f"{{sqlite}} sets SQLite's settings; this is {bench.vendor}", "sqlite"
                )
            sqlite_settings.apply(pragmas)
        environment = current_environment(bench)
        from roadbench.designs import models_of

        models = models_of(road_options)
        with option_tables(models, keep=keep):
            state = TableState()
            for option in road_options:
                option.prepare_session(state)
            yield bench, environment, state
