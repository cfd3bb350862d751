"""Exact query counts, at any scale, in a pass of their own (never inside a timed value).

Django's ``CaptureQueriesContext`` stops at 9,000 queries (the ``queries_log`` cap), so the
count comes from ``connection.execute_wrapper``, which sees every statement at any scale.
COMMIT and ROLLBACK of ``transaction.atomic`` go straight to the driver, bypassing the
wrappers, so they are counted where Django issues them.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

KINDS = ("select", "insert", "update", "delete", "transaction", "savepoint", "other")

_FIRST_WORD = re.compile(r"\s*\(?\s*([A-Za-z]+)")


def statement_kind(sql: str) -> str:
    match = _FIRST_WORD.match(sql)
    word = match.group(1).upper() if match else ""
    if word in ("SELECT", "WITH"):
        return "select"
    if word in ("INSERT", "COPY"):
        return "insert"
    if word in ("UPDATE", "DELETE"):
        return word.lower()
    if word in ("BEGIN", "COMMIT", "END", "START"):
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
    """What one pass sent: statements by kind (an executemany counts once per parameter set)."""

    by_kind: Counter[str] = field(default_factory=Counter)
    captured: list[CapturedQuery] = field(default_factory=list)
    # Time spent inside the driver's execute calls: the time waiting on the database.
    database_s: float = 0.0

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
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            result.database_s += elapsed
            if capture:
                result.captured.append(CapturedQuery(sql, params, n, elapsed))

    commit, rollback = connection._commit, connection._rollback

    def counted(real: Callable[[], None], sql: str) -> Callable[[], None]:
        def call() -> None:
            # Like the driver, only a transaction that is open sends anything.
            if connection.connection is not None and _in_transaction(connection):
                # psycopg2 opened this transaction with a BEGIN the wrappers never saw.
                statements = ["BEGIN", sql] if connection.vendor == "postgresql" else [sql]
                result.by_kind["transaction"] += len(statements)
                if capture:
                    result.captured.extend(CapturedQuery(s, None, 1, 0.0) for s in statements)
            real()

        return call

    connection._commit = counted(commit, "COMMIT")
    connection._rollback = counted(rollback, "ROLLBACK")
    try:
        with connection.execute_wrapper(wrapper):
            yield result
    finally:
        del connection._commit
        del connection._rollback


def _in_transaction(connection: Any) -> bool:
    raw = connection.connection
    if connection.vendor == "sqlite":
        return bool(raw.in_transaction)
    if connection.vendor == "postgresql":
        import psycopg2.extensions as ext

        return raw.info.transaction_status != ext.TRANSACTION_STATUS_IDLE
    return True
