"""delete-mti-fk-once: delete-mti with the foreign keys to the deleted tables checked once.

On all three databases: the rows go, the statements are the same whatever the rows, the
foreign keys are back exactly as they were, and a reference to a deleted road fails the whole
delete, naming the foreign key, with nothing deleted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection

from roadbench.database.fastpath import count_rows
from roadbench.designs import OPTIONS, get_option
from roadbench.errors import Unsupported
from roadbench.ops import get_op
from roadbench.ops.mti import mti_tables, parent_of
from tests.helpers import run_counted

METHOD = "delete-mti-fk-once"
MTI_OPTIONS = [3, 6, 7]  # the designs whose roads are a parent row plus a child row

# What one delete sends, by kind, beside the four DELETEs (the parents by subquery, then the
# children, per type), when two tables (the children) reference the deleted ones.
STATEMENTS = {
    # PRAGMA foreign_keys=OFF, reading it back, BEGIN, the tables referencing the parent
    # (one SELECT), PRAGMA foreign_key_check per referencing table, COMMIT, PRAGMA
    # foreign_keys=ON.
    "sqlite": {"delete": 4, "select": 1, "other": 5, "transaction": 2},
    # BEGIN, the constraints (one SELECT), DROP CONSTRAINT and ADD CONSTRAINT per foreign key,
    # the constraints again (the same?), COMMIT.
    "postgresql": {"delete": 4, "select": 2, "other": 4, "transaction": 2},
    # SET foreign_key_checks=0, SET autocommit=0, the foreign keys (one SELECT), one LEFT JOIN
    # per foreign key, COMMIT, SET autocommit=1, SET foreign_key_checks=1.
    "mysql": {"delete": 4, "select": 3, "other": 2, "transaction": 3},
}


def foreign_key_state() -> dict[str, Any]:
    """What must be the same before and after: every foreign key as the database defines
    it, and the connection's foreign-key switch."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' ORDER BY 2, 1"
            )
            return {"constraints": cur.fetchall()}
        if connection.vendor == "mysql":
            cur.execute("SELECT @@foreign_key_checks")
            switch = cur.fetchone()[0]
            cur.execute(
                "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
                "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL "
                "ORDER BY 2, 1, 3"
            )
            return {"foreign_key_checks": switch, "constraints": cur.fetchall()}
        cur.execute("PRAGMA foreign_keys")
        return {"foreign_keys": cur.fetchone()[0]}


def switched_on(state: dict[str, Any]) -> bool:
    return state.get("foreign_key_checks", 1) == 1 and state.get("foreign_keys", 1) == 1


