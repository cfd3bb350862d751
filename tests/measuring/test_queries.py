from __future__ import annotations

import json

import django
import pytest
from django.db import connection, transaction

from roadbench.api import queries
from roadbench.database.fastpath import insert_entities
from roadbench.designs import get_option
from roadbench.errors import Unsupported, VerificationFailed
from roadbench.measuring.counting import count_queries
from roadbench.measuring.fingerprints import fingerprint, tables
from roadbench.measuring.queries import (
    CONSTANT,
    PER_BATCH,
    PER_ROW,
    about_once_per_row,
    classify_growth,
    group,
)
from tests.helpers import run_counted

ROWS = 40


@pytest.mark.parametrize(
    ("option", "method", "expected"),
    [
        (1, "naive", 2),
        (2, "naive", 2),
        (3, "naive", 2 + ROWS),
        (3, "select_related", 2),
        (3, "prefetch_related", 4),
        pytest.param(
            3,
            "fetch_peers",
            4,
            marks=pytest.mark.skipif(django.VERSION < (6, 1), reason="needs Django 6.1"),
        ),
        (1, "objects", 4),
        (3, "objects", 4),
        (3, "only", 4),
        (3, "values_list", 4),
        # On PostgreSQL a server-side cursor per filter: DECLARE, FETCH (the rows), FETCH
        # (nothing more), CLOSE; at 40 roads one filter matches nothing: one FETCH.
        (3, "iterator", {"sqlite": 4, "postgresql": 15, "mysql": 4}),
        (1, "cached", 0),
        (3, "cached", 0),
        (1, "all_roads", 1),
        (2, "all_roads", 1),
        (3, "all_roads", 1),
        (1, "all_roads_detail", 1),
        (2, "all_roads_detail", 2),
        (3, "all_roads_detail", 1),
        (2, "unindexed", 2),
        (3, "indexed", 2),
    ],
)
def test_exact_query_counts_of_select_methods(bench, option, method, expected):

    _, counted = run_counted(get_option(option), "select", method, ROWS)
    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    assert counted.total == expected


def test_select_related_is_unsupported_where_there_is_nothing_to_join(bench):
    from roadbench.ops import get_op

    method = get_op("select").method("select_related")
    assert "no related table" in method.unsupported_reason(get_option(1))
    assert method.unsupported_reason(get_option(3)) is None


def test_indexed_method_adds_its_index_and_removes_it(bench):

    option = get_option(3)
    run_counted(option, "select", "indexed", ROWS)
    indexes = connection.introspection.get_constraints(connection.cursor(), "roadbench_roadc")
    assert not any(name.startswith("rb_len_") for name in indexes)
    if connection.vendor == "sqlite":
        # The same statement is planned differently once the index is there.
        plan = queries("select", option=3, method="indexed", rows=ROWS, explain=True)
        (case,) = plan.cases
        assert any("rb_len_roadc" in line for f in case.fingerprints for line in f.plan)


def test_fingerprints_normalise_real_captured_sql(bench):
    option = get_option(1)
    with count_queries(capture=True) as counted:
        with transaction.atomic(), transaction.atomic():
            for count in (3, 2):  # two multi-row INSERTs of different lengths
                option.model_for("freeway")._default_manager.bulk_create(
                    [option.new_road("freeway", i) for i in range(count)]
                )
        list(option.model_for("freeway")._default_manager.filter(pk__in=[1, 2, 3]))
        list(option.model_for("freeway")._default_manager.filter(pk__in=[4, 5]))
    shapes = {fingerprint(q.sql) for q in counted.captured}
    inserts = [s for s in shapes if s.startswith("INSERT")]
    # One shape: SQLite's VALUES rows are folded; PostgreSQL sends arrays (UNNEST) anyway.
    assert len(inserts) == 1
    in_lists = [s for s in shapes if "IN (...)" in s]
    assert len(in_lists) == 1  # IN-lists of 3 and of 2 ids: one shape
    savepoints = {s for s in shapes if "SAVEPOINT" in s}
    name = '"s?"'  # MariaDB's `s?` too: one quoting on every backend
    assert savepoints == {f"SAVEPOINT {name}", f"RELEASE SAVEPOINT {name}"}


def test_fingerprint_masks_literals_but_keeps_identifiers():
    assert fingerprint("SELECT \"t1\".\"a2\" FROM t1 WHERE x = 42 AND y = 'it''s'") == (
        'SELECT "t1"."a2" FROM t1 WHERE x = ? AND y = ?'
    )
    assert tables('SELECT * FROM "roadbench_roadc" INNER JOIN "roadbench_freewayc" ON 1') == [
        "roadbench_freewayc",
        "roadbench_roadc",
    ]


def test_duplicates_are_flagged(bench):
    option = get_option(2)
    insert_entities(option, {"freeway": 5, "tollroad": 5})
    model = option.model_for("freeway")
    with count_queries(capture=True) as counted:
        for _ in range(3):
            list(model._default_manager.filter(lanes=3))
        list(model._default_manager.filter(lanes=4))
    (shape,) = group(counted.captured, rows=10)
    assert shape.count == 4
    assert shape.duplicates == 2


