"""roadbench's query counts against what the database itself received, for every method.

SQLite: sqlite3's trace callback sees each statement SQLite runs. PostgreSQL: the server's own
``pg_stat_statements`` (``.ci/run`` preloads it and creates the extension in the database of
the test URL); without it these tests skip, and under ``CI=true`` they fail. With whichever
driver Django uses: psycopg2 on the first CI stack, psycopg 3 on the second.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from roadbench.database import orm_thread
from roadbench.designs import OPTIONS, get_option
from roadbench.designs.base import RoadOption
from roadbench.measuring.counting import count_method_queries, statement_kind
from roadbench.measuring.measure import TableState, finish_value, prepare_value
from roadbench.ops import OPS
from roadbench.ops.base import Method, Operation
from tests.conftest import admin_cursor

EVERY_METHOD = [(op.name, method) for op in OPS.values() for method in op.methods]
ROWS = 20


def supported_option(method: Method) -> RoadOption:
    """Multi-table inheritance where the method runs on it (the most statements), else 1."""
    reasons = set()
    for number in (3, *OPTIONS):
        reason = method.unsupported_reason(get_option(number))
        if reason is None:
            return get_option(number)
        reasons.add(reason)
    if any("needs Django" in reason for reason in reasons):
        pytest.skip(f"{method.name}: {' '.join(sorted(reasons))}")
    pytest.fail(f"method {method.name} runs on no option")


def run_between(
    option: RoadOption, op: Operation, method: Method, rows: int, before: Any, after: Any
) -> tuple[dict[str, int], Any, Any]:
    """Prepare (untimed), then ``before()``, the counted run, ``after()``, then verify."""
    state = TableState()
    prepare_value(option, op, method, rows, state)
    start = before()
    with count_method_queries(method) as counted:
        affected = method.run(option, rows)
    end = after()
    finish_value(option, op, method, rows, state, affected)
    return {k: v for k, v in counted.by_kind.items() if v}, start, end


def on_sending_threads(method: Method, action: Any) -> list[Any]:
    """``action()`` on the main thread and, for an async method, in the thread Django's async
    ORM sends its statements from (its connection is another: connections are thread-local)."""
    done = [action()]
    if method.arun is not None:
        done.append(orm_thread.call(action))
    return done


def by_kind(statements: Counter[str]) -> dict[str, int]:
    kinds: Counter[str] = Counter()
    for sql, calls in statements.items():
        kinds[statement_kind(sql)] += calls
    return {k: v for k, v in kinds.items() if v}


# --- SQLite ---------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("op", "method"), EVERY_METHOD)
def test_counts_match_what_sqlite_ran(bench, op, method):
    operation = OPS[op]
    chosen = operation.method(method)
    received: Counter[str] = Counter()

    def trace(statement: str) -> None:
        # SQLite also reports, as "-- ..." comments, the programs a statement runs inside
        # itself (a trigger, each table of a pragma table-valued function): not statements
        # the client sent, so not ones roadbench can or should count.
        if not statement.startswith("-- "):
            received[statement] += 1

    def trace_on(callback: Any) -> Any:
        def set_trace() -> None:
            connection.ensure_connection()
            connection.connection.set_trace_callback(callback)

        return set_trace

    def start() -> None:
        on_sending_threads(chosen, trace_on(trace))

    def stop() -> None:
        on_sending_threads(chosen, trace_on(None))

    counted, _, _ = run_between(supported_option(chosen), operation, chosen, ROWS, start, stop)
    assert counted == by_kind(received)


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def server_statements(postgres_url: str) -> Any:
    """A function: the statements the server ran in one database so far, with their calls."""
    with admin_cursor(postgres_url) as cur:
        try:
            cur.execute("SELECT count(*) FROM pg_stat_statements")
        except Exception as exc:
            problem = str(exc).strip().splitlines()[0]
            message = (
                f"pg_stat_statements is not available on the test server ({problem}); "
                "bash .ci/run enables it"
            )
            if os.environ.get("CI") == "true":
                pytest.fail(message + "; under CI=true this is a failure, not a skip")
            pytest.skip(message)

        def statements(database: str) -> tuple[Counter[str], int]:
            cur.execute(
                "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d "
                "ON d.oid = s.dbid WHERE d.datname = %s AND s.toplevel",
                [database],
            )
            ran: Counter[str] = Counter()
            for query, calls in cur.fetchall():
                ran[query] += calls
            cur.execute("SELECT dealloc FROM pg_stat_statements_info")
            return ran, cur.fetchone()[0]

        yield statements


# The server's own foreign-key checks (RI triggers, e.g. ``SELECT 1 FROM ONLY "parent" x WHERE
# "id" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x``): pg_stat_statements records them as
# statements of their own, but no client sent them, so they are no part of the query count.
FOREIGN_KEY_CHECK = re.compile(
    r'^SELECT .* FROM ONLY "[^"]+"\."[^"]+" x WHERE .*FOR KEY SHARE OF x$'
)


def server_ran(server_statements: Any, database: str, start: Any, end: Any) -> Counter[str]:
    """What clients sent between two snapshots."""
    (before, evicted_before), (after, evicted_after) = start, end
    assert evicted_after == evicted_before, (
        "pg_stat_statements evicted entries during the test: raise pg_stat_statements.max"
    )
    ran = after - before
    return Counter({sql: n for sql, n in ran.items() if not FOREIGN_KEY_CHECK.match(sql)})


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize(("op", "method"), EVERY_METHOD)
def test_counts_match_what_postgresql_received(bench, server_statements, op, method):
    operation = OPS[op]
    chosen = operation.method(method)

    def snapshot() -> Any:
        return server_statements(bench.name)

    counted, start, end = run_between(
        supported_option(chosen), operation, chosen, ROWS, snapshot, snapshot
    )
    ran = server_ran(server_statements, bench.name, start, end)
    assert counted == by_kind(ran), ran


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_iterator_counts_every_declare_fetch_and_close(bench, server_statements):
    """20,000 roads, four filters, chunks of 2,000: what the server received, statement by
    statement (DECLARE and FETCH are selects, CLOSE is other)."""
    operation = OPS["select"]
    chosen = operation.method("iterator")

    def snapshot() -> Any:
        return server_statements(bench.name)

    counted, start, end = run_between(get_option(1), operation, chosen, 20_000, snapshot, snapshot)
    ran = server_ran(server_statements, bench.name, start, end)
    first_words = Counter()
    for sql, calls in ran.items():
        first_words[sql.split()[0].upper()] += calls
    assert first_words == {"DECLARE": 4, "FETCH": 16, "CLOSE": 4}
    assert counted == {"select": 20, "other": 4}
