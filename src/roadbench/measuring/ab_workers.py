"""What each worker of an A/B session (``ab``, ``matrix``) is given: how long it may give no
sign of life, and the database it opens. Light to import (the CLI reads the default here).

A server URL (PostgreSQL, MariaDB) is passed on as it is: each worker makes a throwaway
database of its own on that server. A named SQLite file is the database itself, so it is
resolved here, from the directory the command was typed in (a worker runs in its revision's
worktree, where a relative name would otherwise land), and each worker gets a file of its own
beside it, numbered (``bench.db``: ``bench-1.db``, ``bench-2.db``, ...): two workers in one
file would find each other's tables.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

# How long a worker may give no sign of life (no answer, no case begun) before it is called
# hung: far beyond one step of one case (its warm-up, one value, its query count) at compare's
# "many" scale on a slow server; ``--timeout`` sets it.
DEFAULT_TIMEOUT_S = 3600


def named_sqlite(database: str | None) -> Path | None:
    """The absolute path of the SQLite file ``database`` (or $ROADBENCH_DATABASE_URL) names,
    from this process's current directory; None for a server or the embedded file."""
    from roadbench.database.urls import parse_database_url, resolve_url

    url = resolve_url(database)
    if url is None or "?" in url or "#" in url:
        return None  # "?" and "#" end the file name: the worker refuses it in one line
    parsed = parse_database_url(url)  # a URL no worker could use is refused here, at once
    name = str(parsed.config.get("NAME") or "")
    if parsed.vendor != "sqlite" or name in ("", ":memory:"):
        return None
    return Path(os.path.abspath(Path(name).expanduser()))


def worker_databases(database: str | None, count: int) -> list[str] | None:
    """The database URL of each of ``count`` workers, or None when every worker takes
    ``database`` as it is (a server's, or the embedded file's)."""
    path = named_sqlite(database)
    if path is None:
        return None
    if count == 1:
        return [_sqlite_url(path)]
    return [_sqlite_url(numbered(path, i)) for i in range(1, count + 1)]


def numbered(path: Path, index: int) -> Path:
    return path.with_name(f"{path.stem}-{index}{path.suffix}")


def _sqlite_url(path: Path) -> str:
    # Percent-encoded as dj-database-url decodes it: a space or a '%' in a directory's name.
    return "sqlite:///" + quote(str(path), safe="/")
