"""The event loop roadbench runs async methods on, and the thread Django's async ORM uses.

Django's async ORM (``acreate``, ``aiterator``, ...) runs each query through asgiref's
``sync_to_async(thread_sensitive=True)``. With the event loop in the main thread and no
``async_to_sync`` above it, as under an ASGI server, that is asgiref's one shared executor
thread: every call hops to it and back. ``django.db.connections`` is thread-local, so that
thread has a connection of its own, opened at its first query and kept, as the main thread's
is: whatever is set on a connection (counting's execute wrapper) is set on that thread's, and
a session closes it before its database is dropped (``forget_connection``).

One loop is made on first use and reused for every value (see docs/async.md for what
``asyncio.run`` per value would add: a new loop, its default executor shut down, a fixed
cost of the event loop that no ORM call pays under a server).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
# What the session sets on each connection it uses (SQLite's --sqlite settings), for the ORM
# thread's too when it opens; forgotten with the session's connections.
_setups: list[Callable[[], None]] = []


def event_loop() -> asyncio.AbstractEventLoop:
    """The loop async methods run on; made here, outside any timer, on first use."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


def started() -> bool:
    return _loop is not None and not _loop.is_closed()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on roadbench's loop (from the main thread)."""
    return event_loop().run_until_complete(coroutine)


def call(function: Callable[[], T]) -> T:
    """Run ``function`` in the thread the async ORM runs its queries in."""
    from asgiref.sync import sync_to_async

    return run(sync_to_async(function, thread_sensitive=True)())


def connect() -> None:
    """The loop, and the ORM thread's connection opened (untimed, before a method's values:
    the main thread's is open too, and opening one sends statements of its own)."""
    from django.db import connection

    def open_here() -> None:
        # Looked up in this thread: ``connection`` stands for the calling thread's own.
        if connection.connection is None:
            connection.ensure_connection()
            for setup in _setups:
                setup()

    call(open_here)


def on_connect(setup: Callable[[], None]) -> None:
    """Run ``setup`` on the ORM thread's connection when it opens (in the current session)."""
    _setups.append(setup)


def forget_connection() -> None:
    """Close the ORM thread's default connection and forget it, as the main thread's is when
    a session ends: the next session's settings (another database) are read afresh, and a
    server's throwaway database has no session left on it when it is dropped."""
    _setups.clear()
    if not started():
        return
    from django.db import DEFAULT_DB_ALIAS, connections

    def close() -> None:
        with contextlib.suppress(AttributeError):  # none was made in this thread
            connections[DEFAULT_DB_ALIAS].close()
            del connections[DEFAULT_DB_ALIAS]

    call(close)
