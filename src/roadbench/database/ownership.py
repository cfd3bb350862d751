"""Which run owns a throwaway database: a live run holds a lock on it for its whole life.

PostgreSQL: a session-level advisory lock, taken on the run's admin connection before its
``CREATE DATABASE`` (or ``CREATE SCHEMA``) and held until that connection closes, after the
drop, or when the process dies (SIGKILL and a crash included: the server ends the session).
The key is the two-integer form ``pg_try_advisory_lock(1919901028, crc32(name))``, the crc32
of the UTF-8 name read as a signed 32-bit integer; 1919901028 is "road" in ASCII. A key pair
lives in another space than a single bigint key (``objsubid`` 2 in ``pg_locks``), so an
application's own advisory locks cannot be mistaken for roadbench's. A database or schema whose
lock nobody holds, in any database of the server, belongs to no live run: a leftover.

A temporary directory (embedded SQLite's, load's, callgrind's, the rows files'): an exclusive
``flock`` on ``roadbench.lock`` in it, held by the process that made it (and released by the
kernel when it dies). The file holds the mark, ``directory_mark``: roadbench's words and the
directory's own name, so a directory of that name that roadbench did not make, or a copy of
one under another name, is never taken for a leftover.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path
from typing import Any

LOCK_CLASS = 0x726F6164  # "road"
LOCK_FILE = "roadbench.lock"


def lock_key(name: str) -> tuple[int, int]:
    """The advisory lock key pair of a database or schema name, as two signed int4."""
    crc = zlib.crc32(name.encode())
    return LOCK_CLASS, crc - (1 << 32) if crc >= 1 << 31 else crc


def take_lock(conn: Any, name: str) -> bool:
    """Take ``name``'s lock on this session (False if another session holds it)."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s::int4, %s::int4)", lock_key(name))
        return bool(cur.fetchone()[0])


def lock_held(cur: Any, name: str) -> bool:
    """Whether any session, connected to any database of the server, holds ``name``'s lock."""
    # pg_locks shows the two keys as oids, that is unsigned.
    classid, objid = (key & 0xFFFFFFFF for key in lock_key(name))
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 2)",
        [classid, objid],
    )
    return bool(cur.fetchone()[0])


def directory_mark(directory: Path) -> bytes:
    """What ``roadbench.lock`` holds in a temporary directory roadbench made."""
    return f"roadbench temporary directory {directory.name}\n".encode()


def hold_directory(directory: Path) -> int:
    """Mark a temporary directory as roadbench's and owned: returns the descriptor that holds
    the lock.

    The lock is taken, and the mark written, on a file of another name that is then renamed,
    so ``roadbench.lock`` is never there unlocked or unmarked while its owner lives.
    """
    pending = directory / f".{LOCK_FILE}.{os.getpid()}"
    fd = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, directory_mark(directory))
    os.rename(pending, directory / LOCK_FILE)
    return fd


def directory_marked(directory: Path) -> bool:
    """Whether ``directory`` carries roadbench's mark (whoever holds it)."""
    try:
        with (directory / LOCK_FILE).open("rb") as file:
            return file.read(4096) == directory_mark(directory)
    except OSError:
        return False


def claim_directory(directory: Path) -> int | None:
    """The locked descriptor of a marked roadbench directory no live process holds, else None."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None  # not roadbench's directory (or already gone)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None  # its owner lives
    if os.read(fd, 4096) != directory_mark(directory):
        os.close(fd)
        return None
    return fd
