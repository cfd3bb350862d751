"""Option 10: multi-table inheritance whose parent links are ON DELETE CASCADE in the database.

On Django 6.1 every op and method runs on SQLite, PostgreSQL and MariaDB, the schema really says
ON DELETE CASCADE and the children go without a DELETE of theirs; before 6.1 the design is
listed and refuses every method with the reason.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import django
import pytest
from django.db import connection

from roadbench.database.fastpath import count_rows
from roadbench.designs import get_option
from roadbench.designs.roads.data import FREEWAY, TOLLROAD
from roadbench.measuring.measure import TableState, count_case
from roadbench.ops import OPS, get_op
from tests.helpers import run_counted, transaction_statements

NEEDS = "needs Django 6.1 (models.DB_CASCADE)"
HAS_DB_CASCADE = django.VERSION >= (6, 1)
needs_61 = pytest.mark.skipif(not HAS_DB_CASCADE, reason="DB_CASCADE is Django 6.1's")
ROWS = 24
CHILD_TABLES = ("roadbench_freewayd", "roadbench_tollroadd")


def roadbench(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "roadbench"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=300)


# --- before Django 6.1: listed, refused with the reason -----------------------------------------


def test_the_design_is_listed_by_number_and_name_on_every_django():
    option = get_option("db-cascade")
    assert (option.number, get_option(10)) == (10, option)
    listed = json.loads(roadbench("options", "--json").stdout)["options"]
    ten = next(o for o in listed if o["number"] == 10)
    assert ten["key"] == "db-cascade"
    if HAS_DB_CASCADE:
        assert ten["unavailable"] is None
        assert ten["tables"] == ["roadbench_roadd", *CHILD_TABLES]
    else:
        assert ten["unavailable"].startswith(NEEDS)


@pytest.mark.skipif(HAS_DB_CASCADE, reason="Django 6.1 has DB_CASCADE")
def test_before_django_61_every_method_is_refused_with_the_reason():
    option = get_option(10)
    assert option.unavailable == f"{NEEDS}; this is Django {django.get_version()}"
    for op in OPS.values():
        for method in op.methods.values():
            assert method.unsupported_reason(option) == option.unavailable
    result = roadbench("run", "-o", "10", "--op", "delete", "-m", "queryset", "-n", "10")
    assert result.returncode == 4  # unsupported case (docs/cli.md's exit codes)
    assert result.stderr.strip() == (
        f"roadbench: error: option 10 cannot delete with queryset: {option.unavailable}"
    )
    assert "unsupported" in result.stdout  # the result table still says what happened


# --- Django 6.1: on every database --------------------------------------------------------------


def _deleted_table(sql: str) -> str | None:
    """The table a DELETE deletes from: ``DELETE FROM t`` or MySQL's ``DELETE t FROM t JOIN``."""
    found = re.match(r"\s*DELETE\s+(?:FROM\s+)?[`\"]?(\w+)", sql, re.IGNORECASE)
    return found.group(1) if found else None


def _on_delete_rules() -> dict[str, str]:
    """The ON DELETE rule of each child table's foreign key to roadbench_roadd, as the database
    itself records it."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            rules = {}
            for table in CHILD_TABLES:
                cur.execute(f"PRAGMA foreign_key_list({table})")
                # (id, seq, table, from, to, on_update, on_delete, match)
                rules[table] = next(r[6] for r in cur.fetchall() if r[2] == "roadbench_roadd")
            return rules
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT conrelid::regclass::text, confdeltype FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = 'roadbench_roadd'::regclass"
            )
            codes = {"c": "CASCADE", "a": "NO ACTION", "r": "RESTRICT", "n": "SET NULL"}
            return {table: codes[code] for table, code in cur.fetchall()}
        cur.execute(
            "SELECT TABLE_NAME, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = 'roadbench_roadd'"
        )
        return dict(cur.fetchall())


@needs_61
def test_the_child_tables_foreign_keys_are_on_delete_cascade(bench):
    assert _on_delete_rules() == dict.fromkeys(CHILD_TABLES, "CASCADE")


@needs_61
def test_djangos_system_checks_accept_the_design(bench):
    """No mixing of database- and Python-level on_delete (fields.E323, models.E050), and the
    database supports ON DELETE CASCADE (fields.E324)."""
    for model in get_option(10).models:
        assert model.check(databases=["default"]) == [], model


@needs_61
@pytest.mark.parametrize(
    ("op", "method"),
    [(op, m) for op in OPS.values() for m in op.methods.values()],
    ids=lambda v: v.name,
)
def test_every_method_runs_and_verifies_or_says_why_not(bench, op, method):
    option = get_option(10)
    reason = method.unsupported_reason(option)
    if reason is not None:
        assert len(reason) > 10, reason
        return
    count_case(option, op, method, ROWS, TableState())  # runs the op's own check


@needs_61
def test_the_queryset_delete_is_one_delete_of_the_parents_per_type(bench):
    """Django's collector fast-deletes the parents; the database deletes the children."""
    option = get_option(10)
    affected, counted = run_counted(option, "delete", "queryset", ROWS)
    assert affected == ROWS
    assert counted.by_kind == {"delete": 2, "transaction": 2 * transaction_statements()}
    deleted = {_deleted_table(q.sql) for q in counted.captured if _deleted_table(q.sql)}
    assert deleted == {"roadbench_roadd"}
    assert set(count_rows(option).values()) == {0}  # children too: the database's cascade


