"""Leftovers: what a run that was killed (SIGKILL, a crash, a power cut) left behind.

A run removes its throwaway database itself, also after an error or a signal it can handle.
Only a run that could not do that leaves one: on PostgreSQL a ``roadbench_<time>_<pid>_<hex>``
database, or schema in the URL's database, that no live run holds the lock of
(``roadbench.database.ownership``), owned by the role the URL connects as; on MySQL/MariaDB such a
database whose ``GET_LOCK`` nobody holds (``roadbench.database.mysql``); with embedded SQLite a
temporary ``roadbench_*`` directory whose lock no live process holds. ``--keep`` leaves one on
purpose, and once its run has ended it is a leftover like the others.

Never removed: a database or schema a live run owns (on this machine or another: the lock is
on the server), one another role owns, one anybody is connected to, a name roadbench would
not have made, an SQLite file the user named (delete that by hand).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.database import Leftover, backend_for, parse_database_url, resolve_url

__all__ = ["CleanupReport", "Leftover", "cleanup", "find_leftovers"]


@dataclass
class CleanupReport:
    database: str  # the masked URL, or the temporary directory for SQLite
    dry_run: bool
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def failures(self) -> list[Leftover]:
        return [item for item in self.leftovers if item.failed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "cleanup",
            "database": self.database,
            "dry_run": self.dry_run,
            "leftovers": [asdict(item) for item in self.leftovers],
        }


def find_leftovers(url: str | None = None) -> list[Leftover]:
    """What killed runs left behind on the URL's server (or this machine, for SQLite)."""
    parsed = parse_database_url(resolve_url(url))
    return backend_for(parsed.vendor).leftovers(parsed, remove=False)


def cleanup(url: str | None = None, *, dry_run: bool = False) -> CleanupReport:
    """Remove every leftover (with ``dry_run`` only say which); never a live run's."""
    parsed = parse_database_url(resolve_url(url))
    where = tempfile.gettempdir() if parsed.vendor == "sqlite" else parsed.masked
    return CleanupReport(where, dry_run, backend_for(parsed.vendor).leftovers(parsed, not dry_run))
