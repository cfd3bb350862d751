"""MySQL and MariaDB: the throwaway database, its lock, doctor's look and cleanup's leftovers.

MySQL has no schemas inside a database, so there is no fallback: without the privilege to
create a database roadbench refuses, naming the grant that would do. The driver is
mysqlclient (``MySQLdb``), the one Django supports; it builds from source (see
docs/databases.md).

Ownership: a run holds ``GET_LOCK('roadbench:<name>')`` on its admin connection from before
``CREATE DATABASE`` until after the drop; the server releases it when that connection ends
(a killed process included). A ``roadbench_…`` database whose lock is free
(``IS_USED_LOCK`` is NULL) belongs to no live run: a leftover if it carries roadbench's mark
(``lifecycle.database_mark``). On MariaDB (10.5 and later) the mark is the database's comment,
given in the ``CREATE DATABASE`` itself, so the database never exists unmarked; MySQL has no
database comments, so there it is a one-row table, ``roadbench_mark``, created right after.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from roadbench.database.backend import LEFT_ALONE, Leftover
from roadbench.database.lifecycle import (
    CONNECT_TIMEOUT_S,
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
from roadbench.database.urls import DatabaseURL
from roadbench.errors import DatabaseUnavailable

DRIVER_INSTALL = (
    "pip install 'roadbench[mysql]' (mysqlclient builds from source: on Debian first "
    "apt-get install default-libmysqlclient-dev pkg-config gcc)"
)
LOCK_PREFIX = "roadbench:"
MARK_TABLE = "roadbench_mark"  # MySQL's mark (it has no database comments)
# MySQL's server error numbers for "access denied" (to a database, for an operation).
ACCESS_DENIED = {1044, 1045, 1142, 1227}
# Client errors (2000 and up) come from the driver, not the server: a CREATE may have run.
CLIENT_ERRORS = 2000
DATABASE_EXISTS = 1007  # ER_DB_CREATE_EXISTS
FAST_PATH = "LOAD DATA LOCAL INFILE"
FALLBACK_PATH = "multi-row INSERT"


def driver() -> Any:
    import MySQLdb

    return MySQLdb


def driver_name() -> str:
    import MySQLdb

    return "mysqlclient " + ".".join(str(p) for p in MySQLdb.version_info[:3])


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def lock_name(name: str) -> str:
    return LOCK_PREFIX + name


def connect(parsed: DatabaseURL, timeout: int = CONNECT_TIMEOUT_S) -> Any:
    """A plain autocommit connection for creating and dropping the throwaway database."""
    try:
        MySQLdb = driver()
    except ImportError:
        raise DatabaseUnavailable(
            f"cannot use {parsed.masked}: the MySQL driver mysqlclient is not installed "
            f"({DRIVER_INSTALL})"
        ) from None
    cfg = parsed.config
    options = dict(cfg.get("OPTIONS") or {})
    kwargs: dict[str, Any] = {
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": int(cfg["PORT"]) if cfg.get("PORT") else None,
        "connect_timeout": timeout,
        "autocommit": True,
        **{k: v for k, v in options.items() if k in ("ssl", "ssl_mode", "unix_socket")},
    }
    # The URL's query (?password=...) is Django's OPTIONS, which override USER and PASSWORD in
    # Django's own connection: the same here, or the two would log in as different users.
    if options.get("user"):
        kwargs["user"] = options["user"]
    if options.get("password") or options.get("passwd"):  # mysqlclient takes either name
        kwargs["password"] = options.get("password") or options["passwd"]
    if str(kwargs.get("host") or "").startswith("/"):
        kwargs["unix_socket"] = kwargs.pop("host")
    try:
        return MySQLdb.connect(**{k: v for k, v in kwargs.items() if v is not None})
    except MySQLdb.Error as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {parsed.masked}: {first_line(parsed.scrub(_message(exc)))}"
        ) from None


def _message(exc: BaseException) -> str:
    """``(1044, "Access denied ...")`` as ``Access denied ...``."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 2 and isinstance(args[0], int):
        return str(args[1])
    return str(exc)


