"""The one small interface every database module provides, and how roadbench finds it.

A backend is a module, ``roadbench.database.<vendor>`` (Django's ``connection.vendor``), with
the functions of ``Backend``. A fourth database is one more module and one line in
``MODULES`` (and its scheme in ``urls.URL_SCHEMES``); a server's ``throwaway_database`` is
``lifecycle.server_database`` given what the server does differently (``lifecycle.Server``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

MODULES = {
    "sqlite": "roadbench.database.sqlite",
    "postgresql": "roadbench.database.postgresql",
    "mysql": "roadbench.database.mysql",
}


@dataclass
class Leftover:
    """Something a killed run left behind, and what cleanup did (or would do) with it."""

    kind: str  # "database", "schema" or "directory"
    name: str  # the database's or schema's name, or the directory's path
    # Or "removed", "not removed: <reason>", or LEFT_ALONE (no roadbench mark: never touched).
    status: str = "would be removed"
    holds: str = ""  # what is in it, as a reader wants it: "3 tables, 3,000 rows"
    tables: dict[str, int] | None = field(default=None)  # each table's rows, where it has tables

    @property
    def failed(self) -> bool:
        return self.status.startswith("not removed")

    @property
    def removable(self) -> bool:
        """Roadbench's and nobody's: what cleanup removes (or tried to, or would)."""
        return self.status != LEFT_ALONE


# A look-alike: a roadbench name without roadbench's mark in it. Listed, never touched.
LEFT_ALONE = "left alone: not roadbench's (no mark)"


class Backend(Protocol):
    """What differs between databases. ``cursor`` is a Django cursor on the run's connection."""

    # The database's own fast path for the raw method, as the results name it.
    FAST_PATH: str

    def throwaway_database(
        self,
        parsed: Any,
        keep: bool,
        say: Callable[[str], None],
        removal: Any,
        test_name: str | None = None,
    ) -> AbstractContextManager[Any]:
        """Create the run's own database (or schema, or file), make it Django's default
        connection, yield a ``BenchDatabase``; remove it after, whatever happened, and record
        in ``removal`` what really happened. ``test_name`` (servers): a project's test
        database of that name instead, never made over an existing one."""
        ...

    def describe(self, connection: Any) -> tuple[str, str]:
        """(server version, driver) of Django's open connection."""
        ...

    def inspect(self, parsed: Any) -> dict[str, Any]:
        """doctor: driver, server_version, isolation; creates and writes nothing."""
        ...

    def leftovers(self, parsed: Any, remove: bool) -> list[Leftover]:
        """cleanup: what killed runs left (removed with ``remove``); never a live run's."""
        ...

    def write_rows(
        self, cursor: Any, table: str, columns: str, width: int, rows: list[tuple[Any, ...]]
    ) -> None:
        """Write ``rows`` (values adapted, ``width`` columns) with the fast path."""
        ...

    def reserve_ids(self, cursor: Any, table: str, pk: str, count: int) -> list[int]:
        """``count`` new primary keys of ``table`` (quoted), as the database would give them."""
        ...

    def clear_tables(self, cursor: Any, tables: Sequence[str]) -> None:
        """Empty the quoted ``tables`` (children first), ids back to the start if possible."""
        ...

    def analyze_tables(self, cursor: Any, tables: Sequence[str]) -> None:
        """Fresh planner statistics after a bulk load (where the planner needs them)."""
        ...

    def explain(self, cursor: Any, sql: str, params: Any, analyze: bool) -> list[str]:
        """The plan of one SELECT, one line per item; with ``analyze`` the query runs."""
        ...

    def foreign_keys_checked_once(
        self, connection: Any, tables: Sequence[str]
    ) -> AbstractContextManager[None]:
        """A transaction on Django's ``connection`` in which the foreign keys referencing
        ``tables`` (unquoted names) are not checked row by row but once, set-based, before
        it commits. A violation raises Django's ``IntegrityError`` naming the foreign key,
        and the transaction rolls back. A constant number of statements whatever the rows.
        """
        ...

    def driver_statements(self, raw: Any, event: str) -> list[str]:
        """What the driver sends by itself when Django ends a transaction (``COMMIT``,
        ``ROLLBACK``) or switches autocommit (``autocommit=0``/``=1``), outside the execute
        wrappers: so that counts are exact."""
        ...


def no_bulk_ids_reason() -> str:
    """Why this connection cannot give back the ids of a bulk insert (Django's
    ``can_return_rows_from_bulk_insert`` is False)."""
    from django.db import connection

    if connection.vendor == "mysql":
        return (
            "MySQL has no INSERT ... RETURNING, so a bulk insert gives no ids back (MariaDB does)"
        )
    return f"{connection.vendor} does not return ids from a bulk insert (SQLite < 3.35)"


def backend_for(vendor: str) -> Backend:
    """The module of ``vendor`` (``connection.vendor``, or a parsed URL's)."""
    return cast(Backend, importlib.import_module(MODULES[vendor]))


def current_backend() -> Backend:
    """The module of Django's default connection."""
    from django.db import connection

    return backend_for(connection.vendor)
