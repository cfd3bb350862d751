"""PostgreSQL: a throwaway database, or a schema where the role may not create databases.

Ownership: a session-level advisory lock on the name (``roadbench.database.ownership``), held by the
run's admin connection from before CREATE until after the drop. The mark: a comment on the
database or schema (``lifecycle.database_mark``), written right after ``CREATE DATABASE``
(which runs alone, outside any transaction) and in the same transaction as ``CREATE SCHEMA``.
The driver is the one Django uses: psycopg 3 when installed, else psycopg2
(``roadbench.database.django_internals``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from roadbench.database.backend import LEFT_ALONE, Leftover
from roadbench.database.django_internals import (
    DRIVER_INSTALL,
    copy_from_text,
    execute_through_wrappers,
    pg_connect,
    pg_driver_name,
    pg_error,
    pg_server_version,
    pg_sqlstate,
    pg_transaction_open,
)
from roadbench.database.lifecycle import (
    CONNECT_TIMEOUT_S,
    NAME_PREFIX,
    RUN_NAME,
    BenchDatabase,
    Made,
    Removal,
    Server,
    database_mark,
    first_line,
    mark_literal,
    server_database,
)
from roadbench.database.ownership import lock_held, take_lock
from roadbench.database.urls import DatabaseURL
from roadbench.errors import DatabaseUnavailable

INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE
DUPLICATE_DATABASE = "42P04"
FAST_PATH = "COPY"


def connect(parsed: DatabaseURL) -> Any:
    """A plain connection (autocommit) for creating and dropping the throwaway db.

    With the driver Django uses: psycopg 3 when installed, else psycopg2.
    """
    try:
        error = pg_error()
    except ImportError:
        raise DatabaseUnavailable(
            f"cannot use {parsed.masked}: no PostgreSQL driver is installed ({DRIVER_INSTALL})"
        ) from None
    cfg = parsed.config
    kwargs: dict[str, Any] = {
        "dbname": cfg.get("NAME") or "postgres",
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "connect_timeout": CONNECT_TIMEOUT_S,
        # A SQL_ASCII database (a project's TEST CHARSET) would hand psycopg 3 bytes, not str.
        "client_encoding": "UTF8",
        **{k: v for k, v in (cfg.get("OPTIONS") or {}).items() if k != "options"},
    }
    try:
        return pg_connect(**{k: v for k, v in kwargs.items() if v is not None})
    except error as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {parsed.masked}: {first_line(parsed.scrub(str(exc)))}"
        ) from None


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(
    parsed: DatabaseURL, admin: Any, made: Made, say: Callable[[str], None]
) -> tuple[str, dict[str, Any]]:
    """CREATE DATABASE, or CREATE SCHEMA where the role may not create databases."""
    error = pg_error()
    name = made.name
    config = {
        **parsed.config,
        "OPTIONS": {**(parsed.config.get("OPTIONS") or {}), "connect_timeout": CONNECT_TIMEOUT_S},
    }
    try:
        made.kind = isolation = "database"
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {_quote_ident(name)}{_creation_suffix(parsed, made)}")
            # At once: only a SIGKILL in this one round trip leaves it unmarked (and empty).
            cur.execute(
                f"COMMENT ON DATABASE {_quote_ident(name)} IS "
                f"{mark_literal(database_mark('database', name))}"
            )
        config["NAME"] = name
    except error as exc:
        made.kind = None if pg_sqlstate(exc) else made.kind  # refused by the server: nothing made
        if made.test_database:
            raise DatabaseUnavailable(_test_database_refused(parsed, admin, name, exc)) from None
        if pg_sqlstate(exc) != INSUFFICIENT_PRIVILEGE:
            raise DatabaseUnavailable(
                f"cannot create a database on {parsed.masked}: {first_line(parsed.scrub(str(exc)))}"
            ) from None
        try:
            made.kind = isolation = "schema"
            with admin.cursor() as cur:
                # One query string, so one transaction: the schema is never there unmarked.
                cur.execute(
                    f"CREATE SCHEMA {_quote_ident(name)}; COMMENT ON SCHEMA {_quote_ident(name)} "
                    f"IS {mark_literal(database_mark('schema', name))}"
                )
        except error as exc2:
            made.kind = None if pg_sqlstate(exc2) else made.kind
            raise DatabaseUnavailable(
                f"cannot create a database or a schema on {parsed.masked}: "
                f"{first_line(parsed.scrub(str(exc2)))}"
            ) from None
        config["OPTIONS"]["options"] = f"-c search_path={name}"
        say(
            f"the role may not create databases; working in schema {name} of "
            f"{parsed.config.get('NAME')} instead (dropped at the end)"
        )
    return isolation, config


def _creation_suffix(parsed: DatabaseURL, made: Made) -> str:
    """A project's test database as Django's test runner creates it on PostgreSQL: with
    TEST's CHARSET as its ENCODING and TEST's TEMPLATE (``_get_database_create_suffix``)."""
    from roadbench.database.project import ProjectDatabaseURL, test_creation

    if not made.test_database or not isinstance(parsed, ProjectDatabaseURL):
        return ""
    creation = test_creation(parsed)
    suffix = ""
    if "CHARSET" in creation:
        suffix += f" ENCODING '{creation['CHARSET']}'"
    if "TEMPLATE" in creation:
        suffix += f" TEMPLATE {_quote_ident(creation['TEMPLATE'])}"
    return f" WITH{suffix}" if suffix else ""


def _test_database_refused(parsed: DatabaseURL, admin: Any, name: str, exc: Exception) -> str:
    """Why a project's test database was not made, and what to do: one that exists is never
    used or dropped (Django's tests may be running in it, or kept it with --keepdb)."""
    if pg_sqlstate(exc) != DUPLICATE_DATABASE:
        return (
            f"cannot create the test database {name} on {parsed.masked}: "
            f"{first_line(parsed.scrub(str(exc)))}"
        )
    with admin.cursor() as cur:
        cur.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        )
        row = cur.fetchone()
    if row is not None and row[0] == database_mark("database", name):
        return (
            f"the test database {name} on {parsed.masked} is left from an earlier roadbench run "
            "(killed, or run with --keep): `roadbench cleanup` with the same --settings "
            "(or --database) removes it"
        )
    return (
        f"the test database {name} already exists on {parsed.masked}; roadbench never uses "
        "or drops a database it did not make (Django's tests may be running in it, or kept it "
        "with --keepdb): drop it, or set DATABASES['default']['TEST']['NAME'] to another name"
    )


