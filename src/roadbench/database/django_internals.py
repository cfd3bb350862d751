"""Every private Django or driver API roadbench touches, in one place.

Django's public API has no way to insert child rows with given ids, to run a COPY through the
execute wrappers, to see the COMMIT and ROLLBACK it sends straight to the driver, to swap the
default connection of a configured process, or to see the FETCH and CLOSE of a server-side
cursor; nor does it document a model's parent links, its own columns, the backend's value
adaptation and batch size, or the driver's connection under Django's. roadbench needs each of
these; they live here, and
``tests/database/test_django_internals.py`` has a canary for each that fails with a clear
message on a Django or driver that changed it.

The PostgreSQL driver: Django uses psycopg 3 when it is installed and psycopg2 otherwise
(``django.db.backends.postgresql.psycopg_any``); roadbench follows Django's choice everywhere.
"""

from __future__ import annotations

import contextlib
import io
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

# --- patching an object without losing anyone else's patch ---------------------------------

_ABSENT = object()


@contextlib.contextmanager
def patched(obj: Any, name: str, replacement: Any) -> Iterator[None]:
    """Set ``obj.name`` for the block, then put back exactly what was there.

    An attribute the instance had of its own (another tool's patch) is restored; one it only
    inherited from its class is removed again, so the class's method shows through.
    """
    previous = vars(obj).get(name, _ABSENT)
    setattr(obj, name, replacement)
    try:
        yield
    finally:
        if previous is _ABSENT:
            delattr(obj, name)
        else:
            setattr(obj, name, previous)


def database_wrapper(connection: Any) -> Any:
    """The DatabaseWrapper itself: ``django.db.connection`` is a proxy to the thread's one,
    and a patch must look at the wrapper's own attributes, not the proxy's."""
    from django.db import connections

    return connections[connection.alias]


# --- the ORM --------------------------------------------------------------------------------


def parent_links(model: type[Any]) -> dict[type[Any], Any]:
    """Each direct parent model of ``model`` and the field linking to it (None for a proxy's
    or an abstract base's parent): ``Options.parents``."""
    return dict(model._meta.parents)


def concrete_ancestors(model: type[Any]) -> list[type[Any]]:
    """Every ancestor model with a table of its own, nearest first: ``Options.get_parent_list``
    without the proxies."""
    return [p for p in model._meta.get_parent_list() if p._meta.concrete_model is p]


def own_columns(model: type[Any]) -> list[Any]:
    """The fields stored in the model's own table (a multi-table child's link and its own
    fields, not its parents'): ``Options.local_concrete_fields``."""
    return list(model._meta.local_concrete_fields)


def all_columns(model: type[Any]) -> list[Any]:
    """Every field stored in a column, the parents' included: ``Options.concrete_fields``."""
    return list(model._meta.concrete_fields)


def signal_receivers(signal: Any, sender: type[Any]) -> list[Any]:
    """The live receivers connected to ``signal`` for ``sender`` itself (not for every
    sender): ``Signal.receivers`` holds ((receiver id, sender id), receiver or weakref,
    is_async) entries; Django has no public way to list them."""
    from django.dispatch.dispatcher import _make_id

    wanted = _make_id(sender)
    found = []
    for entry in signal.receivers:
        (_receiver_key, sender_key), receiver = entry[0], entry[1]
        if sender_key != wanted:
            continue
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        if receiver is not None:
            found.append(receiver)
    return found


def date_adapter(connection: Any) -> Callable[[Any], Any]:
    """The backend's adaptation of a date for its driver (``DatabaseOperations.
    adapt_datefield_value``), looked up once so a caller can apply it per value cheaply."""
    return connection.ops.adapt_datefield_value  # type: ignore[no-any-return]


def decimal_adapter(
    connection: Any, digits: int | None, places: int | None
) -> Callable[[Any], Any]:
    """The backend's adaptation of a decimal of ``digits``/``places`` for its driver
    (``DatabaseOperations.adapt_decimalfield_value``)."""
    adapt = connection.ops.adapt_decimalfield_value
    return lambda value: adapt(value, digits, places)


def batch_size_limit(connection: Any, fields: Sequence[Any], objs: Sequence[Any]) -> int:
    """The most rows one INSERT of ``fields`` may carry on this backend (its parameter
    limit), at least 1: ``DatabaseOperations.bulk_batch_size``, as bulk_create uses it."""
    return connection.ops.bulk_batch_size(list(fields), list(objs)) or 1  # type: ignore[no-any-return]


def delete_in_one_statement(queryset: Any, alias: str) -> int:
    """DELETE the queryset's rows in one statement, without the collector (no cascade
    followed, no signals): ``QuerySet._raw_delete``. Returns the rows deleted."""
    return int(queryset._raw_delete(alias))


def driver_connection(connection: Any) -> Any:
    """The driver's own connection under Django's (sqlite3, psycopg or MySQLdb), or None
    before Django has connected: ``BaseDatabaseWrapper.connection``."""
    return database_wrapper(connection).connection


