"""update-mti and delete-mti: a constant number of statements whatever the number of roads."""

from __future__ import annotations

import pytest
from django.db import connection

from roadbench.database.fastpath import count_rows
from roadbench.designs import get_option
from roadbench.designs.roads.data import FREEWAY, TOLLROAD
from roadbench.ops import get_op
from roadbench.ops.checks import check_roads
from tests.helpers import road_values, run_counted, transaction_statements


@pytest.mark.parametrize("rows", [40, 4000])
def test_update_mti_sends_one_update_per_table_whatever_the_rows(bench, rows):
    option = get_option(3)
    affected, counted = run_counted(option, "modify", "update-mti", rows)
    assert affected == rows
    # Per type: the parent by subquery, then the child; one transaction around all four.
    assert counted.by_kind == {"update": 4, "transaction": transaction_statements()}
    assert counted.total == 4 + transaction_statements()
    check_roads(option, rows, modified=True, what="test")
    parents = [q.sql for q in counted.captured if "roadbench_roadc" in q.sql.split("SET")[0]]
    assert len(parents) == 2
    assert all("IN (SELECT" in sql for sql in parents)


@pytest.mark.parametrize("rows", [40, 4000])
def test_delete_mti_sends_two_deletes_per_type_whatever_the_rows(bench, rows):
    option = get_option(3)
    _skip_where_checks_cannot_be_deferred()
    affected, counted = run_counted(option, "delete", "delete-mti", rows)
    assert affected == rows
    assert counted.by_kind == {"delete": 4, "transaction": transaction_statements()}
    assert set(count_rows(option).values()) == {0}


def test_update_mti_changes_the_same_rows_as_djangos_update(bench):
    option = get_option(3)
    run_counted(option, "modify", "update", 60)
    by_django = {t: road_values(option, t) for t in (FREEWAY, TOLLROAD)}
    run_counted(option, "modify", "update-mti", 60)
    assert {t: road_values(option, t) for t in (FREEWAY, TOLLROAD)} == by_django


def test_delete_mti_leaves_other_roads_alone(bench):
    """Only the option's own roads go: a parent row that is no child's stays."""
    option = get_option(3)
    _skip_where_checks_cannot_be_deferred()
    run_counted(option, "select", "objects", 20)  # loads 10 of each type
    parent = option.base_model
    assert parent is not None
    parent._default_manager.create(name="plain", length_km=1.0, lanes=2, opened="2020-01-01")
    with connection.cursor():
        get_op("delete").method("delete-mti").run(option, 20)
    assert list(parent._default_manager.values_list("name", flat=True)) == ["plain"]
    parent._default_manager.all().delete()


@pytest.mark.parametrize("method", ["update-mti", "delete-mti"])
@pytest.mark.parametrize("option", [1, 2])
def test_mti_methods_are_unsupported_without_a_parent_table(bench, method, option):
    op = get_op("modify" if method == "update-mti" else "delete")
    found = op.method(method)
    reason = found.unsupported_reason(get_option(option)) or ""
    assert "no concrete parent table" in reason
    assert found.technique == "roadbench"
    if method == "delete-mti" and not connection.features.can_defer_constraint_checks:
        assert "cannot defer foreign-key checks" in (found.unsupported_reason(get_option(3)) or "")
    else:
        assert found.unsupported_reason(get_option(3)) is None


def _skip_where_checks_cannot_be_deferred() -> None:
    """MySQL/MariaDB check foreign keys at once: delete-mti says it is unsupported there."""
    if not connection.features.can_defer_constraint_checks:
        reason = get_op("delete").method("delete-mti").unsupported_reason(get_option(3))
        assert reason and "cannot defer foreign-key checks" in reason
        pytest.skip(reason)