def drop(admin: Any, isolation: str, name: str, force: bool = True) -> bool:
    """Drop a database or schema of roadbench's if it exists; True if it did.

    ``force`` ends other sessions on the database first (the run's own, after an error);
    without it a database someone is connected to stays, and the error says so.
    """
    catalog, column = (
        ("pg_namespace", "nspname") if isolation == "schema" else ("pg_database", "datname")
    )
    with admin.cursor() as cur:
        cur.execute(f"SELECT 1 FROM {catalog} WHERE {column} = %s", [name])
        if cur.fetchone() is None:
            return False
        if isolation == "schema":
            cur.execute(f"DROP SCHEMA IF EXISTS {_quote_ident(name)} CASCADE")
        elif not force:
            cur.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)}")
        elif pg_server_version(admin) >= 130000:
            cur.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
        else:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            cur.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)}")
    return True


SERVER = Server(
    lock="advisory lock",
    connect=connect,
    error=pg_error,
    message=str,
    take_lock=take_lock,
    create=_create,
    drop=drop,
    # After an error the driver tells whether the run's connection is still there.
    connection_lost=lambda admin, _exc: bool(admin.closed),
)


def throwaway_database(
    parsed: DatabaseURL,
    keep: bool,
    say: Callable[[str], None],
    removal: Removal,
    test_name: str | None = None,
) -> AbstractContextManager[BenchDatabase]:
    if test_name is not None:
        parsed = maintenance_database(parsed)
    return server_database(parsed, keep, say, removal, SERVER, test_name)


def maintenance_database(parsed: DatabaseURL) -> DatabaseURL:
    """Where a project's test database is created from: the ``postgres`` database, as Django's
    test runner does, so the project's own database is not even connected to (and need not
    exist yet, as in a CI job that only runs tests); else the project's, as Django falls back."""
    maintenance = dataclasses.replace(parsed, config={**parsed.config, "NAME": "postgres"})
    try:
        connect(maintenance).close()
    except DatabaseUnavailable:
        return parsed
    return maintenance