@pytest.mark.parametrize("option_number", MTI_OPTIONS)
@pytest.mark.parametrize("rows", [20, 200])
def test_deletes_every_road_with_the_same_statements_whatever_the_rows(bench, option_number, rows):
    option = get_option(option_number)
    if option.unavailable:
        pytest.skip(option.unavailable)
    before = foreign_key_state()
    affected, counted = run_counted(option, "delete", METHOD, rows)
    assert affected == rows
    assert set(count_rows(option).values()) == {0}
    assert dict(counted.by_kind) == STATEMENTS[connection.vendor]
    assert counted.total == 12
    deletes = [q.sql for q in counted.captured if q.sql.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 4 and sum("IN (SELECT" in sql for sql in deletes) == 2
    after = foreign_key_state()
    assert after == before and switched_on(after)
    if connection.vendor == "postgresql":
        # The parent links are back, with the definitions Django gave them.
        links = [c for c in after["constraints"] if "REFERENCES roadbench_road" in c[2]]
        assert len(links) >= 2
        assert all(c[2].endswith("DEFERRABLE INITIALLY DEFERRED") for c in links)


def test_is_refused_on_designs_without_a_concrete_parent(bench):
    method = get_op("delete").method(METHOD)
    assert method.technique == "roadbench" and method.replaces == "queryset"
    for option in OPTIONS.values():
        if option.unavailable:
            continue
        reason = method.unsupported_reason(option)
        mti = all(parent_of(option.model_for(t)) for t in ("freeway", "tollroad"))
        if option.number in MTI_OPTIONS:
            assert mti and reason is None, option.label
        elif mti:  # design 10: the database deletes the children itself
            assert reason is not None and "on_delete=DB_CASCADE" in reason, option.label
        else:
            assert not mti and reason is not None, option.label
            assert "no concrete parent table: use queryset" in reason


def test_compare_many_uses_it_for_option_3_on_every_database(bench):
    """MariaDB too, where delete-mti is refused (it has no deferrable foreign keys)."""
    from roadbench.api import _choose_method, _supports
    from roadbench.reports.comparison import EXTRA, STUDY, plan_cases

    names = list(get_op("delete").methods)
    assert names.index(METHOD) < names.index("delete-mti")
    planned = plan_cases("many", 100, [1, 2, 3], _choose_method, _supports)
    deletes = {(p.role, p.option): p.method for p in planned if p.op == "delete"}
    assert deletes == {
        (STUDY, 1): "queryset",
        (STUDY, 2): "queryset",
        (STUDY, 3): METHOD,
        (EXTRA, 3): "queryset",
    }
    if connection.vendor == "mysql":
        reason = get_op("delete").method("delete-mti").unsupported_reason(get_option(3))
        assert reason and "cannot defer foreign-key checks" in reason


@pytest.fixture
def ticket_table(bench):
    """Option 3 with 10 roads of each type, and a table of the test's own whose rows point
    at its parent rows (no cascade)."""
    qn = connection.ops.quote_name
    parent = get_option(3).base_model
    assert parent is not None
    # Loaded first: loading empties the tables (TRUNCATE on PostgreSQL), which the
    # reference would forbid.
    run_counted(get_option(3), "select", "objects", 20)
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {qn('fkonce_ticket')} (id integer PRIMARY KEY, road_id bigint, "
            f"FOREIGN KEY (road_id) REFERENCES {qn(parent._meta.db_table)} (id))"
        )
    yield "fkonce_ticket"
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE {qn('fkonce_ticket')}")


def test_a_reference_to_a_deleted_road_fails_it_with_nothing_deleted(ticket_table):
    option = get_option(3)
    parent = option.base_model
    assert parent is not None
    road_id = parent._default_manager.order_by("pk").values_list("pk", flat=True)[3]
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {ticket_table} (id, road_id) VALUES (1, %s)", [road_id])
    rows_before, state_before = count_rows(option), foreign_key_state()
    assert sum(rows_before.values()) == 40
    with pytest.raises(Unsupported) as failed:
        get_op("delete").method(METHOD).run(option, 20)
    # What the CLI prints (exit 4, a case that cannot run): one line, naming the key and
    # what to use instead; never "internal error ... please report it" (exit 1).
    message = str(failed.value)
    assert isinstance(failed.value.__cause__, IntegrityError)
    assert failed.value.exit_code == 4 and "\n" not in message
    assert ticket_table in message and "nothing deleted" in message
    assert "use queryset" in message
    assert count_rows(option) == rows_before
    state_after = foreign_key_state()
    assert state_after == state_before and switched_on(state_after)
    if connection.vendor == "postgresql":
        assert any(c[1] == ticket_table for c in state_after["constraints"])
    # The foreign keys still hold: the referenced parent row cannot go now either.
    with pytest.raises(IntegrityError), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {parent._meta.db_table} WHERE id = %s", [road_id])


def test_the_tables_it_deletes_from_are_the_parent_and_the_children():
    assert mti_tables(get_option(3)) == [
        "roadbench_roadc",
        "roadbench_freewayc",
        "roadbench_tollroadc",
    ]


@pytest.mark.slow
def test_cli_runs_it_on_option_3_and_refuses_it_on_option_1():
    from tests.cli.test_cli import roadbench

    args = ["--op", "delete", "--method", METHOD, "--rows", "40", "--repeat", "1"]
    result = roadbench("run", "--option", "3", *args)
    assert result.returncode == 0, result.stderr
    assert f"option 3 · delete · {METHOD}" in result.stdout
    lines = {line.strip("│ ").split("│")[0].strip(): line for line in result.stdout.splitlines()}
    assert lines["rows affected"].split("│")[-2].strip() == "40"
    assert lines["queries"].split("│")[-2].strip() == "12"
    refused = roadbench("run", "--option", "1", *args)
    assert refused.returncode == 4
    assert refused.stderr.strip() == (
        f"roadbench: error: option 1 cannot delete with {METHOD}: {METHOD} is roadbench's "
        "technique for multi-table inheritance; option 1's roads have no concrete parent "
        "table: use queryset"
    )


class _StoppedMidway(Exception):
    """Raised between the deletes, as a signal handler's exception would be."""


def test_an_exception_between_the_deletes_rolls_back_and_restores_the_foreign_keys(bench):
    """Ctrl-C or SIGTERM raise inside the block (roadbench turns them into an exception): the
    rows stay, the foreign keys are back as they were and on, and the connection works on."""
    from roadbench.database import current_backend
    from roadbench.ops.mti import delete_by_subquery

    option = get_option(3)
    run_counted(option, "select", "objects", 20)
    rows_before, state_before = count_rows(option), foreign_key_state()
    backend = current_backend()
    with (
        pytest.raises(_StoppedMidway),
        backend.foreign_keys_checked_once(connection, mti_tables(option)),
    ):
        delete_by_subquery(option, "freeway")
        raise _StoppedMidway
    assert count_rows(option) == rows_before
    state_after = foreign_key_state()
    assert state_after == state_before and switched_on(state_after)
    # The same connection runs it again, to the end.
    affected, _ = run_counted(option, "delete", METHOD, 20)
    assert affected == 20 and set(count_rows(option).values()) == {0}
    assert switched_on(foreign_key_state())


def test_a_partitioned_table_referencing_the_roads_gets_its_keys_back(bench):
    """PostgreSQL: a foreign key on a partitioned table has a clone on each partition, which
    goes and comes back with it (dropping the clone itself is refused)."""
    if connection.vendor != "postgresql":
        pytest.skip("partitioned tables with foreign keys: PostgreSQL's")
    option = get_option(3)
    run_counted(option, "select", "objects", 20)  # loaded first: loading truncates
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE fkonce_parted (id integer, road_id bigint "
            "REFERENCES roadbench_roadc (id)) PARTITION BY RANGE (id)"
        )
        cur.execute(
            "CREATE TABLE fkonce_parted_a PARTITION OF fkonce_parted FOR VALUES FROM (0) TO (9)"
        )
    try:
        before = foreign_key_state()
        assert {c[1] for c in before["constraints"]} >= {"fkonce_parted", "fkonce_parted_a"}
        assert get_op("delete").method(METHOD).run(option, 20) == 20
        assert set(count_rows(option).values()) == {0}
        assert foreign_key_state() == before
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE fkonce_parted")


def test_a_not_valid_foreign_key_still_stops_the_delete(bench):
    """PostgreSQL: a key added NOT VALID (rows from before it may break it) is added back NOT
    VALID, unchecked: it must stay in place, checking the deleted rows one by one, or a road
    it references would go silently."""
    if connection.vendor != "postgresql":
        pytest.skip("NOT VALID foreign keys: PostgreSQL's")
    option = get_option(3)
    run_counted(option, "select", "objects", 20)  # loaded first: loading truncates
    parent = option.base_model
    assert parent is not None
    road_id = parent._default_manager.order_by("pk").values_list("pk", flat=True)[3]
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE fkonce_legacy (id integer PRIMARY KEY, road_id bigint)")
        cur.execute("INSERT INTO fkonce_legacy VALUES (1, -1), (2, %s)", [road_id])
        cur.execute(
            "ALTER TABLE fkonce_legacy ADD CONSTRAINT fkonce_legacy_road FOREIGN KEY (road_id) "
            "REFERENCES roadbench_roadc (id) NOT VALID"
        )
    try:
        rows_before, state_before = count_rows(option), foreign_key_state()
        with pytest.raises(Unsupported) as failed:
            get_op("delete").method(METHOD).run(option, 20)
        assert "fkonce_legacy" in str(failed.value) and "\n" not in str(failed.value)
        assert count_rows(option) == rows_before
        assert foreign_key_state() == state_before
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE fkonce_legacy")
