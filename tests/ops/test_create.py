from __future__ import annotations

import pytest

from roadbench.database.fastpath import count_rows
from roadbench.designs import OPTIONS, get_option
from roadbench.designs.roads.data import FREEWAY, TOLLROAD
from roadbench.measuring.measure import TableState
from roadbench.ops import get_op
from roadbench.ops.create import bulk_unsupported
from tests.helpers import road_values, run_counted, transaction_statements

ROWS = 50


@pytest.mark.parametrize("option", [1, 2, 3])
@pytest.mark.parametrize("method", ["save", "atomic", "raw"])
def test_every_method_writes_the_roads(bench, option, method):
    road_option = get_option(option)
    affected, _ = run_counted(road_option, "create", method, ROWS)
    assert affected == ROWS
    counts = count_rows(road_option)
    per_road = 2 if option == 3 else 1
    assert sum(counts.values()) == per_road * ROWS
    assert len(road_values(road_option, FREEWAY)) == 25
    assert len(road_values(road_option, TOLLROAD)) == 25


@pytest.mark.parametrize(("option", "inserts"), [(1, 50), (2, 50), (3, 100)])
def test_save_sends_one_insert_per_table_row(bench, option, inserts):
    _, counted = run_counted(get_option(option), "create", "save", ROWS)
    assert counted.by_kind["insert"] == inserts
    assert counted.by_kind["select"] == 0
    # Multi-table inheritance wraps each save in its own transaction; the others autocommit.
    transactions = transaction_statements() * ROWS if option == 3 else 0
    assert counted.by_kind["transaction"] == transactions


@pytest.mark.parametrize(("option", "inserts"), [(1, 50), (2, 50), (3, 100)])
def test_atomic_runs_inside_one_transaction(bench, option, inserts):
    _, counted = run_counted(get_option(option), "create", "atomic", ROWS)
    assert counted.by_kind["insert"] == inserts
    assert counted.by_kind["transaction"] == transaction_statements()  # one transaction
    # Django opens option 3's per-save atomic with savepoint=False: no savepoints either.
    assert counted.by_kind["savepoint"] == 0


@pytest.mark.parametrize("option", [1, 2])
def test_bulk_batches_inserts(bench, option):
    _, counted = run_counted(get_option(option), "create", "bulk", 2500)
    # 1,250 of each type in batches of 1,000: two INSERTs per type (SQLite may split further).
    assert counted.by_kind["insert"] >= 4
    assert counted.by_kind["insert"] < 2500 / 100


def test_bulk_is_unsupported_on_multi_table_inheritance_with_djangos_reason(bench):
    reason = bulk_unsupported(OPTIONS[3])
    assert reason == "Django: Can't bulk create a multi-table inherited model"
    assert bulk_unsupported(OPTIONS[1]) is None
    assert bulk_unsupported(OPTIONS[2]) is None


def test_bulk_mti_is_only_for_option_3(bench):
    method = get_op("create").method("bulk-mti")
    assert method.unsupported_reason(OPTIONS[3]) is None
    assert "option 1" in (method.unsupported_reason(OPTIONS[1]) or "")
    assert method.technique == "roadbench"


def test_bulk_mti_sends_a_few_batched_inserts(bench):
    _, counted = run_counted(OPTIONS[3], "create", "bulk-mti", 2500)
    # Per type: 2 parent INSERT batches + 2 child INSERT batches (SQLite may split parents).
    assert 8 <= counted.by_kind["insert"] < 30
    assert counted.by_kind["transaction"] == transaction_statements()


@pytest.mark.parametrize("option", [1, 2, 3])
def test_raw_and_bulk_write_exactly_the_rows_save_writes(bench, option):
    road_option = get_option(option)
    methods = ["raw", "bulk-mti" if option == 3 else "bulk"]
    run_counted(road_option, "create", "save", ROWS)
    expected = {t: road_values(road_option, t) for t in (FREEWAY, TOLLROAD)}
    tables = count_rows(road_option)
    for method in methods:
        TableState().prepare(road_option, "empty", ROWS)
        run_counted(road_option, "create", method, ROWS)
        assert {t: road_values(road_option, t) for t in (FREEWAY, TOLLROAD)} == expected, method
        assert count_rows(road_option) == tables, method


def test_raw_uses_copy_on_postgresql_and_executemany_on_sqlite(bench):
    _, counted = run_counted(OPTIONS[3], "create", "raw", ROWS)
    statements = [q.sql.split()[0].upper() for q in counted.captured]
    if bench.vendor == "postgresql":
        # Parents then children, per type: four COPY statements.
        assert statements.count("COPY") == 4
        assert counted.by_kind["insert"] == 4
    elif bench.vendor == "mysql":
        # The server here allows LOAD DATA LOCAL INFILE (MariaDB's default): four of them.
        assert statements.count("LOAD") == 4
        assert counted.by_kind["insert"] == 4
    else:
        assert statements.count("INSERT") == 4  # four executemany calls ...
        assert counted.by_kind["insert"] == 2 * ROWS  # ... of one statement per row