def describe(connection: Any) -> tuple[str, str]:
    version = connection.pg_version  # e.g. 150019
    return f"{version // 10000}.{version % 10000}", pg_driver_name()


def inspect(parsed: DatabaseURL) -> dict[str, Any]:
    conn = connect(parsed)  # first: it turns a missing driver into one clear line
    info: dict[str, Any] = {"driver": pg_driver_name()}
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["server_version"] = cur.fetchone()[0]
            cur.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cur.fetchone()
            may_create_db = bool(row and row[0])
            cur.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
            may_create_schema = bool(cur.fetchone()[0])
    finally:
        conn.close()
    if may_create_db:
        info["isolation"] = "a new database roadbench_<unique>, dropped at the end"
    elif may_create_schema:
        info["isolation"] = (
            f"a new schema roadbench_<unique> in {parsed.config.get('NAME')}, dropped at the end "
            "(the role may not create databases)"
        )
    else:
        info["isolation"] = "none: the role may create neither a database nor a schema"
    return info


def leftovers(parsed: DatabaseURL, remove: bool) -> list[Leftover]:
    """The URL's role's databases and schemas with a run's name whose lock nobody holds: those
    with roadbench's mark, with what they hold (dropped with ``remove``); the others listed as
    left alone."""
    conn = connect(parsed)
    try:
        with conn.cursor() as cur:
            # A run's name, or a project's test database marked as roadbench's (any name).
            cur.execute(
                "SELECT 'database', datname, shobj_description(oid, 'pg_database') "
                "FROM pg_database WHERE (datname LIKE %(like)s "
                "OR shobj_description(oid, 'pg_database') = %(mark)s || datname) "
                "AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user) "
                "UNION ALL SELECT 'schema', nspname, obj_description(oid, 'pg_namespace') "
                "FROM pg_namespace WHERE nspname LIKE %(like)s "
                "AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) "
                "ORDER BY 2",
                {
                    "like": NAME_PREFIX.replace("_", "\\_") + "%",
                    "mark": database_mark("database", ""),
                },
            )
            candidates = [
                row
                for row in cur.fetchall()
                if RUN_NAME.fullmatch(row[1]) or row[2] == database_mark(row[0], row[1])
            ]
            # A held lock: a live run's, on this machine or another (marked yet or not).
            found = [
                Leftover(
                    kind,
                    name,
                    "would be removed" if mark == database_mark(kind, name) else LEFT_ALONE,
                )
                for kind, name, mark in candidates
                if not lock_held(cur, name)
            ]
        for item in found:
            if not item.removable:
                continue  # not roadbench's: not even looked into
            item.tables, item.holds = _contents(parsed, conn, item.kind, item.name)
            if not remove:
                continue
            try:
                # No FORCE: a database someone is connected to (looking into it) stays.
                drop(conn, item.kind, item.name, force=False)
                item.status = "removed"
            except pg_error() as exc:
                item.status = f"not removed: {first_line(parsed.scrub(str(exc)))}"
    finally:
        conn.close()
    return found


_TABLES = (
    "SELECT n.nspname, c.relname FROM pg_class AS c JOIN pg_namespace AS n "
    "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND {where} ORDER BY 1, 2"
)
_USER_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'"
)


def _contents(
    parsed: DatabaseURL, conn: Any, kind: str, name: str
) -> tuple[dict[str, int] | None, str]:
    """Each table of a leftover and its rows (read only), and that as a reader wants it."""
    from roadbench.database.temporary import tables_summary

    inside = None
    try:
        if kind == "schema":
            tables = _count_tables(conn, _TABLES.format(where="n.nspname = %s"), [name])
        else:
            inside = connect(DatabaseURL(parsed.raw, {**parsed.config, "NAME": name}, "postgresql"))
            tables = _count_tables(inside, _TABLES.format(where=_USER_SCHEMAS), [])
    except (DatabaseUnavailable, pg_error()) as exc:
        return None, f"unknown ({first_line(parsed.scrub(str(exc)))})"
    finally:
        if inside is not None:
            inside.close()  # before the drop: a session on it would keep it
    return tables, tables_summary(tables)