def error_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def take_lock(conn: Any, name: str) -> bool:
    """Take ``name``'s lock on this connection, without waiting (False if another holds it)."""
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute("SELECT GET_LOCK(%s, 0)", [lock_name(name)])
        return bool(cur.fetchone()[0])


def lock_held(cur: Any, name: str) -> bool:
    cur.execute("SELECT IS_USED_LOCK(%s)", [lock_name(name)])
    return cur.fetchone()[0] is not None


def database_exists(conn: Any, name: str) -> bool:
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [name])
        return cur.fetchone() is not None


def drop_database(conn: Any, name: str) -> bool:
    """Drop roadbench's database ``name`` if it exists; True if it did."""
    if not database_exists(conn, name):
        return False
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)}")
    return True


def server_version(conn: Any) -> str:
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute("SELECT VERSION()")
        return str(cur.fetchone()[0])


def local_infile_allowed(conn: Any) -> bool:
    """Whether the server accepts ``LOAD DATA LOCAL INFILE`` (the client allows it: roadbench
    asks for it in the connection options)."""
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute("SELECT @@GLOBAL.local_infile")
        return bool(int(cur.fetchone()[0] or 0))


def refusal(parsed: Any, user: str, why: str) -> str:
    return (
        f"cannot create a database on {parsed.masked}: {why}; roadbench works only in a "
        "database of its own (MySQL has no schemas inside a database to fall back on): "
        f"GRANT ALL ON `roadbench\\_%`.* TO {user} lets it create and drop only its own"
    )


# --- what the run's Django connection does differently ---------------------------------------


def connection_options(parsed: Any, timeout: int) -> dict[str, Any]:
    return {
        **(parsed.config.get("OPTIONS") or {}),
        "connect_timeout": timeout,
        "charset": "utf8mb4",
        # LOAD DATA LOCAL INFILE for the raw method; used only if the server allows it too.
        "local_infile": 1,
    }


def describe(connection: Any) -> tuple[str, str]:
    _load_data(connection)  # asked now, so no counted pass ever sends the question
    name = "MariaDB" if connection.mysql_is_mariadb else "MySQL"
    return f"{name} {'.'.join(str(p) for p in connection.mysql_version)}", driver_name()


def _load_data(connection: Any) -> bool:
    """Whether this connection's server takes LOAD DATA LOCAL INFILE (asked once)."""
    wrapper = _wrapper(connection)
    cached = getattr(wrapper, "_roadbench_local_infile", None)
    if cached is None:
        wrapper.ensure_connection()
        cached = local_infile_allowed(wrapper.connection)
        wrapper._roadbench_local_infile = cached
    return bool(cached)


def _wrapper(connection: Any) -> Any:
    from roadbench.database.django_internals import database_wrapper

    return database_wrapper(connection)


# Rows per multi-row INSERT: well under max_allowed_packet (16 MiB by default) for roads.
INSERT_BATCH = 1000


def write_rows(
    cursor: Any, table: str, columns: str, width: int, rows: list[tuple[Any, ...]]
) -> None:
    """LOAD DATA LOCAL INFILE from a temporary file, or multi-row INSERTs where not allowed."""
    rows = [tuple(_mysql_value(v) for v in row) for row in rows]
    if not rows:
        return
    if _load_data(cursor.db):
        from roadbench.database.fastpath import copy_line
        from roadbench.database.temporary import scratch_directory

        # In a marked directory this process holds: a SIGKILL leaves it to `roadbench cleanup`.
        fd, path = tempfile.mkstemp(dir=scratch_directory(), prefix="rows_", suffix=".tsv")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
                file.writelines(copy_line(row) for row in rows)
            cursor.execute(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 ({columns})",
                [path],
            )
        finally:
            os.unlink(path)
        return
    one = "(" + ", ".join(["%s"] * width) + ")"
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        values = ", ".join([one] * len(batch))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values}", [v for row in batch for v in row]
        )