@needs_61
def test_each_delete_is_one_statement_per_road(bench):
    """Model.delete() of the parent: one DELETE, no transaction, no SELECT of the child."""
    option = get_option(10)
    affected, counted = run_counted(option, "delete", "each", ROWS)
    assert affected == ROWS
    assert counted.by_kind == {"select": 2, "delete": ROWS}
    assert set(count_rows(option).values()) == {0}


@needs_61
@pytest.mark.parametrize("method", ["delete-mti", "delete-mti-fk-once"])
def test_the_mti_deletes_say_the_database_already_cascades(bench, method):
    reason = get_op("delete").method(method).unsupported_reason(get_option(10))
    assert reason is not None and "on_delete=DB_CASCADE" in reason
    assert "queryset" in reason


@needs_61
def test_the_database_deletes_the_children_without_delete_signals(bench):
    """The documented price: no post_delete for the rows the database removes."""
    from django.db.models.signals import post_delete

    option = get_option(10)
    heard: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        heard.append(sender)

    post_delete.connect(receiver, sender=option.freeway_model)
    try:
        affected, _ = run_counted(option, "delete", "queryset", ROWS)
    finally:
        post_delete.disconnect(receiver, sender=option.freeway_model)
    assert affected == ROWS
    assert heard == []
    assert set(count_rows(option).values()) == {0}


@needs_61
def test_deleting_one_type_leaves_the_other(bench):
    option = get_option(10)
    run_counted(option, "select", "objects", ROWS)  # loads ROWS / 2 of each type
    assert option.delete_all(FREEWAY) == ROWS // 2
    assert option.queryset(FREEWAY).count() == 0
    assert option.queryset(TOLLROAD).count() == ROWS // 2
    assert count_rows(option) == {
        "roadbench_roadd": ROWS // 2,
        "roadbench_freewayd": 0,
        "roadbench_tollroadd": ROWS // 2,
    }
    option.delete_all(TOLLROAD)


@needs_61
def test_deleting_the_children_the_django_way_still_works(bench):
    """Option 3's QuerySet.delete() of a child model: the collector deletes child and parent."""
    option = get_option(10)
    run_counted(option, "select", "objects", ROWS)
    _total, per_model = option.queryset(FREEWAY).delete()
    label = option.freeway_model._meta.label
    assert per_model == {label: ROWS // 2, option.base_model._meta.label: ROWS // 2}
    assert count_rows(option)["roadbench_roadd"] == ROWS // 2
    assert option.queryset(TOLLROAD).count() == ROWS // 2
    option.delete_all(TOLLROAD)


@needs_61
def test_compare_many_deletes_option_10_with_djangos_queryset(bench):
    """No roadbench technique replaces it: the study row is Django's own delete."""
    from roadbench.api import _choose_method, _supports
    from roadbench.reports.comparison import STUDY, plan_cases

    planned = plan_cases("many", 100, [2, 3, 10], _choose_method, _supports)
    deletes = {(p.role, p.option): p.method for p in planned if p.op == "delete"}
    assert deletes[(STUDY, 10)] == "queryset"
    assert not [key for key in deletes if key[1] == 10 and key[0] != STUDY]
