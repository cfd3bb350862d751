"""SQLite: an embedded temporary file, or a file the user names that holds no tables.

roadbench creates a named file exclusively and removes only a file it created; an existing
file is used only if it holds no table, and only the tables roadbench made are dropped.
Ownership of an embedded run's temporary directory: an ``flock`` (``roadbench.database.ownership``).
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import transaction

from roadbench.database.backend import Leftover
from roadbench.database.lifecycle import (
    CONNECT_TIMEOUT_S,
    NAME_PREFIX,
    BenchDatabase,
    Removal,
    activate,
    deactivate,
    describe_connection,
    signals_held,
)
from roadbench.database.ownership import hold_directory
from roadbench.database.urls import DatabaseURL
from roadbench.errors import BadInput, DatabaseUnavailable, Unsupported

FAST_PATH = "executemany"


def sqlite_path(parsed: DatabaseURL) -> Path:
    """The absolute path of a named SQLite file: the name Django is given, so it opens exactly
    this file (a relative name starting with ``file:`` would otherwise be read as a URI)."""
    return Path(os.path.abspath(Path(str(parsed.config["NAME"])).expanduser()))


def read_only_uri(path: Path) -> str:
    """A ``file:`` URI for exactly ``path``: ``#``, ``?``, ``%`` and the rest percent-encoded,
    so SQLite cannot read part of the name as a query or fragment; ``mode=ro`` creates nothing."""
    return "file://" + quote(os.fsencode(os.path.abspath(path)), safe="/") + "?mode=ro"


def user_tables(path: Path) -> list[str]:
    """Tables in an SQLite file (SQLite's own bookkeeping tables left out); writes nothing."""
    with contextlib.closing(sqlite3.connect(read_only_uri(path), uri=True)) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return [row[0] for row in rows]


SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite_file(parsed: DatabaseURL, path: Path) -> None:
    """Refuse a path that cannot be roadbench's SQLite file, before connecting (so ``doctor``
    and ``run`` agree): a directory, a device (/dev/null), a pseudo-file (/proc), a file that is
    not SQLite, a directory roadbench cannot write in (SQLite writes its journal there)."""
    problem = None
    if path.is_symlink() and not path.exists():
        problem = f"is a symbolic link to {os.readlink(path)}, which does not exist"
    elif path.is_dir():
        problem = "names a directory, not an SQLite file"
    elif not path.parent.is_dir():
        problem = f"directory {path.parent} does not exist"
    elif path.exists() and not path.is_file():
        problem = "names a device or special file, not an SQLite file"
    elif path.exists():
        try:
            with path.open("rb") as file:
                head = file.read(len(SQLITE_HEADER))
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror})"
        else:
            if head and head != SQLITE_HEADER:
                problem = "is not an SQLite database"
            elif not os.access(path, os.R_OK | os.W_OK):
                problem = "is not writable"
    if problem is None:
        # A file of roadbench's own, made and removed at once: the only sure test of writing.
        probe = path.parent / f".{path.name}.{os.getpid()}.roadbench-probe"
        try:
            os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            probe.unlink()
        except OSError as exc:
            problem = f"cannot write in {path.parent} ({exc.strerror})"
    if problem:
        raise BadInput(f"{parsed.masked}: {problem}")