def _mysql_value(value: Any) -> Any:
    # A boolean as MySQL stores it (TINYINT), not Python's "True".
    return int(value) if isinstance(value, bool) else value


def reserve_ids(cursor: Any, table: str, pk: str, count: int) -> list[int]:
    # The run's own database, one writer: the next AUTO_INCREMENT values are MAX(id) + 1 on.
    cursor.execute(f"SELECT COALESCE(MAX({quote_ident(pk)}), 0) FROM {table}")
    start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def clear_tables(cursor: Any, tables: Sequence[str]) -> None:
    """TRUNCATE (empty, AUTO_INCREMENT back to 1) with the foreign keys unchecked meanwhile:
    InnoDB refuses to truncate a table another one references otherwise."""
    cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
    try:
        for table in tables:
            cursor.execute(f"TRUNCATE TABLE {table}")
    finally:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def analyze_tables(cursor: Any, tables: Sequence[str]) -> None:
    """Nothing: InnoDB samples its statistics itself after a bulk load."""


def explain(cursor: Any, sql: str, params: Any, analyze: bool) -> list[str]:
    """MariaDB: ``EXPLAIN``/``ANALYZE FORMAT=JSON``; MySQL: ``EXPLAIN FORMAT=TREE`` and
    ``EXPLAIN ANALYZE``."""
    if cursor.db.mysql_is_mariadb:
        prefix = "ANALYZE FORMAT=JSON" if analyze else "EXPLAIN FORMAT=JSON"
    else:
        prefix = "EXPLAIN ANALYZE" if analyze else "EXPLAIN FORMAT=TREE"
    cursor.execute(f"{prefix} {sql}", params)
    return [line for row in cursor.fetchall() for line in str(row[0]).splitlines()]


def driver_statements(raw: Any, event: str) -> list[str]:
    """mysqlclient sends COMMIT and ROLLBACK whenever asked, and ``SET autocommit=N`` when the
    server's flag differs from what Django asks for (Django turns it off for each
    transaction, then on again)."""
    if event in ("COMMIT", "ROLLBACK"):
        return [event]
    on = event == "autocommit=1"
    return [] if bool(raw.get_autocommit()) == on else [f"SET {event}"]


# --- the throwaway database -------------------------------------------------------------------


def _create(
    parsed: DatabaseURL, admin: Any, made: Made, say: Callable[[str], None]
) -> tuple[str, dict[str, Any]]:
    """CREATE DATABASE, or a refusal that names the grant it needs."""
    error = driver().Error
    name = made.name
    try:
        mariadb = is_mariadb(admin)
        made.kind = "database"
        with contextlib.closing(admin.cursor()) as cur:
            cur.execute(create_database_sql(name, mariadb, _creation(parsed, made)))
            if not mariadb:
                # At once: only a SIGKILL in this one round trip leaves it unmarked (and empty).
                cur.execute(mark_table_sql(name))
    except error as exc:
        code = error_code(exc)
        made.kind = None if code and code < CLIENT_ERRORS else made.kind  # the server refused
        reason = first_line(parsed.scrub(_message(exc)))
        if made.test_database:
            refused = _test_database_refused(parsed, admin, name, code, reason)
            raise DatabaseUnavailable(refused) from None
        if code in ACCESS_DENIED:
            raise DatabaseUnavailable(refusal(parsed, _current_user(admin), reason)) from None
        raise DatabaseUnavailable(
            f"cannot create a database on {parsed.masked}: {reason}"
        ) from None
    config = {
        **parsed.config,
        "NAME": name,
        "OPTIONS": connection_options(parsed, CONNECT_TIMEOUT_S),
    }
    return "database", config


