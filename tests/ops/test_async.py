"""The async methods: Django's async ORM on roadbench's event loop, on each database.

Each async method is held to its sync mirror: the same rows written or read, the same
statements counted (roadbench counts them in the thread the async ORM sends them from), and
one thread hop per awaited ORM call. The servers' own counters are checked for every method,
async ones included, in tests/database/test_ground_truth.py and test_mysql.py.
"""

from __future__ import annotations

import asyncio
import threading

import django
import pytest
from django.db import connection, connections

from roadbench.database import orm_thread
from roadbench.database.fastpath import count_rows
from roadbench.designs import get_option
from roadbench.designs.roads.data import FREEWAY, TOLLROAD
from roadbench.errors import BadInput
from roadbench.measuring.measure import TableState, count_case
from roadbench.ops import OPS, get_op
from roadbench.ops.asynchronous import in_tasks
from tests.helpers import option_contents, road_values, transaction_statements

ROWS = 24

ASYNC = [
    pytest.param(op.name, method.name, id=f"{op.name}-{method.name}")
    for op in OPS.values()
    for method in op.methods.values()
    if method.arun is not None
]


def counted(option, op_name, method_name, rows=ROWS):
    op = get_op(op_name)
    return count_case(option, op, op.method(method_name), rows, TableState())


def test_every_op_declares_async_methods_that_mirror_a_sync_one():
    for op in OPS.values():
        for method in op.methods.values():
            if method.arun is not None:
                mirror = op.methods[method.mirrors or ""]
                assert mirror.arun is None, (op.name, method.name)
    names = {(p.values[0], p.values[1]) for p in ASYNC}
    assert {
        ("create", "acreate"),
        ("create", "abulk_create"),
        ("select", "aiterator"),
        ("select", "async_for"),
        ("select", "aget"),
        ("select", "acount"),
        ("modify", "asave"),
        ("modify", "aupdate"),
        ("delete", "adelete"),
        ("delete", "adelete_queryset"),
    } <= names


@pytest.mark.parametrize("number", [1, 3])
@pytest.mark.parametrize(("op_name", "method_name"), ASYNC)
def test_async_method_sends_what_its_sync_mirror_sends(bench, number, op_name, method_name):
    option = get_option(number)
    method = get_op(op_name).method(method_name)
    reason = method.unsupported_reason(option)
    if reason is not None:
        # Refused where the sync mirror is, in the same words; or an API this Django lacks.
        mirrored = get_op(op_name).method(method.mirrors).unsupported_reason(option)
        assert reason == mirrored or reason.startswith("needs Django"), reason
        pytest.skip(reason)
    # Warm-up of both first (Django's caches), then each counted once, verified by the op.
    counted(option, op_name, method.mirrors)
    counted(option, op_name, method_name)
    sync, sync_rows = counted(option, op_name, method.mirrors)
    done, async_rows = counted(option, op_name, method_name)
    assert async_rows == sync_rows
    expected = dict(sync.by_kind)
    if method_name == "aupdate":
        # Django has no async atomic(): aupdate() autocommits each type's UPDATE, where the
        # sync update runs both inside one transaction.
        expected["transaction"] -= transaction_statements()
    assert {k: v for k, v in done.by_kind.items() if v} == {k: v for k, v in expected.items() if v}
    assert done.thread_hops and done.thread_hops >= 1
    assert sync.thread_hops is None
    # The statements' shapes are tallied in the async ORM's thread too: they add up to the
    # count, as the sync mirror's do (before, an async case saved no shapes at all).
    assert sum(done.shapes.counts.values()) == sum(done.by_kind.values()) > 0
    assert sum(sync.shapes.counts.values()) == sum(sync.by_kind.values())


@pytest.mark.parametrize("method", ["acreate", "acreate@5", "abulk_create@2"])
def test_async_create_writes_what_save_writes(bench, method):
    option = get_option(2 if "bulk" in method else 3)
    counted(option, "create", "save")
    written = option_contents(option)
    _, affected = counted(option, "create", method)
    assert affected == ROWS
    assert option_contents(option) == written
    assert len(road_values(option, FREEWAY)) == ROWS // 2
    assert len(road_values(option, TOLLROAD)) == ROWS // 2


def test_acreate_hops_once_per_entity_at_any_concurrency(bench):
    option = get_option(3)
    one, _ = counted(option, "create", "acreate")
    eight, _ = counted(option, "create", "acreate@8")
    assert one.thread_hops == eight.thread_hops == ROWS
    assert eight.by_kind == one.by_kind
    assert sum(count_rows(option).values()) == 2 * ROWS  # parent and child row per road


@pytest.mark.parametrize("method", ["aget@4", "async_for@3", "aiterator@2", "acount@2"])
def test_concurrent_reads_read_the_rows_the_sync_ones_read(bench, method):
    option = get_option(3)
    mirror = get_op("select").method(method.partition("@")[0]).mirrors
    _, expected = counted(option, "select", mirror)
    counts, read = counted(option, "select", method)
    assert read == expected > 0
    assert counts.total > 0


