"""roadbench's temporary directories: marked and held at creation, so that ``roadbench cleanup``
removes what a killed process left there, and nothing else.

Each one is made by ``tempfile.mkdtemp`` in ``tempfile.gettempdir()`` with a ``roadbench``
prefix (``roadbench_`` for an embedded SQLite run, ``roadbench_load_`` for a load test,
``roadbench-callgrind-`` for ``--instructions``, ``roadbench_rows_`` for the rows files of
MySQL's ``LOAD DATA``) and gets, before anything is written in it, ``roadbench.lock``: the mark
(``ownership.directory_mark``) under an ``flock`` its process holds until it removes the
directory or dies. A leftover is a marked directory whose lock is free.

A process killed in the instant between ``mkdtemp`` and the mark leaves an empty, unmarked
directory: it is not roadbench's as far as cleanup can tell, so it stays (it holds nothing).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from roadbench.database.backend import Leftover
from roadbench.database.ownership import LOCK_FILE, claim_directory, hold_directory

PREFIX = "roadbench"
SQLITE_FILE = "roadbench.sqlite3"  # an embedded run's database, in its directory


def make_directory(prefix: str) -> tuple[Path, int]:
    """A new marked directory, and the descriptor whose lock says its owner lives."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return directory, hold_directory(directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


@contextlib.contextmanager
def owned_directory(prefix: str) -> Iterator[Path]:
    """A marked temporary directory for the block, removed after it (the lock last)."""
    directory, held = make_directory(prefix)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        os.close(held)


_scratch: dict[int, Path] = {}  # this process's rows directory, by pid (a fork makes its own)


def scratch_directory() -> Path:
    """This process's marked directory for short-lived files (the rows ``LOAD DATA`` reads):
    made on first use, removed when the process exits; ``roadbench cleanup`` removes it after
    a SIGKILL."""
    pid = os.getpid()
    if pid not in _scratch:
        directory, held = make_directory(f"{PREFIX}_rows_")
        _scratch[pid] = directory
        atexit.register(_remove_scratch, pid, directory, held)
    return _scratch[pid]


def _remove_scratch(pid: int, directory: Path, held: int) -> None:
    if os.getpid() == pid:  # never a parent's, from a forked child
        shutil.rmtree(directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(held)


def leftovers(remove: bool) -> list[Leftover]:
    """The marked ``roadbench*`` directories in the temporary directory whose owner is gone,
    with what each holds; removed with ``remove``, while holding their lock."""
    found = []
    for directory in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        if directory.is_symlink() or not directory.is_dir():
            continue
        fd = claim_directory(directory)
        if fd is None:
            continue  # a live process's, or not roadbench's
        try:
            item = Leftover("directory", str(directory), "would be removed")
            item.holds, item.tables = _contents(directory)
            if remove:
                try:
                    shutil.rmtree(directory)
                    item.status = "removed"
                except OSError as exc:
                    item.status = f"not removed: {exc.strerror or exc}"
            found.append(item)
        finally:
            os.close(fd)
    return found


def _contents(directory: Path) -> tuple[str, dict[str, int] | None]:
    """What a leftover directory holds: its files and bytes, and an embedded run's tables."""
    files = [p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()]
    files = [p for p in files if p != directory / LOCK_FILE]

    size = sum(p.stat().st_size for p in files)
    holds = f"{len(files)} file{'' if len(files) == 1 else 's'}, {byte_size(size)}"
    database = directory / SQLITE_FILE
    if not database.is_file() or database.is_symlink():
        return holds, None
    tables = sqlite_tables(database)
    if tables is None:
        return holds, None
    return f"{holds}; {tables_summary(tables)}", tables


def sqlite_tables(path: Path) -> dict[str, int] | None:
    """Each table of an SQLite file and its rows, read-only; None if it cannot be read."""
    from roadbench.database.sqlite import read_only_uri

    try:
        with contextlib.closing(sqlite3.connect(read_only_uri(path), uri=True)) as conn:
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
            return {
                name: int(conn.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0])
                for name in names
            }
    except sqlite3.Error:
        return None


def tables_summary(tables: dict[str, int]) -> str:
    """``3 tables, 3,000 rows``, or ``no tables``."""
    if not tables:
        return "no tables"
    rows = sum(tables.values())
    return (
        f"{len(tables)} table{'' if len(tables) == 1 else 's'}, "
        f"{rows:,} row{'' if rows == 1 else 's'}"
    )


def byte_size(size: int) -> str:
    """``512 B``, ``6.8 KiB``, ``1.0 MiB``: as render.console.byte_size (which sits a layer up)."""
    if size < 1024:
        return f"{size:,} B"
    for power, unit in ((1, "KiB"), (2, "MiB"), (3, "GiB")):
        shown = round(size / 1024**power, 1)
        if shown < 1024 or unit == "GiB":
            return f"{shown:,.1f} {unit}"
    raise AssertionError("unreachable")