def _test_database_refused(
    parsed: DatabaseURL, admin: Any, name: str, code: int | None, reason: str
) -> str:
    """Why a project's test database was not made, and what to do: one that exists is never
    used or dropped (Django's tests may be running in it, or kept it with --keepdb)."""
    if code != DATABASE_EXISTS:
        return f"cannot create the test database {name} on {parsed.masked}: {reason}"
    if database_mark("database", name) in _marks(admin, name):
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


def _marks(conn: Any, name: str) -> set[str]:
    """The marks a database carries: its comment (MariaDB) and its mark table's row (MySQL)."""
    found = set()
    with contextlib.suppress(driver().Error), contextlib.closing(conn.cursor()) as cur:
        if is_mariadb(conn):
            cur.execute(
                "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                [name],
            )
            found |= {str(row[0]) for row in cur.fetchall() if row[0]}
    found.add(_mark_in_table(conn, name) or "")
    return found - {""}


def is_mariadb(conn: Any) -> bool:
    return "mariadb" in server_version(conn).lower()


def create_database_sql(name: str, mariadb: bool, creation: dict[str, str] | None = None) -> str:
    """``CREATE DATABASE``, marked in the same statement where the server can (MariaDB); a
    project's test database with TEST's CHARSET and COLLATION as Django's test runner gives
    them (``creation``; a COLLATION alone takes its own character set)."""
    mark = f" COMMENT {mark_literal(database_mark('database', name))}" if mariadb else ""
    chosen = creation or {}
    charset = chosen.get("CHARSET") or ("" if "COLLATION" in chosen else "utf8mb4")
    made_with = f" CHARACTER SET {charset}" if charset else ""
    if "COLLATION" in chosen:
        made_with += f" COLLATE {chosen['COLLATION']}"
    return f"CREATE DATABASE {quote_ident(name)}{made_with}{mark}"


def _creation(parsed: DatabaseURL, made: Made) -> dict[str, str]:
    from roadbench.database.project import ProjectDatabaseURL, test_creation

    if not made.test_database or not isinstance(parsed, ProjectDatabaseURL):
        return {}
    return test_creation(parsed)


def mark_table_sql(name: str) -> str:
    """The mark as a one-row table in the database (MySQL), in one atomic statement."""
    return (
        f"CREATE TABLE {quote_ident(name)}.{MARK_TABLE} "
        f"AS SELECT {mark_literal(database_mark('database', name))} AS mark"
    )


def _current_user(conn: Any) -> str:
    with contextlib.suppress(Exception), contextlib.closing(conn.cursor()) as cur:
        cur.execute("SELECT CURRENT_USER()")
        user, _, host = str(cur.fetchone()[0]).rpartition("@")
        return f"'{user}'@'{host}'"
    return "the user"


def _connection_lost(admin: Any, exc: Exception) -> bool:
    """A client error (2000 and up) comes from the driver: the connection is gone."""
    return isinstance(exc, driver().Error) and (error_code(exc) or 0) >= CLIENT_ERRORS


SERVER = Server(
    lock="lock",
    connect=connect,
    error=lambda: driver().Error,
    message=_message,
    take_lock=take_lock,
    create=_create,
    drop=lambda conn, _kind, name: drop_database(conn, name),
    connection_lost=_connection_lost,
)


def throwaway_database(
    parsed: DatabaseURL,
    keep: bool,
    say: Callable[[str], None],
    removal: Removal,
    test_name: str | None = None,
) -> AbstractContextManager[BenchDatabase]:
    return server_database(parsed, keep, say, removal, SERVER, test_name)


# --- doctor and cleanup -----------------------------------------------------------------------