def _count_tables(conn: Any, sql: str, params: list[str]) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        names = cur.fetchall()
        counts = {}
        for schema, table in names:
            cur.execute(f"SELECT count(*) FROM {_quote_ident(schema)}.{_quote_ident(table)}")
            shown = (
                table if schema in ("public", params[0] if params else "") else f"{schema}.{table}"
            )
            counts[shown] = int(cur.fetchone()[0])
    return counts


# --- the fast path --------------------------------------------------------------------------


def write_rows(
    cursor: Any, table: str, columns: str, width: int, rows: list[tuple[Any, ...]]
) -> None:
    from roadbench.database.fastpath import copy_line

    sql = f"COPY {table} ({columns}) FROM STDIN"
    text = "".join(copy_line(row) for row in rows)

    # Through Django's wrappers, so the query-counting pass sees the COPY.
    def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
        copy_from_text(context["cursor"], sql, text)

    execute_through_wrappers(cursor, sql, copy)


def reserve_ids(cursor: Any, table: str, pk: str, count: int) -> list[int]:
    # One nextval, then move the sequence past the block: as many ids as nextval per row
    # would give, in two statements instead of one call per row.
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, pk])
    first = int(cursor.fetchone()[0])
    if count > 1:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [table, pk, first + count - 1]
        )
    return list(range(first, first + count))


def clear_tables(cursor: Any, tables: Sequence[str]) -> None:
    cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def analyze_tables(cursor: Any, tables: Sequence[str]) -> None:
    cursor.execute(f"ANALYZE {', '.join(tables)}")


def explain(cursor: Any, sql: str, params: Any, analyze: bool) -> list[str]:
    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if analyze else "EXPLAIN"
    cursor.execute(f"{prefix} {sql}", params)
    return [str(row[0]) for row in cursor.fetchall()]


def driver_statements(raw: Any, event: str) -> list[str]:
    # The driver opened the transaction with a BEGIN the wrappers never saw, and ends it only
    # if one is open; switching autocommit is client-side.
    if event in ("COMMIT", "ROLLBACK") and pg_transaction_open(raw):
        return ["BEGIN", event]
    return []


# Every foreign-key constraint referencing one of the given tables, as the catalog defines it;
# a partitioned table's, not its clones on the partitions (they go and come back with it, and
# cannot be dropped alone). A key added NOT VALID is left in place: it would come back NOT
# VALID, unchecked, so its per-row checks are the only ones the deleted rows get.
_REFERENCES = """
SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
FROM pg_constraint AS c
WHERE c.contype = 'f' AND c.confrelid = ANY(%s::text[]::regclass[]) AND c.conparentid = 0
  AND c.convalidated
ORDER BY 2, 1
"""


def _one_line(message: str) -> str:
    """PostgreSQL's message and its DETAIL line as one line."""
    return "; ".join(" ".join(line.split()) for line in message.splitlines()).rstrip(".")


@contextlib.contextmanager
def foreign_keys_checked_once(connection: Any, tables: Sequence[str]) -> Iterator[None]:
    """In one transaction: drop the foreign keys referencing ``tables``, run the block, add
    them back with the same names and definitions (which validates every row at once: the
    row-by-row RI triggers never fire), and check the catalog holds what it held.

    DDL is transactional here, so a violation rolls everything back. ALTER TABLE holds
    ACCESS EXCLUSIVE locks on the referencing tables until commit.
    """
    from django.db import DatabaseError, IntegrityError, transaction

    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(_REFERENCES, [[quote(t) for t in tables]])
        constraints = cursor.fetchall()
        for name, table, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        yield
        for name, table, definition in constraints:
            try:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            except IntegrityError as exc:
                raise IntegrityError(
                    f"foreign key {name} on {table} fails when checked once before commit: "
                    f"{_one_line(str(exc))}; rolled back, nothing deleted"
                ) from exc
        cursor.execute(_REFERENCES, [[quote(t) for t in tables]])
        if cursor.fetchall() != constraints:
            raise DatabaseError(
                "the foreign keys added back differ from those dropped; rolled back"
            )