def _claim_sqlite_file(parsed: DatabaseURL, path: Path) -> bool:
    """Check the named file may be used; True if roadbench created it (and so removes it).

    The file is created exclusively, so of two runs naming one new path only the one that
    made it removes it; an existing file is used only if it holds no table at all.
    """
    if parsed.raw and ("?" in parsed.raw or "#" in parsed.raw):
        # The URL would name the file up to the "?" or "#", which is rarely what was meant.
        raise BadInput(
            f"{parsed.masked}: a '?' or '#' in an SQLite URL ends the file name; "
            "if it is part of the name, write it as %3F or %23"
        )
    check_sqlite_file(parsed, path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        return True
    except FileExistsError:
        pass
    except OSError as exc:
        raise BadInput(f"cannot create {path} for {parsed.masked}: {exc.strerror}") from None
    try:
        tables = user_tables(path)
    except sqlite3.DatabaseError as exc:
        raise BadInput(f"{parsed.masked} is not an SQLite database ({exc})") from None
    if tables:
        shown = ", ".join(sorted(tables)[:5])
        raise BadInput(
            f"refusing to use {parsed.masked}: it already holds tables ({shown}); "
            "roadbench only works in an empty file or a new one"
        )
    return False


@contextlib.contextmanager
def throwaway_database(
    parsed: DatabaseURL,
    keep: bool,
    say: Callable[[str], None],
    removal: Removal,
    test_name: str | None = None,
) -> Iterator[BenchDatabase]:
    """``test_name`` is for servers: a project's SQLite test database is the embedded file."""
    temp_dir: str | None = None
    created_file = False
    if parsed.embedded:
        temp_dir = tempfile.mkdtemp(prefix=NAME_PREFIX)
        owned = hold_directory(Path(temp_dir))  # `roadbench cleanup` leaves it while we live
        path = Path(temp_dir) / "roadbench.sqlite3"
    else:
        path = sqlite_path(parsed)
        created_file = _claim_sqlite_file(parsed, path)
    # WAL is the one journal mode kept in the file: a user's file goes back to what it was.
    users_file_was_wal = None if created_file or temp_dir else _is_wal(path)
    config = {**parsed.config, "NAME": str(path), "OPTIONS": {"timeout": CONNECT_TIMEOUT_S}}
    bench = BenchDatabase(parsed, str(path), "file")
    try:
        activate(config)
        try:
            describe_connection(bench)
        except Exception as exc:
            raise DatabaseUnavailable(f"cannot open {parsed.masked}: {exc}") from None
        yield bench
    finally:
        with signals_held():
            # Tables are dropped by ``option_tables``, which drops only those it created.
            deactivate()
            if keep:
                removal.done = f"kept the SQLite database at {path}"
                say(removal.done)
            elif temp_dir is not None:
                shutil.rmtree(temp_dir, ignore_errors=True)
                _removed(
                    removal, Path(temp_dir), "the temporary SQLite file", "`roadbench cleanup`"
                )
            elif created_file:
                for suffix in ("-journal", "-wal", "-shm", ""):
                    with contextlib.suppress(OSError):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
                _removed(removal, path, "the SQLite file", "deleting it by hand")
            else:
                removal.done = f"the SQLite file {path} was left without roadbench's tables"
            if users_file_was_wal is False:
                problem = _leave_wal(path)
                if problem:
                    removal.done += f", in WAL mode ({problem})"
            if temp_dir is not None:
                os.close(owned)


def _is_wal(path: Path) -> bool:
    """Whether the file is in WAL mode: its header's write version (byte 18) is 2; an empty
    file is not. Read from the bytes, so nothing is opened as a database."""
    with path.open("rb") as file:
        header = file.read(20)
    return len(header) == 20 and header[18] == 2


def _leave_wal(path: Path) -> str | None:
    """Set a file put in WAL mode (by --sqlite journal_mode=WAL or the load test's server)
    back to SQLite's default rollback journal; returns what went wrong, if anything."""
    try:
        with contextlib.closing(sqlite3.connect(str(path), timeout=CONNECT_TIMEOUT_S)) as conn:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                conn.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        return str(exc)
    return None


def _removed(removal: Removal, path: Path, what: str, cure: str) -> None:
    if path.exists():
        removal.failed = True
        removal.done = f"could not remove {what} at {path}; {cure} removes it"
    else:
        removal.done = f"{what} was removed"


def describe(connection: Any) -> tuple[str, str]:
    return sqlite3.sqlite_version, f"sqlite3 (Python {platform.python_version()})"


def inspect(parsed: DatabaseURL) -> dict[str, Any]:
    info: dict[str, Any] = {
        "driver": f"sqlite3 (SQLite {sqlite3.sqlite_version})",
        "server_version": sqlite3.sqlite_version,
    }
    if parsed.embedded:
        info["isolation"] = "a new file in a temporary directory, removed at exit"
        return info
    path = sqlite_path(parsed)
    check_sqlite_file(parsed, path)
    if path.exists():
        try:
            tables = user_tables(path)
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{parsed.masked} is not an SQLite database ({exc})") from None
        info["isolation"] = (
            f"refused: {path} holds tables ({', '.join(sorted(tables)[:5])})"
            if tables
            else f"the empty file {path}, left empty"
        )
    else:
        info["isolation"] = f"a new file {path}, removed at exit"
    return info


def leftovers(parsed: DatabaseURL, remove: bool) -> list[Leftover]:
    """None of a server's: an embedded run's temporary directory is one of this machine's
    leftovers, which ``cleanup`` looks for whatever the database (``database.temporary``)."""
    return []


# --- the fast path --------------------------------------------------------------------------


def write_rows(
    cursor: Any, table: str, columns: str, width: int, rows: list[tuple[Any, ...]]
) -> None:
    placeholders = ", ".join(["%s"] * width)
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def reserve_ids(cursor: Any, table: str, pk: str, count: int) -> list[int]:
    # MAX(id) + 1 is what SQLite gives a rowid table without AUTOINCREMENT.
    cursor.execute(f"SELECT COALESCE(MAX({cursor.db.ops.quote_name(pk)}), 0) FROM {table}")
    start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def clear_tables(cursor: Any, tables: Sequence[str]) -> None:
    with transaction.atomic():
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def analyze_tables(cursor: Any, tables: Sequence[str]) -> None:
    """Nothing: SQLite's planner does without statistics here."""


def explain(cursor: Any, sql: str, params: Any, analyze: bool) -> list[str]:
    cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
    return [str(row[-1]) for row in cursor.fetchall()]


def driver_statements(raw: Any, event: str) -> list[str]:
    # sqlite3 sends COMMIT/ROLLBACK only inside a transaction; autocommit is client-side.
    if event in ("COMMIT", "ROLLBACK") and raw.in_transaction:
        return [event]
    return []


# Every foreign key of every table that references one of the given tables (lower-cased: SQLite
# keeps the referenced name as the CREATE TABLE statement spelled it).
_REFERENCES = """
SELECT m.name, f.id, f."from", f."table", f."to"
FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f
WHERE m.type = 'table' AND lower(f."table") IN ({})
ORDER BY m.name, f.id, f.seq
"""


@contextlib.contextmanager
def foreign_keys_checked_once(connection: Any, tables: Sequence[str]) -> Iterator[None]:
    """``PRAGMA foreign_keys=OFF`` (it only takes outside a transaction), the transaction,
    ``PRAGMA foreign_key_check(<table>)`` for each table referencing ``tables`` before the
    commit, and foreign keys back on whatever happened."""
    from django.db import IntegrityError

    if not connection.disable_constraint_checking():
        raise Unsupported(
            "SQLite turns foreign keys off only outside a transaction: run "
            "delete-mti-fk-once outside transaction.atomic()"
        )
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(_REFERENCES.format(placeholders), [t.lower() for t in tables])
            keys: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
            for table, key, column, parent, parent_column in cursor.fetchall():
                keys.setdefault((table, key), []).append((column, parent, parent_column))
            yield
            for table in sorted({table for table, _ in keys}):
                cursor.execute(f"PRAGMA foreign_key_check({connection.ops.quote_name(table)})")
                failed = cursor.fetchone()
                if failed is not None:
                    _, rowid, parent, key = failed
                    columns = keys.get((table, key), [("?", parent, "?")])
                    raise IntegrityError(
                        f"foreign key {table}({', '.join(c for c, _, _ in columns)}) -> "
                        f"{parent}({', '.join(p for _, _, p in columns)}) fails when checked "
                        f"once before commit: row {rowid} of {table} references a {parent} "
                        "row that is gone; rolled back, nothing deleted"
                    )
    finally:
        connection.enable_constraint_checking()
