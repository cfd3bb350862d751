"""Small helpers shared by the tests: reading what is really in the tables, and the signal
dispositions of a child a test signals."""

from __future__ import annotations

import signal
from typing import Any

from django.db import connection

from roadbench.designs.base import RoadOption

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def default_stop_signals() -> None:
    """``preexec_fn`` for a child a test will signal: Ctrl-C, SIGTERM and SIGHUP at their
    defaults, as in a terminal. A suite started by a shell that ignores SIGINT (a background
    job, ``nohup``) passes that ignore on, and roadbench rightly keeps an inherited one."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def transaction_statements() -> int:
    """What one transaction.atomic() sends beside its own statements: BEGIN and COMMIT, or on
    MySQL/MariaDB ``SET autocommit=0``, COMMIT and ``SET autocommit=1`` (mysqlclient)."""
    return 3 if connection.vendor == "mysql" else 2


def table_rows(table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)} ORDER BY 1")
        return [tuple(row) for row in cur.fetchall()]


def option_contents(option: RoadOption) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows without ids: what a road is, independent of how it was written."""
    contents = {}
    for model in option.models:
        fields = [
            f.column
            for f in model._meta.local_concrete_fields
            if not f.primary_key and not f.is_relation
        ]
        contents[model._meta.db_table] = sorted(table_rows(model._meta.db_table, fields), key=repr)
    return contents


def road_values(option: RoadOption, road_type: str) -> list[tuple[Any, ...]]:
    """Each road of a type as the ORM reads it (joined to its parent on option 3), no ids."""
    from roadbench.ops.select import columns

    columns = [option.path(road_type, c) for c in columns(option.study, road_type) if c != "id"]
    rows = option.queryset(road_type).values_list(*columns)
    # Numbers as the data module has them, whichever column type the design stores them in.
    return sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)


def _plain(value: Any) -> Any:
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


def run_counted(option: RoadOption, op_name: str, method_name: str, rows: int) -> Any:
    """Prepare like a timed value, run once inside the query counter, verify; return both."""
    from roadbench.measuring.measure import TableState, count_case
    from roadbench.ops import get_op

    op = get_op(op_name)
    counted, affected = count_case(
        option, op, op.method(method_name), rows, TableState(), capture=True
    )
    return affected, counted
