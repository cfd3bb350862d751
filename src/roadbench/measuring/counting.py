"""Exact query counts, at any scale, in a pass of their own (never inside a timed value).

Django's ``CaptureQueriesContext`` stops at 9,000 queries (the ``queries_log`` cap), so the
count comes from ``connection.execute_wrapper``, which sees every statement at any scale.
Two kinds of statement go straight from the driver to the server, bypassing the wrappers,
and are counted where Django issues them: the COMMIT and ROLLBACK of ``transaction.atomic``
(and on PostgreSQL the BEGIN the driver sent before the transaction's first statement), and
the FETCH and CLOSE of a server-side cursor (``QuerySet.iterator()`` on PostgreSQL), and on
MySQL/MariaDB the ``SET autocommit=0`` and ``=1`` mysqlclient sends around each transaction.

Kinds: a server-side cursor's DECLARE (its SELECT) and each FETCH are ``select`` (each FETCH is
a round trip that reads rows); its CLOSE is ``other``. COPY and LOAD DATA are ``insert``;
``SET autocommit`` is ``transaction`` (on MySQL it begins and ends them).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from roadbench.database.backend import current_backend
from roadbench.database.django_internals import (
    autocommit_switches_seen,
    driver_connection,
    server_cursor_statements,
    transaction_ends_seen,
)
from roadbench.measuring.fingerprints import ShapeTally

KINDS = ("select", "insert", "update", "delete", "transaction", "savepoint", "other")

_FIRST_WORD = re.compile(r"\s*\(?\s*([A-Za-z]+)")
_AUTOCOMMIT = re.compile(r"\s*SET\s+autocommit\s*=", re.I)


def statement_kind(sql: str) -> str:
    match = _FIRST_WORD.match(sql)
    word = match.group(1).upper() if match else ""
    if word in ("SELECT", "WITH", "DECLARE", "FETCH"):
        return "select"
    if word in ("INSERT", "COPY", "LOAD"):
        return "insert"
    if word in ("UPDATE", "DELETE"):
        return word.lower()
    if word in ("BEGIN", "COMMIT", "END", "START"):
        return "transaction"
    if word == "SET" and _AUTOCOMMIT.match(sql):
        return "transaction"
    if word in ("SAVEPOINT", "RELEASE"):
        return "savepoint"
    if word == "ROLLBACK":
        return "savepoint" if re.match(r"\s*ROLLBACK\s+TO\b", sql, re.I) else "transaction"
    return "other"


@dataclass
class CapturedQuery:
    sql: str
    params: Any
    many: int
    duration_s: float


@dataclass
class QueryCount:
    """What one pass sent: statements by kind and by shape (an executemany counts once per
    parameter set)."""

    by_kind: Counter[str] = field(default_factory=Counter)
    shapes: ShapeTally = field(default_factory=ShapeTally)
    captured: list[CapturedQuery] = field(default_factory=list)
    # Time spent inside the driver's execute calls: the time waiting on the database.
    database_s: float = 0.0
    # An async method's calls that hopped to the ORM's thread and back (None: a sync method).
    thread_hops: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def as_dict(self) -> dict[str, int]:
        return {kind: self.by_kind.get(kind, 0) for kind in KINDS}


@contextlib.contextmanager
def count_queries(capture: bool = False) -> Iterator[QueryCount]:
    """Count (and with ``capture`` keep) every statement sent on the default connection."""
    from django.db import connection

    result = QueryCount()

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        n = len(params) if many and isinstance(params, (list, tuple)) else 1
        result.by_kind[statement_kind(sql)] += n
        result.shapes.add(sql, n)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            result.database_s += elapsed
            if capture:
                result.captured.append(CapturedQuery(sql, params, n, elapsed))

    def transaction_end(sql: str) -> None:
        # What the driver sends by itself: only inside an open transaction on SQLite and
        # PostgreSQL (there with the BEGIN it sent first), always on MySQL.
        raw = driver_connection(connection)
        if raw is not None:
            for statement in current_backend().driver_statements(raw, sql):
                sent_by_driver(statement)

    def autocommit_switch(on: bool) -> None:
        raw = driver_connection(connection)
        if raw is not None:
            event = f"autocommit={int(on)}"
            for statement in current_backend().driver_statements(raw, event):
                sent_by_driver(statement)

    def sent_by_driver(sql: str, seconds: float = 0.0) -> None:
        result.by_kind[statement_kind(sql)] += 1
        result.shapes.add(sql)
        result.database_s += seconds
        if capture:
            result.captured.append(CapturedQuery(sql, None, 1, seconds))

    with (
        autocommit_switches_seen(connection, autocommit_switch),
        transaction_ends_seen(connection, transaction_end),
        server_cursor_statements(connection, sent_by_driver),
        connection.execute_wrapper(wrapper),
    ):
        yield result


@contextlib.contextmanager
def count_method_queries(method: Any, capture: bool = False) -> Iterator[QueryCount]:
    """``count_queries`` for a method: an async method's statements are sent by the thread
    Django's async ORM runs them in, whose connection is its own (connections are
    thread-local), so they are counted there too, beside the main thread's, and its calls
    that hop to that thread are counted."""
    if getattr(method, "arun", None) is None:
        with count_queries(capture) as counted:
            yield counted
        return
    from roadbench.database import orm_thread

    total = QueryCount(thread_hops=0)
    on_orm_thread = contextlib.ExitStack()
    with count_queries(capture) as main:
        orm = orm_thread.call(lambda: on_orm_thread.enter_context(count_queries(capture)))
        try:
            with thread_hops_seen(total):
                yield total
        finally:
            orm_thread.call(on_orm_thread.close)
    for part in (main, orm):
        total.by_kind.update(part.by_kind)
        total.captured.extend(part.captured)
        total.database_s += part.database_s
        total.shapes.counts.update(part.shapes.counts)


@contextlib.contextmanager
def thread_hops_seen(counted: QueryCount) -> Iterator[None]:
    """Count each ``sync_to_async`` call (Django's async ORM makes one per awaited call)."""
    from asgiref.sync import SyncToAsync

    original = SyncToAsync.__call__

    async def hop(self: Any, *args: Any, **kwargs: Any) -> Any:
        counted.thread_hops = (counted.thread_hops or 0) + 1
        return await original(self, *args, **kwargs)

    SyncToAsync.__call__ = hop  # type: ignore[method-assign]
    try:
        yield
    finally:
        SyncToAsync.__call__ = original  # type: ignore[method-assign]
