"""Canaries: every private Django or driver API roadbench uses, checked against the installed one.

Each test fails with a message naming the API, the installed version and what roadbench uses
it for, so a new Django release that changed one is found here first, not as a wrong count.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import django
import pytest
from django.db import connection, transaction

from roadbench.database import django_internals as internals
from roadbench.designs import get_option
from roadbench.measuring.counting import count_queries

DJANGO = f"Django {django.get_version()}"


def changed(api: str, used_for: str) -> str:
    return (
        f"{DJANGO} changed {api}, which roadbench uses for {used_for}: update "
        "roadbench/database/django_internals.py"
    )


def parameters(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


# --- patching -------------------------------------------------------------------------------


class Thing:
    def method(self) -> str:
        return "class"


def test_patched_removes_its_own_attribute_so_the_class_method_shows_again():
    thing = Thing()
    with internals.patched(thing, "method", lambda: "patch"):
        assert thing.method() == "patch"
    assert "method" not in vars(thing)
    assert thing.method() == "class"


def test_patched_restores_another_tools_patch():
    thing = Thing()
    theirs = lambda: "theirs"  # noqa: E731
    thing.method = theirs  # type: ignore[method-assign]
    with internals.patched(thing, "method", lambda: "ours"):
        assert thing.method() == "ours"
    assert thing.method is theirs


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_counting_keeps_and_calls_another_tools_patches(bench):
    """A tool that patched the same methods before the counting pass keeps its patches."""
    calls: list[str] = []
    wrapper = internals.database_wrapper(connection)
    originals = {name: getattr(wrapper, name) for name in ("_commit", "_rollback")}
    originals["chunked_cursor"] = wrapper.chunked_cursor

    def theirs(name: str) -> object:
        def call() -> object:
            calls.append(name)
            return originals[name]()

        return call

    patches = {name: theirs(name) for name in originals}
    for name, patch in patches.items():
        setattr(wrapper, name, patch)
    try:
        option = get_option(1)
        with count_queries() as counted:
            with transaction.atomic():
                list(option.queryset("freeway").iterator(chunk_size=10))
            with transaction.atomic():
                option.queryset("freeway").count()
                transaction.set_rollback(True)
        assert calls == ["chunked_cursor", "_commit", "_rollback"]
        assert counted.by_kind["transaction"] == 4  # BEGIN, COMMIT, BEGIN, ROLLBACK
        for name, patch in patches.items():
            assert vars(wrapper)[name] is patch, f"the counting pass dropped a patch of {name}"
    finally:
        for name in patches:
            delattr(wrapper, name)


# --- the ORM --------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_insert_rows_writes_rows_with_the_ids_given(bench):
    from django.db.models import QuerySet

    assert parameters(QuerySet._insert)[:3] == ["self", "objs", "fields"], changed(
        "QuerySet._insert(objs, fields, ...)", "create bulk-mti (child rows with their ids)"
    )
    option = get_option(3)
    model = option.model_for("freeway")
    (parent,) = model._meta.parents
    parents = [parent(name=f"r{i}", length_km=1, lanes=2, opened="2000-01-01") for i in range(3)]
    parent._default_manager.bulk_create(parents)
    children = [option.new_road("freeway", i) for i in range(3)]
    for child, parent_row in zip(children, parents, strict=True):
        child.pk = parent_row.pk
        setattr(child, model._meta.parents[parent].attname, parent_row.pk)
    internals.insert_rows(model, children, list(model._meta.local_concrete_fields))
    assert sorted(model._default_manager.values_list("pk", flat=True)) == sorted(
        p.pk for p in parents
    ), changed("QuerySet._insert", "create bulk-mti")


def test_a_models_parents_and_columns_are_read_from_its_options():
    freeway = get_option(3).model_for("freeway")  # multi-table: roadbench_roadc's child
    for api in ("parents", "get_parent_list", "local_concrete_fields", "concrete_fields"):
        assert hasattr(freeway._meta, api), changed(
            f"Options.{api}", "multi-table inheritance (bulk-mti, the fast path, update/delete-mti)"
        )
    ((parent, link),) = internals.parent_links(freeway).items()
    assert parent._meta.db_table == "roadbench_roadc", changed("Options.parents", "bulk-mti")
    assert link is not None and link.remote_field.parent_link, changed(
        "Options.parents (the parent link field)", "bulk-mti and update/delete-mti"
    )
    assert internals.concrete_ancestors(freeway) == [parent], changed(
        "Options.get_parent_list", "the fast path's parent rows"
    )
    own = {f.attname for f in internals.own_columns(freeway)}
    assert own == {link.attname, "speed_limit", "exits"}, changed(
        "Options.local_concrete_fields", "the child rows of bulk-mti and the fast path"
    )
    every = {f.attname for f in internals.all_columns(freeway)}
    assert every == own | {f.attname for f in internals.own_columns(parent)}, changed(
        "Options.concrete_fields", "the parent rows of bulk-mti"
    )
    proxy = get_option(8).model_for("freeway")  # a proxy: its parent's table, no link
    ((concrete, no_link),) = internals.parent_links(proxy).items()
    assert no_link is None, changed(
        "Options.parents of a proxy model", "telling multi-table inheritance from a proxy"
    )
    assert internals.concrete_ancestors(proxy) == [concrete], changed(
        "Options.get_parent_list of a proxy model", "the fast path"
    )
    assert internals.parent_links(get_option(2).model_for("freeway")) == {}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres", "mariadb"], indirect=True)
def test_values_adapted_by_the_backend_are_written_and_read_back(bench):
    import datetime
    from decimal import Decimal

    from django.db.backends.base.operations import BaseDatabaseOperations

    for api in ("adapt_datefield_value", "adapt_decimalfield_value"):
        assert parameters(getattr(BaseDatabaseOperations, api))[:2] == ["self", "value"], changed(
            f"DatabaseOperations.{api}", "the fast path (create raw and every untimed load)"
        )
    date = internals.date_adapter(connection)(datetime.date(2001, 2, 3))
    toll = internals.decimal_adapter(connection, 8, 2)(Decimal("12.5"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE rb_adapted (d date, t decimal(8, 2))")
        cursor.execute("INSERT INTO rb_adapted (d, t) VALUES (%s, %s)", [date, toll])
        cursor.execute("SELECT d, t FROM rb_adapted")
        row = cursor.fetchone()
        cursor.execute("DROP TABLE rb_adapted")
    converted = (
        connection.ops.convert_datefield_value(row[0], None, connection)
        if isinstance(row[0], str)
        else row[0]
    )
    assert (converted, Decimal(str(row[1]))) == (datetime.date(2001, 2, 3), Decimal("12.50")), (
        changed("DatabaseOperations.adapt_*field_value", "the fast path's dates and decimals")
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_batch_size_limit_keeps_an_insert_within_the_parameter_limit(bench):
    from django.db.backends.base.operations import BaseDatabaseOperations

    assert parameters(BaseDatabaseOperations.bulk_batch_size) == ["self", "fields", "objs"], (
        changed("DatabaseOperations.bulk_batch_size", "the batches of bulk-mti")
    )
    freeway = get_option(3).model_for("freeway")
    fields = internals.own_columns(freeway)  # 3 columns
    limit = connection.features.max_query_params
    size = internals.batch_size_limit(connection, fields, [object()] * (limit + 1))
    assert 1 <= size <= limit // len(fields), changed(
        "DatabaseOperations.bulk_batch_size", "the batches of bulk-mti"
    )
    assert internals.batch_size_limit(connection, fields, []) >= 1


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_delete_in_one_statement_sends_one_delete_and_no_select(bench):
    from django.db.models import QuerySet

    assert parameters(QuerySet._raw_delete) == ["self", "using"], changed(
        "QuerySet._raw_delete(using)", "delete-mti (one DELETE per table)"
    )
    option = get_option(1)
    option.bulk_create("freeway", 5, 100)
    with count_queries() as counted:
        deleted = internals.delete_in_one_statement(option.queryset("freeway"), connection.alias)
    assert deleted == 5 and not option.queryset("freeway").exists()
    assert (counted.by_kind["delete"], counted.by_kind["select"]) == (1, 0), changed(
        "QuerySet._raw_delete", "delete-mti (one DELETE per table)"
    )


@pytest.mark.parametrize("database_url", ["sqlite", "postgres", "mariadb"], indirect=True)
def test_the_driver_connection_is_the_one_django_sends_through(bench):
    connection.close()
    assert internals.driver_connection(connection) is None, changed(
        "BaseDatabaseWrapper.connection (None when closed)", "counting what the driver sends"
    )
    connection.ensure_connection()
    raw = internals.driver_connection(connection)
    driver = {"sqlite": "sqlite3", "postgresql": internals.pg_driver().__name__}
    module = driver.get(connection.vendor, "MySQLdb")
    assert type(raw).__module__.split(".")[0] == module, changed(
        "BaseDatabaseWrapper.connection (the driver's connection)", "counting what the driver sends"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_execute_through_wrappers_is_seen_by_execute_wrappers(bench):
    from django.db.backends.utils import CursorWrapper

    assert parameters(CursorWrapper._execute_with_wrappers) == [
        "self",
        "sql",
        "params",
        "many",
        "executor",
    ], changed("CursorWrapper._execute_with_wrappers", "counting the COPY of create raw")
    seen: list[str] = []
    ran: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper), connection.cursor() as cursor:
        internals.execute_through_wrappers(
            cursor, "SELECT 1", lambda sql, params, many, context: ran.append(sql)
        )
    assert (seen, ran) == (["SELECT 1"], ["SELECT 1"]), changed(
        "CursorWrapper._execute_with_wrappers", "counting the COPY of create raw"
    )


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_transaction_ends_are_seen_where_django_sends_them(bench):
    from django.db.backends.base.base import BaseDatabaseWrapper

    for name in internals.TRANSACTION_ENDS:
        assert parameters(getattr(BaseDatabaseWrapper, name)) == ["self"], changed(
            f"BaseDatabaseWrapper.{name}()", "counting COMMIT and ROLLBACK"
        )
    seen: list[str] = []
    with internals.transaction_ends_seen(connection, seen.append):
        with transaction.atomic():
            get_option(1).queryset("freeway").count()
        with transaction.atomic():
            get_option(1).queryset("freeway").count()
            transaction.set_rollback(True)
    assert seen == ["COMMIT", "ROLLBACK"], changed(
        "how transaction.atomic ends a transaction (BaseDatabaseWrapper._commit/_rollback)",
        "counting COMMIT and ROLLBACK",
    )


# --- the connection handler -----------------------------------------------------------------


def test_the_default_connection_can_be_swapped(tmp_path: Path):
    from django.db import DEFAULT_DB_ALIAS, connections

    for api in ("configure_settings", "settings", "__delitem__"):
        assert hasattr(connections, api), changed(
            f"ConnectionHandler.{api}", "switching Django's default database per run"
        )
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    try:
        for path in (first, second):
            internals.activate_default_connection(
                {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
            )
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("CREATE TABLE t (a integer)")
            assert connections[DEFAULT_DB_ALIAS].settings_dict["NAME"] == str(path), changed(
                "ConnectionHandler.settings", "switching Django's default database per run"
            )
    finally:
        internals.deactivate_default_connection()
    assert first.exists() and second.exists()


# --- the PostgreSQL driver ------------------------------------------------------------------


def test_roadbench_uses_the_driver_django_uses():
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    assert internals.pg_driver().__name__ == ("psycopg" if is_psycopg3 else "psycopg2"), (
        f"{DJANGO} picks its PostgreSQL driver differently now: update "
        "roadbench/database/django_internals.py pg_driver"
    )


@pytest.mark.postgres
def test_the_admin_connection_reports_version_errors_and_transactions(postgres_url):
    from roadbench.database import parse_database_url
    from roadbench.database.postgresql import connect as _pg_connect

    conn = _pg_connect(parse_database_url(postgres_url))
    try:
        assert internals.pg_server_version(conn) >= 100000
        assert not internals.pg_transaction_open(conn)
        with conn.cursor() as cursor, pytest.raises(internals.pg_error()) as failure:
            cursor.execute("SELECT * FROM roadbench_no_such_table")
        assert internals.pg_sqlstate(failure.value) == "42P01"
    finally:
        conn.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_copy_and_server_side_cursors_on_the_installed_driver(bench):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE rb_copied (a text, b integer)")
        internals.copy_from_text(cursor, "COPY rb_copied (a, b) FROM STDIN", "x\t1\ny\t\\N\n")
        cursor.execute("SELECT a, b FROM rb_copied ORDER BY a")
        assert cursor.fetchall() == [("x", 1), ("y", None)]
    cursor = connection.chunked_cursor()
    raw = cursor.cursor
    for attribute in ("name", "withhold", "closed", "arraysize"):
        assert hasattr(raw, attribute), (
            f"{internals.pg_driver_name()} with {DJANGO}: a server-side cursor has no "
            f"{attribute!r}: update roadbench/database/django_internals.py server_cursor_statements"
        )
    assert raw.name and raw.withhold  # autocommit: WITH HOLD, so CLOSE is sent
    assert not internals.pg_transaction_open(connection.connection)
    cursor.close()


@pytest.mark.skipif(django.VERSION < (6, 1), reason="fetch modes came with Django 6.1")
def test_the_default_fetch_mode_can_be_set_for_a_block():
    from django.db.models import FETCH_ONE, FETCH_RAISE, QuerySet

    from roadbench.designs import get_option

    model = get_option(1).model_for("freeway")
    with internals.default_fetch_mode("FETCH_RAISE"):
        raising = model._default_manager.all()
    assert raising._fetch_mode is FETCH_RAISE, changed(
        "django.db.models.query.DEFAULT_FETCH_MODE", "queries --fetch-raise"
    )
    assert model._default_manager.all()._fetch_mode is FETCH_ONE
    assert isinstance(raising, QuerySet)