def test_n_plus_one_flag_for_naive_not_for_select_related(bench, database_url):
    report = queries("select", option=3, method="naive", rows=ROWS, database=database_url)
    (naive,) = report.cases
    assert [f.count for f in naive.n_plus_one] == [ROWS // 2, ROWS // 2]
    fixed = queries("select", option=3, method="select_related", rows=ROWS, database=database_url)
    assert fixed.cases[0].n_plus_one == []
    assert fixed.cases[0].queries == 2


def test_scaling_classifies_real_runs(database_url):
    naive = queries(
        "select", option=3, method="naive", rows=100, scaling=(10, 100, 400), database=database_url
    ).cases[0]
    growth = {f.growth for f in naive.fingerprints}
    assert growth == {PER_ROW, CONSTANT}
    assert all(f.n_plus_one == (f.growth == PER_ROW) for f in naive.fingerprints)
    bulk = queries(
        "create", option=1, method="bulk", rows=100, scaling=(10, 3000, 6000), database=database_url
    ).cases[0]
    inserts = [f for f in bulk.fingerprints if f.kind == "insert"]
    assert {f.growth for f in inserts} <= {PER_BATCH, CONSTANT}
    assert PER_BATCH in {f.growth for f in bulk.fingerprints}


def test_classify_growth():
    assert classify_growth([(10, 2), (1000, 2)]) == CONSTANT
    assert classify_growth([(10, 12), (1000, 1002)]) == PER_ROW
    assert classify_growth([(10, 2), (10_000, 20)]) == PER_BATCH


def test_explain_on_each_database(database_url):
    report = queries(
        "select", option=3, method="objects", rows=ROWS, explain=True, database=database_url
    )
    plans = [f.plan for f in report.cases[0].fingerprints]
    assert plans and all(plans)
    text = " ".join(line for plan in plans for line in plan)
    if database_url is None:
        assert "SCAN" in text or "SEARCH" in text
    elif database_url.startswith("mysql"):
        assert '"query_block"' in text  # MariaDB's EXPLAIN FORMAT=JSON
    else:
        assert "Scan" in text or "Join" in text
    as_json = json.dumps(report.to_dict())
    assert "raw_params" not in as_json


def test_queries_without_option_shows_all_three(bench):
    report = queries("select", method="naive", rows=ROWS)
    assert [c.option for c in report.cases] == [1, 2, 3]
    assert [c.queries for c in report.cases] == [2, 2, 2 + ROWS]


needs_61 = pytest.mark.skipif(django.VERSION < (6, 1), reason="needs Django 6.1")


@needs_61
def test_fetch_raise_proves_a_method_loads_nothing_lazily():
    report = queries("select", option=3, method="select_related", rows=20, fetch_raise=True)
    assert [case.queries for case in report.cases] == [2]


@needs_61
def test_fetch_raise_fails_a_method_that_loads_lazily():
    with pytest.raises(VerificationFailed, match=r"option 3 select naive loads lazily .*blocked"):
        queries("select", option=3, method="naive", rows=20, fetch_raise=True)


@pytest.mark.skipif(django.VERSION >= (6, 1), reason="Django 6.1 has fetch modes")
def test_fetch_raise_says_which_django_it_needs():
    with pytest.raises(Unsupported) as refused:
        queries("select", option=3, method="naive", rows=20, fetch_raise=True)
    assert str(refused.value).startswith("fetch_raise needs Django 6.1 (fetch modes)")
    assert refused.value.worded(lambda name: "--fetch-raise").startswith("--fetch-raise needs")


def test_a_server_side_cursors_fetches_are_one_shape_and_no_duplicates():
    from roadbench.measuring.counting import CapturedQuery

    fetches = [
        CapturedQuery(f'FETCH FORWARD 2000 FROM "_django_curs_1397_sync_{n}"', None, 1, 0.0)
        for n in (1, 1, 1, 2, 2)
    ]
    (entry,) = group(fetches, rows=4)
    assert entry.fingerprint == 'FETCH FORWARD ? FROM "_django_curs_?"'
    assert (entry.count, entry.duplicates, entry.n_plus_one, entry.tables) == (5, 0, False, [])


def test_a_one_row_lookup_repeated_is_flagged_at_any_share_of_the_rows():
    """A listing of mixed types splits its N+1 into one lookup per type: 10, 6 and 3 of 20
    rows (the newcomer's inbox). Each is an N+1, the 3 as much as the 10; a SELECT of a list
    (IN) run a few times is not, nor a lookup run once or twice."""
    lookup = 'SELECT "t"."id" FROM "t" WHERE "t"."notification_ptr_id" = %s LIMIT 21'
    assert [about_once_per_row(lookup, n, 20) for n in (10, 6, 3, 2)] == [
        True,
        True,
        True,
        False,
    ]
    assert about_once_per_row(lookup.replace("%s", "?"), 3, 20)  # a shape: "?" placeholders
    batch = 'SELECT "t"."id" FROM "t" WHERE "t"."id" IN (%s, %s, %s)'
    assert not about_once_per_row(batch, 3, 20)
    assert about_once_per_row(batch, 10, 20)  # about once per row: flagged by its count
