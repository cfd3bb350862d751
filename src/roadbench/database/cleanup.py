"""Leftovers: what a process that was killed (SIGKILL, a crash, a power cut) left behind.

A run removes its throwaway database and temporary files itself, also after an error or a
signal it can handle. Only a process that could not do that leaves them. Everything roadbench
creates carries its mark from the moment it exists, and is held by its live owner; a leftover
is what carries the mark and has no live owner:

- on the URL's server (inside a project: its database's), a ``roadbench_<time>_<pid>_<hex>``
  database (PostgreSQL: or schema in the URL's database, owned by the URL's role), or a
  project's test database of any name, whose comment (MySQL: ``roadbench_mark`` table) is
  exactly roadbench's mark for that name (``lifecycle.database_mark``) and whose lock nobody
  holds (``roadbench.database.ownership``, ``roadbench.database.mysql``);
- on this machine, whatever the database, a ``roadbench*`` directory in the temporary
  directory whose ``roadbench.lock`` holds the mark and no live process's ``flock``: an
  embedded SQLite run's, a load test's, ``--instructions``' callgrind output, the rows files
  of MySQL's ``LOAD DATA`` (``roadbench.database.temporary``).

``--keep`` leaves a database on purpose, and once its run has ended it is a leftover like the
others. A database or schema with a run's name but without the mark is listed as left alone
and never touched (nor looked into). Never removed either: what a live run owns (on this
machine or another: the lock is on the server), what another role owns, a database anybody is
connected to, an SQLite file the user named (delete that by hand).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.database import Leftover, backend_for

__all__ = ["CleanupReport", "Leftover", "cleanup", "find_leftovers"]


@dataclass
class CleanupReport:
    database: str  # the masked URL, or the embedded database's description
    temporary: str  # the temporary directory looked in
    dry_run: bool
    leftovers: list[Leftover] = field(default_factory=list)

    @property
    def failures(self) -> list[Leftover]:
        return [item for item in self.leftovers if item.failed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "cleanup",
            "database": self.database,
            "temporary": self.temporary,
            "dry_run": self.dry_run,
            "leftovers": [asdict(item) for item in self.leftovers],
        }


def _leftovers(url: str | None, remove: bool) -> tuple[str, list[Leftover]]:
    from roadbench.database import temporary
    from roadbench.database.lifecycle import creation_database, target_database

    parsed = creation_database(target_database(url))  # inside a project: its server
    found = backend_for(parsed.vendor).leftovers(parsed, remove)
    return parsed.masked, found + temporary.leftovers(remove)


def find_leftovers(url: str | None = None) -> list[Leftover]:
    """What killed processes left behind on the URL's server and on this machine, and the
    look-alikes left alone (``Leftover.removable`` tells them apart); removes nothing."""
    return _leftovers(url, remove=False)[1]


def cleanup_command(url: str | None = None) -> str:
    """The cleanup command with the flags this command was given (``--pythonpath``/
    ``--settings`` inside a project, ``--database`` with its password masked), as a hint."""
    import shlex

    from roadbench.database.project import project_flags
    from roadbench.database.urls import mask_url

    words = ["roadbench", *project_flags(), "cleanup"]
    if url:
        words += ["--database", mask_url(url)]
    return shlex.join(words)


def cleanup(url: str | None = None, *, dry_run: bool = False) -> CleanupReport:
    """Remove every leftover (with ``dry_run`` only say which); never a live run's, never
    anything without roadbench's mark."""
    where, found = _leftovers(url, remove=not dry_run)
    return CleanupReport(where, tempfile.gettempdir(), dry_run, found)