def insert_rows(model: type[Any], objs: Sequence[Any], fields: Sequence[Any]) -> Any:
    """INSERT ``objs`` with the values of ``fields`` as they are (ids included), no save().

    ``QuerySet._insert``: what bulk_create uses underneath, without its refusal of multi-table
    children, which roadbench's bulk-mti gives their parents' ids itself.
    """
    return model._base_manager._insert(list(objs), fields=list(fields))


def execute_through_wrappers(
    cursor: Any, sql: str, executor: Callable[[str, Any, bool, dict[str, Any]], Any]
) -> Any:
    """Run ``executor(sql, None, False, context)`` inside the connection's execute wrappers.

    ``CursorWrapper._execute_with_wrappers``: so a statement Django has no method for (COPY)
    is seen by ``connection.execute_wrapper`` like any other, e.g. by the counting pass.
    """
    return cursor._execute_with_wrappers(sql, None, False, executor=executor)


TRANSACTION_ENDS = {"_commit": "COMMIT", "_rollback": "ROLLBACK"}


@contextlib.contextmanager
def transaction_ends_seen(connection: Any, seen: Callable[[str], None]) -> Iterator[None]:
    """Call ``seen("COMMIT")`` / ``seen("ROLLBACK")`` before Django ends a transaction.

    ``BaseDatabaseWrapper._commit`` / ``_rollback`` call the driver's commit() and rollback()
    directly, outside the execute wrappers.
    """

    def announcing(real: Callable[[], Any], sql: str) -> Callable[[], Any]:
        def call() -> Any:
            seen(sql)
            return real()

        return call

    connection = database_wrapper(connection)
    with contextlib.ExitStack() as stack:
        for attribute, sql in TRANSACTION_ENDS.items():
            real = getattr(connection, attribute)
            stack.enter_context(patched(connection, attribute, announcing(real, sql)))
        yield


@contextlib.contextmanager
def autocommit_switches_seen(connection: Any, seen: Callable[[bool], None]) -> Iterator[None]:
    """Call ``seen(on)`` before Django switches the driver's autocommit on or off.

    ``BaseDatabaseWrapper._set_autocommit`` calls the driver directly, outside the execute
    wrappers; mysqlclient sends a ``SET autocommit=N`` statement for it (the other drivers
    send nothing).
    """
    connection = database_wrapper(connection)
    real = connection._set_autocommit

    def switch(autocommit: bool) -> Any:
        seen(autocommit)
        return real(autocommit)

    with patched(connection, "_set_autocommit", switch):
        yield


@contextlib.contextmanager
def default_fetch_mode(name: str) -> Iterator[None]:
    """Every QuerySet made in the block starts in fetch mode ``name`` (Django 6.1+).

    ``django.db.models.query.DEFAULT_FETCH_MODE`` is what ``QuerySet.__init__`` starts from;
    Django has no public setting for it. Used to run a case under FETCH_RAISE.
    """
    from django.db.models import fetch_modes, query  # type: ignore[attr-defined,unused-ignore]

    with patched(query, "DEFAULT_FETCH_MODE", getattr(fetch_modes, name)):
        yield


# --- the connection handler -----------------------------------------------------------------


