from __future__ import annotations

import pytest
from django.db import connection

from roadbench.counting import statement_kind
from roadbench.models import get_option


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", "select"),
        ('  (SELECT "a" FROM t) UNION (SELECT "b" FROM u)', "select"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "select"),
        ('INSERT INTO "t" VALUES (1)', "insert"),
        ('COPY "t" ("a") FROM STDIN', "insert"),
        ('UPDATE "t" SET a = 1', "update"),
        ('DELETE FROM "t"', "delete"),
        ("BEGIN", "transaction"),
        ("COMMIT", "transaction"),
        ("ROLLBACK", "transaction"),
        ('SAVEPOINT "s1_x"', "savepoint"),
        ('RELEASE SAVEPOINT "s1_x"', "savepoint"),
        ('ROLLBACK TO SAVEPOINT "s1_x"', "savepoint"),
        ("PRAGMA foreign_keys", "other"),
    ],
)
def test_statement_kind(sql, kind):
    assert statement_kind(sql) == kind


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("option", "op", "method"),
    [
        (3, "create", "save"),
        (3, "create", "atomic"),
        (1, "create", "bulk"),
        (3, "create", "bulk-mti"),
        (2, "modify", "bulk_update"),
        (3, "modify", "update"),
        (3, "delete", "queryset"),
        (3, "select", "objects"),
    ],
)
def test_counts_match_what_sqlite_received(bench, option, op, method):
    """SQLite's own trace hook sees every statement it runs: the counts must agree."""
    from roadbench.counting import count_queries
    from roadbench.measure import TableState
    from roadbench.ops import get_op

    road_option = get_option(option)
    operation = get_op(op)
    TableState().prepare(road_option, operation.needs, 20)
    received: list[str] = []
    connection.connection.set_trace_callback(received.append)
    try:
        with count_queries() as counted:
            affected = operation.method(method).run(road_option, 20)
    finally:
        connection.connection.set_trace_callback(None)
    operation.verify(road_option, 20, affected)
    kinds: dict[str, int] = {}
    for statement in received:
        kinds[statement_kind(statement)] = kinds.get(statement_kind(statement), 0) + 1
    assert kinds == {k: v for k, v in counted.by_kind.items() if v}
    assert len(received) == counted.total
