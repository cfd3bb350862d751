from __future__ import annotations

import pytest

from roadbench.designs import get_option
from roadbench.errors import VerificationFailed
from roadbench.ops import get_op
from roadbench.ops.checks import check_roads
from tests.helpers import run_counted

ROWS = 40


@pytest.mark.parametrize(("option", "updates"), [(1, 40), (2, 40), (3, 80)])
def test_save_updates_each_road(bench, option, updates):
    affected, counted = run_counted(get_option(option), "modify", "save", ROWS)
    assert affected == ROWS
    assert counted.by_kind["update"] == updates
    assert counted.by_kind["select"] == 2  # one read per type


@pytest.mark.parametrize(("option", "updates"), [(1, 2), (2, 2), (3, 4)])
def test_update_is_one_statement_per_table(bench, option, updates):
    affected, counted = run_counted(get_option(option), "modify", "update", ROWS)
    assert affected == ROWS
    assert counted.by_kind["update"] == updates


@pytest.mark.parametrize("option", [1, 2, 3])
def test_bulk_update_changes_every_road(bench, option):
    affected, counted = run_counted(get_option(option), "modify", "bulk_update", ROWS)
    assert affected == ROWS
    assert 2 <= counted.by_kind["update"] <= 4


def test_verification_catches_a_modify_that_changed_nothing(bench):
    option = get_option(1)
    run_counted(option, "select", "objects", ROWS)  # loads pristine roads, changes nothing
    with pytest.raises(VerificationFailed):
        check_roads(option, ROWS, modified=True, what="modify")
    with pytest.raises(VerificationFailed):
        get_op("modify").verify(option, ROWS, ROWS - 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_statement_sqlite_refuses_at_scale_is_unsupported_not_a_crash(bench):
    """Django's update of a multi-table child sends one parameter per road; SQLite caps them."""
    import sqlite3

    from django.db import connection

    from roadbench.measuring.measure import TableState, Timing, measure_case

    option = get_option(3)
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
    op = get_op("modify")
    result = measure_case(option, op, op.method("update"), 400, Timing(0, 1, loops=1), TableState())
    assert result.status == "unsupported"
    assert result.reason.startswith("SQLite: too many SQL variables: QuerySet.update")
    # Under the limit the same case runs.
    result = measure_case(option, op, op.method("update"), 100, Timing(0, 1, loops=1), TableState())
    assert result.ok