def inspect(parsed: DatabaseURL) -> dict[str, Any]:
    """What doctor says about a MySQL/MariaDB URL: creates and writes nothing."""
    conn = connect(parsed, CONNECT_TIMEOUT_S)
    info: dict[str, Any] = {"driver": driver_name()}
    try:
        info["server_version"] = server_version(conn)
        may_create = _may_create_databases(conn)
        info["fast_path"] = (
            FAST_PATH
            if local_infile_allowed(conn)
            else f"{FALLBACK_PATH} (the server has local_infile OFF)"
        )
    finally:
        conn.close()
    info["isolation"] = (
        "a new database roadbench_<unique>, dropped at the end"
        if may_create
        else "none: the user may not create databases (GRANT ALL ON `roadbench\\_%`.* does)"
    )
    return info


def _may_create_databases(conn: Any) -> bool:
    """From SHOW GRANTS: CREATE (or ALL) on *.* or on a pattern roadbench's names match."""

    with contextlib.closing(conn.cursor()) as cur:
        cur.execute("SHOW GRANTS")
        grants = [str(row[0]) for row in cur.fetchall()]
    pattern = re.compile(r"^GRANT (?P<privs>.+?) ON (?P<on>\S+) TO ", re.I)
    for grant in grants:
        m = pattern.match(grant)
        if not m:
            continue
        privs = {p.strip().upper() for p in m.group("privs").split(",")}
        if not ({"ALL PRIVILEGES", "ALL", "CREATE"} & privs):
            continue
        on = m.group("on").split(".")[0].strip("`").replace("\\_", "_")
        if on == "*" or (on.endswith("%") and "roadbench_".startswith(on[:-1])):
            return True
    return False


def leftovers(parsed: DatabaseURL, remove: bool) -> list[Leftover]:
    """Each ``roadbench_…`` database no live run holds the lock of: those with roadbench's
    mark, with what they hold (dropped with ``remove``); the others listed as left alone.

    MySQL databases have no owner: these are the ones the URL's user can see. One that a
    session is using (as far as the user can see sessions) is left alone; cleanup takes the
    lock itself before dropping, so a run can never lose its database to it.
    """
    conn = connect(parsed)
    found: list[Leftover] = []
    try:
        comment = "SCHEMA_COMMENT" if is_mariadb(conn) else "NULL"
        with contextlib.closing(conn.cursor()) as cur:
            # A run's name, or a project's test database that may be roadbench's (any name):
            # its comment (MariaDB) or its mark table (MySQL) is read below.
            cur.execute(
                f"SELECT SCHEMA_NAME, {comment} FROM information_schema.SCHEMATA "
                f"WHERE SCHEMA_NAME LIKE %s OR {comment} = CONCAT(%s, SCHEMA_NAME) "
                "OR SCHEMA_NAME IN (SELECT TABLE_SCHEMA FROM information_schema.TABLES "
                f"WHERE TABLE_NAME = '{MARK_TABLE}') ORDER BY 1",
                ["roadbench\\_%", database_mark("database", "")],
            )
            named = cur.fetchall()
            cur.execute(
                "SELECT DISTINCT DB FROM information_schema.PROCESSLIST WHERE DB IS NOT NULL"
            )
            in_use = {row[0] for row in cur.fetchall()}
            candidates = [(n, c) for n, c in named if not lock_held(cur, n)]
        for name, comment_text in candidates:
            mark = database_mark("database", name)
            if comment_text != mark and _mark_in_table(conn, name) != mark:
                if RUN_NAME.fullmatch(name):  # a look-alike: listed, never touched
                    found.append(Leftover("database", name, LEFT_ALONE))
                continue
            item = Leftover("database", name)
            item.tables, item.holds = _contents(parsed, conn, name)
            found.append(item)
            if name in in_use:
                item.status = "not removed: a session is using it"
            elif not remove:
                item.status = "would be removed"
            elif take_lock(conn, name):  # else a run took it meanwhile: a live run's after all
                try:
                    drop_database(conn, name)
                    item.status = "removed"
                except driver().Error as exc:
                    item.status = f"not removed: {first_line(parsed.scrub(_message(exc)))}"
            else:
                found.remove(item)
    finally:
        conn.close()
    return found