def test_concurrent_deletes_and_saves_leave_what_the_sync_ones_leave(bench):
    option = get_option(3)
    counted(option, "modify", "save")
    changed = option_contents(option)
    counted(option, "modify", "asave@6")
    assert option_contents(option) == changed
    counted(option, "delete", "adelete@6")
    assert not any(count_rows(option).values())


def test_in_tasks_runs_units_side_by_side_on_one_loop():
    running, most, threads = 0, 0, set()

    async def unit() -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        threads.add(threading.get_ident())
        await asyncio.sleep(0)
        running -= 1
        return 1

    assert asyncio.run(in_tasks([unit] * 10, 1)) == 10
    assert most == 1
    assert asyncio.run(in_tasks([unit] * 10, 4)) == 10
    assert most == 4
    assert threads == {threading.get_ident()}


def test_the_async_orm_runs_on_a_thread_and_connection_of_its_own(bench):
    """Why counting goes to the ORM's thread: its connection is not the main thread's."""
    orm_thread.connect()
    ident, wrapper = orm_thread.call(lambda: (threading.get_ident(), id(connections["default"])))
    assert ident != threading.get_ident()
    assert wrapper != id(connections["default"])
    assert (
        orm_thread.call(lambda: connection.settings_dict["NAME"])
        == connection.settings_dict["NAME"]
    )


def test_abulk_create_on_multi_table_inheritance_is_refused_in_djangos_words(bench):
    option = get_option(3)
    method = get_op("create").method("abulk_create")
    assert method.unsupported_reason(option) == (
        "Django: Can't bulk create a multi-table inherited model"
    )
    model = option.model_for(FREEWAY)
    with pytest.raises(ValueError, match="Can't bulk create a multi-table inherited model"):
        orm_thread.run(model._default_manager.abulk_create([option.new_road(FREEWAY, 0)]))


def test_aupdate_is_refused_where_update_is_with_the_same_reason(bench):
    option = get_option("json")
    modify = get_op("modify")
    reason = modify.method("aupdate").unsupported_reason(option)
    assert reason and reason == modify.method("update").unsupported_reason(option)


@pytest.mark.skipif(django.VERSION < (6, 0), reason="AsyncPaginator is Django 6.0's")
def test_apaginate_reads_every_page_as_paginate_does(bench):
    option = get_option(3)
    sync, rows = counted(option, "select", "paginate", 120)
    done, read = counted(option, "select", "apaginate@2", 120)
    assert read == rows == 120
    assert done.by_kind == sync.by_kind


@pytest.mark.skipif(django.VERSION >= (6, 0), reason="Django 6.0 has AsyncPaginator")
def test_apaginate_says_it_needs_django_6():
    reason = get_op("select").method("apaginate").unsupported_reason(get_option(1))
    assert reason == f"needs Django 6.0 (AsyncPaginator); this is Django {django.get_version()}"


def test_a_method_at_a_concurrency_is_named_by_it():
    create = get_op("create")
    at_eight = create.method("acreate@8")
    assert (at_eight.name, at_eight.concurrency, at_eight.mirrors) == ("acreate@8", 8, "save")
    assert create.method("acreate@1").name == "acreate"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("save@2", "needs an async method; 'save' is sync"),
        ("acreate@0", "must be a whole number from 1 to 1000"),
        ("acreate@x", "must be a whole number from 1 to 1000"),
        ("acreate@1001", "must be a whole number from 1 to 1000"),
    ],
)
def test_a_wrong_concurrency_is_bad_input(name, words):
    with pytest.raises(BadInput, match=words):
        get_op("create").method(name)


def test_sqlite_settings_reach_the_async_orms_connection_too():
    from roadbench.database import sqlite_settings
    from roadbench.session import open_session

    with open_session([get_option(1)], None, None, sqlite="synchronous=OFF"):
        orm_thread.connect()
        assert orm_thread.call(lambda: sqlite_settings.read("sqlite")) == sqlite_settings.read(
            "sqlite"
        )
        assert sqlite_settings.read("sqlite")["sqlite_synchronous"] == "OFF"


@pytest.mark.parametrize("method", ["acreate", "abulk_create"])
def test_a_design_whose_values_read_the_database_creates_from_a_cold_cache(bench, method):
    """django-polymorphic's content type is read once per process: never from the loop's thread
    (Django raises SynchronousOnlyOperation there), so it is read untimed before the run."""
    from django.contrib.contenttypes.models import ContentType

    option = get_option("polymorphic")
    reason = get_op("create").method(method).unsupported_reason(option)
    if reason is not None:
        pytest.skip(reason)
    ContentType.objects.clear_cache()
    _, affected = counted(option, "create", method)
    assert affected == ROWS