def activate_default_connection(config: dict[str, Any]) -> None:
    """Make ``config`` Django's default connection in a process that is already configured.

    Django reads ``settings.DATABASES`` once (``ConnectionHandler.settings``, a cached
    property); ``configure_settings`` fills in the defaults a settings module would get.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    deactivate_default_connection()
    full = connections.configure_settings({DEFAULT_DB_ALIAS: dict(config)})
    connections.settings[DEFAULT_DB_ALIAS] = full[DEFAULT_DB_ALIAS]


def deactivate_default_connection() -> None:
    """Close the default connection and forget it, so the next use builds a new one (in the
    async ORM's thread too: connections are thread-local)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from roadbench.database import orm_thread

    orm_thread.forget_connection()
    with contextlib.suppress(AttributeError):
        connections[DEFAULT_DB_ALIAS].close()
        del connections[DEFAULT_DB_ALIAS]


@contextlib.contextmanager
def default_cache(config: dict[str, Any]) -> Iterator[None]:
    """Make ``config`` Django's default cache for the block, then put the previous one back.

    Like the databases, ``CacheHandler.settings`` is read once; the cache object is per thread.
    """
    from django.core.cache import DEFAULT_CACHE_ALIAS, caches

    previous = caches.settings[DEFAULT_CACHE_ALIAS]
    _forget_cache(caches, DEFAULT_CACHE_ALIAS)
    caches.settings[DEFAULT_CACHE_ALIAS] = dict(config)
    try:
        yield
    finally:
        _forget_cache(caches, DEFAULT_CACHE_ALIAS)
        caches.settings[DEFAULT_CACHE_ALIAS] = previous


def _forget_cache(caches: Any, alias: str) -> None:
    with contextlib.suppress(AttributeError):
        caches[alias].close()
        del caches[alias]


# --- the PostgreSQL driver ------------------------------------------------------------------

DRIVER_INSTALL = "pip install psycopg2-binary, or psycopg[binary] for psycopg 3"


def pg_driver() -> ModuleType:
    """The driver Django's PostgreSQL backend uses: psycopg 3 if installed, else psycopg2.

    Raises ImportError when neither is installed.
    """
    try:
        import psycopg

        return psycopg
    except ImportError:
        import psycopg2

        return psycopg2


def pg_driver_name() -> str:
    """``psycopg 3.3.9`` or ``psycopg2 2.9.10``."""
    driver = pg_driver()
    return f"{driver.__name__} {driver.__version__.split()[0]}"


def pg_connect(**kwargs: Any) -> Any:
    """A plain autocommit connection with libpq keywords (dbname, user, host, ...)."""
    driver = pg_driver()
    if driver.__name__ == "psycopg":
        return driver.connect(autocommit=True, **kwargs)
    conn = driver.connect(**kwargs)
    conn.autocommit = True
    return conn


def pg_error() -> type[Exception]:
    """The driver's base exception class."""
    return pg_driver().Error  # type: ignore[no-any-return]


def pg_sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error (psycopg2 calls it ``pgcode``, psycopg 3 ``sqlstate``)."""
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)


def pg_server_version(conn: Any) -> int:
    """The server's version number (150019) from a driver connection."""
    return int(conn.info.server_version)


def pg_transaction_open(raw_connection: Any) -> bool:
    """Whether the driver connection is inside a transaction (libpq's transaction status)."""
    return int(raw_connection.info.transaction_status) != _IDLE


# libpq's PQtransactionStatus values, the same numbers in both drivers.
_IDLE, _INTRANS = 0, 2


def copy_from_text(cursor: Any, sql: str, text: str) -> None:
    """Run ``COPY ... FROM STDIN`` on a Django cursor with ``text`` as the data."""
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO(text))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(text)


@contextlib.contextmanager
def server_cursor_statements(connection: Any, seen: Callable[[str, float], None]) -> Iterator[None]:
    """Call ``seen(sql, seconds)`` for each FETCH and CLOSE a server-side cursor sends.

    ``QuerySet.iterator()`` on PostgreSQL reads through ``connection.chunked_cursor()``, a
    named (server-side) cursor: its ``execute`` (the DECLARE) goes through the execute
    wrappers, but each ``fetchmany`` (a FETCH) and the final ``close`` (a CLOSE) go straight
    from the driver to the server. The rules for when they send something are the drivers'.
    """
    connection = database_wrapper(connection)
    original = connection.chunked_cursor

    def chunked_cursor() -> Any:
        wrapper = original()
        name = getattr(wrapper.cursor, "name", None)
        if name:  # a server-side cursor (SQLite and unnamed cursors fetch client-side)
            _announce_fetch_and_close(wrapper, name, seen)
        return wrapper

    with patched(connection, "chunked_cursor", chunked_cursor):
        yield


def _announce_fetch_and_close(wrapper: Any, name: str, seen: Callable[[str, float], None]) -> None:
    raw = wrapper.cursor
    quoted = '"' + name.replace('"', '""') + '"'

    def fetching(method: str, how_many: Callable[[tuple[Any, ...]], str]) -> Callable[..., Any]:
        real = getattr(wrapper, method)  # Django's error-wrapped driver method

        def fetch(*args: Any) -> Any:
            sends = not raw.closed
            start = time.perf_counter()
            try:
                return real(*args)
            finally:
                if sends:
                    seen(f"FETCH FORWARD {how_many(args)} FROM {quoted}", _since(start))

        return fetch

    wrapper.fetchone = fetching("fetchone", lambda args: "1")
    wrapper.fetchmany = fetching("fetchmany", lambda args: str(args[0] if args else raw.arraysize))
    wrapper.fetchall = fetching("fetchall", lambda args: "ALL")
    real_close = wrapper.close

    def close() -> Any:
        sends = _close_sends_statement(raw)
        start = time.perf_counter()
        try:
            return real_close()
        finally:
            if sends:
                seen(f"CLOSE {quoted}", _since(start))

    wrapper.close = close


def _since(start: float) -> float:
    return time.perf_counter() - start


def _close_sends_statement(raw_cursor: Any) -> bool:
    """Whether closing a declared server-side cursor sends CLOSE (both drivers' rules).

    Not on a broken or failed connection; a cursor WITHOUT HOLD is gone with its transaction,
    so only inside one.
    """
    if raw_cursor.closed:
        return False
    status = int(raw_cursor.connection.info.transaction_status)
    if status not in (_IDLE, _INTRANS):
        return False
    return bool(raw_cursor.withhold) or status == _INTRANS