def _base_tables(conn: Any, name: str) -> list[str]:
    with contextlib.closing(conn.cursor()) as cur:
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
            [name],
        )
        return [str(row[0]) for row in cur.fetchall()]


def _mark_in_table(conn: Any, name: str) -> str | None:
    """The mark a MySQL run wrote in its database's ``roadbench_mark``, if there is one."""
    if MARK_TABLE not in _base_tables(conn, name):
        return None
    with contextlib.suppress(driver().Error), contextlib.closing(conn.cursor()) as cur:
        cur.execute(f"SELECT mark FROM {quote_ident(name)}.{MARK_TABLE} LIMIT 2")
        rows = cur.fetchall()
        return str(rows[0][0]) if len(rows) == 1 else None
    return None


def _contents(parsed: DatabaseURL, conn: Any, name: str) -> tuple[dict[str, int] | None, str]:
    """Each table of a leftover database and its rows, and that as a reader wants it."""
    from roadbench.database.temporary import tables_summary

    tables: dict[str, int] = {}
    try:
        with contextlib.closing(conn.cursor()) as cur:
            for table in _base_tables(conn, name):
                if table == MARK_TABLE:
                    continue
                cur.execute(f"SELECT COUNT(*) FROM {quote_ident(name)}.{quote_ident(table)}")
                tables[table] = int(cur.fetchone()[0])
    except driver().Error as exc:
        return None, f"unknown ({first_line(parsed.scrub(_message(exc)))})"
    return tables, tables_summary(tables)


# Every foreign key referencing one of the given tables in the current database, a row per
# column pair (several for a key over several columns).
_REFERENCES = """
SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE()
  AND REFERENCED_TABLE_NAME IN ({})
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""


def _orphan_query(table: str, pairs: list[tuple[str, str]], parent: str) -> str:
    """One row of ``table`` whose key has no ``parent`` row, if any: set-based, one scan."""
    q = quote_ident
    on = " AND ".join(f"referring.{q(c)} = referred.{q(p)}" for c, p in pairs)
    present = " AND ".join(f"referring.{q(c)} IS NOT NULL" for c, _ in pairs)
    columns = ", ".join(f"referring.{q(c)}" for c, _ in pairs)
    return (
        f"SELECT {columns} FROM {q(table)} AS referring LEFT JOIN {q(parent)} AS referred "
        f"ON {on} WHERE {present} AND referred.{q(pairs[0][1])} IS NULL LIMIT 1"
    )


@contextlib.contextmanager
def foreign_keys_checked_once(connection: Any, tables: Sequence[str]) -> Iterator[None]:
    """``SET foreign_key_checks=0`` for the session, the transaction, a LEFT JOIN per foreign
    key referencing ``tables`` before the commit, and ``SET foreign_key_checks=1`` whatever
    happened. The switch is the session's: nothing else runs on this connection meanwhile."""
    from django.db import IntegrityError, transaction

    with connection.cursor() as cursor:
        cursor.execute("SET foreign_key_checks=0")
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(_REFERENCES.format(", ".join(["%s"] * len(tables))), list(tables))
            keys: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
            for name, table, column, parent, parent_column in cursor.fetchall():
                keys.setdefault((name, table, parent), []).append((column, parent_column))
            yield
            for (name, table, parent), pairs in keys.items():
                cursor.execute(_orphan_query(table, pairs, parent))
                orphan = cursor.fetchone()
                if orphan is not None:
                    raise IntegrityError(
                        f"foreign key {name} on {table} fails when checked once before "
                        f"commit: {table}({', '.join(c for c, _ in pairs)}) = "
                        f"{', '.join(map(str, orphan))} is not present in {parent}; "
                        "rolled back, nothing deleted"
                    )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET foreign_key_checks=1")
