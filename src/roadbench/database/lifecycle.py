"""The throwaway database's life: made, made Django's default connection, removed after.

What each database does differently lives in its backend module (``roadbench.database.sqlite``,
``.postgresql``, ``.mysql``); this module holds what all of them share: the names, the signal
rules, the record of the removal, the life of a server's throwaway database, and the tables.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from roadbench.database.backend import backend_for
from roadbench.database.django_internals import (
    activate_default_connection,
    deactivate_default_connection,
)
from roadbench.database.settings import configure_django
from roadbench.database.urls import DatabaseURL, parse_database_url, resolve_url
from roadbench.errors import DatabaseUnavailable, Interrupted, caused_by_interrupt

# The signal rules, in a module of their own: the entry point needs them before any import.
from roadbench.signals import (  # noqa: F401 (the backends and roadbench.database use them)
    signals_as_interrupt,
    signals_deferred,
    signals_held,
)

CONNECT_TIMEOUT_S = 5
NAME_PREFIX = "roadbench_"
# Exactly what ``unique_name`` makes: nothing else is ever a leftover.
RUN_NAME = re.compile(r"roadbench_\d{14}_\d+_[0-9a-f]{6}")


@dataclass
class BenchDatabase:
    """Where a run happens: the throwaway database (or schema, or file) and what it runs on."""

    url: DatabaseURL
    name: str
    isolation: str  # "database", "schema" or "file"
    vendor: str = ""
    version: str = ""
    driver: str = ""


def database_mark(kind: str, name: str) -> str:
    """What roadbench writes into a database or schema it creates, at once (a comment on it,
    or on MySQL a one-row table in it): roadbench's words and the thing's own name. Cleanup
    drops only what holds exactly this, so a look-alike someone made by hand, a copy made from
    it (``TEMPLATE``) or one renamed since is never touched; the name's time, process id and
    random part make it the run's own."""
    return f"roadbench throwaway {kind} {name}"


def mark_literal(mark: str) -> str:
    """A mark as a quoted SQL string (COMMENT takes no parameters). A mark is letters, digits,
    spaces and ``_ $ . -`` only (a project's test database name may hold them), which every
    server quotes alike."""
    if not re.fullmatch(r"[A-Za-z0-9_ $.-]+", mark):
        raise ValueError(f"not a mark: {mark!r}")
    return f"'{mark}'"


def unique_name() -> str:
    """``roadbench_<utc time>_<pid>_<random>``: two runs at once never collide."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return f"{NAME_PREFIX}{stamp}_{os.getpid()}_{secrets.token_hex(3)}"


@dataclass
class Removal:
    """What the end of a run did with its throwaway database: said if it did not go well."""

    done: str = ""  # what happened, as the end of a sentence; "" while nothing exists yet
    failed: bool = False


@contextlib.contextmanager
def bench_database(
    url: str | None = None,
    *,
    keep: bool = False,
    notify: Callable[[str], None] | None = None,
) -> Iterator[BenchDatabase]:
    """Create a throwaway database, make it Django's default connection, and remove it after.

    Cleanup runs after success, an exception, Ctrl-C, SIGTERM and SIGHUP (the signals become
    KeyboardInterrupt while this is active); an interrupted run ends in ``Interrupted``, whose
    message says whether the database was removed. With ``keep`` the database is left and named.
    """
    configure_django()
    parsed = target_database(url)
    say = notify or (lambda _msg: None)
    removal = Removal()
    interrupted = False
    with signals_as_interrupt():
        try:
            with _throwaway(parsed, keep, say, removal) as bench:
                yield bench
        except BaseException as exc:
            if not _interrupt(exc):
                raise
            interrupted = True
            raise Interrupted(f"interrupted; {removal.done or 'nothing was created'}") from exc
        finally:
            if removal.failed and not interrupted:
                say(removal.done)


def _interrupt(exc: BaseException) -> bool:
    """A stop signal's KeyboardInterrupt, also one an error wraps (``caused_by_interrupt``);
    not an inner block's ``Interrupted``, which already says what became of its database."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    wraps_one = isinstance(exc, Exception) and caused_by_interrupt(exc)
    return wraps_one and not isinstance(exc, Interrupted)


def target_database(url: str | None) -> DatabaseURL:
    """The database a run works beside: the URL's (``--database``, else
    ``$ROADBENCH_DATABASE_URL``, else the embedded file); inside a project, the URL's or else
    the project's own ``DATABASES['default']`` (``database.project``)."""
    from roadbench.database import project

    parsed = parse_database_url(resolve_url(url))
    if project.settings_module():
        configure_django()
        return project.project_database(parsed)
    return parsed


def creation_database(parsed: DatabaseURL) -> DatabaseURL:
    """Where a project's test database is created from and looked for (doctor, cleanup): on
    PostgreSQL the ``postgres`` database, as Django's test runner connects to it, so the
    project's own is not connected to and need not exist."""
    from roadbench.database import project

    # Only a backend that has one says so (PostgreSQL): looked up, as every backend's part is.
    maintenance = getattr(backend_for(parsed.vendor), "maintenance_database", None)
    if isinstance(parsed, project.ProjectDatabaseURL) and maintenance is not None:
        return cast(DatabaseURL, maintenance(parsed))
    return parsed


@contextlib.contextmanager
def _throwaway(
    parsed: DatabaseURL, keep: bool, say: Callable[[str], None], removal: Removal
) -> Iterator[BenchDatabase]:
    """The backend's throwaway database; inside a project, its test database (on a server
    named as Django's test runner names it), holding the project's migrated tables."""
    from roadbench.database import project

    backend = backend_for(parsed.vendor)
    if not isinstance(parsed, project.ProjectDatabaseURL):
        with backend.throwaway_database(parsed, keep, say, removal) as bench:
            yield bench
        return
    test_name = project.test_database_name(parsed)  # refused here: before anything is made
    project.test_creation(parsed)  # and so is a TEST setting it cannot create it with
    if parsed.vendor == "sqlite":
        # A new file in a temporary directory of roadbench's own (Django's default is memory,
        # which would time no disk at all); the project's own file is never opened.
        if test_name != ":memory:":
            say(
                f"DATABASES['default']['TEST']['NAME'] {test_name} is not used: on SQLite the "
                "test database is a new file in a temporary directory of roadbench's own"
            )
        where = project.ProjectDatabaseURL(
            None,
            {"ENGINE": parsed.config["ENGINE"]},
            "sqlite",
            label=f"a temporary SQLite file (test database of {project.settings_module()})",
        )
        manager = backend.throwaway_database(where, keep, say, removal)
    else:
        manager = backend.throwaway_database(parsed, keep, say, removal, test_name=test_name)
    with manager as bench:
        project.migrate()
        yield bench


def activate(config: dict[str, Any]) -> None:
    """Make ``config`` Django's default connection (closing any previous one)."""
    activate_default_connection(config)


def deactivate() -> None:
    deactivate_default_connection()


def describe_connection(bench: BenchDatabase) -> None:
    """Connect, and note what the run works on (vendor, version, driver)."""
    from django.db import connection

    connection.ensure_connection()
    bench.vendor = connection.vendor
    bench.version, bench.driver = backend_for(connection.vendor).describe(connection)


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    # libpq puts "connection to server ... failed:" first and the reason after it.
    return "; ".join(lines[:2]) if lines[0].endswith("failed:") else lines[0]


# --- a throwaway database on a server (PostgreSQL, MySQL) -----------------------------------


@dataclass
class Made:
    """What of the run's may exist on the server, and so is dropped (if it exists) on the way
    out: a backend sets ``kind`` just before each CREATE, so a signal while it runs leaves
    nothing behind either, and clears it when the server refused (nothing was made)."""

    name: str = ""
    kind: str | None = None  # "database" or "schema"
    # A project's test database: this name, a database only, never over an existing one.
    test_database: bool = False


@dataclass(frozen=True)
class Server:
    """What ``server_database`` asks of a server's backend module."""

    # How errors name the run's lock ("advisory lock").
    lock: str
    # A plain autocommit connection for creating and dropping: the run's admin connection.
    connect: Callable[[DatabaseURL], Any]
    # The driver's base exception class, and a driver error's own text.
    error: Callable[[], type[Exception]]
    message: Callable[[BaseException], str]
    # Take ``name``'s lock on the admin connection, without waiting (False if another holds it).
    take_lock: Callable[[Any, str], bool]
    # CREATE the database (or schema) ``made.name`` through the admin connection, setting
    # ``made.kind`` before each CREATE; return its kind and the run's Django settings.
    create: Callable[[DatabaseURL, Any, Made, Callable[[str], None]], tuple[str, dict[str, Any]]]
    # Drop the database or schema if it exists; True if it did.
    drop: Callable[[Any, str, str], bool]
    # Whether a failed drop means the admin connection is gone (so a new one may try again).
    connection_lost: Callable[[Any, Exception], bool]

    def reason(self, parsed: DatabaseURL, exc: BaseException) -> str:
        """A driver error as one line, the URL's secrets scrubbed."""
        return first_line(parsed.scrub(self.message(exc)))


@contextlib.contextmanager
def server_database(
    parsed: DatabaseURL,
    keep: bool,
    say: Callable[[str], None],
    removal: Removal,
    server: Server,
    test_name: str | None = None,
) -> Iterator[BenchDatabase]:
    """A server backend's ``throwaway_database``: a new database (or schema) under the run's
    lock, held on the admin connection from before CREATE until after the drop; with
    ``test_name``, a project's test database of that name."""
    admin = server.connect(parsed)
    made = Made(test_database=test_name is not None)
    ready = False
    try:
        made.name = _owned_name(parsed, admin, server, test_name)
        isolation, config = server.create(parsed, admin, made, say)
        bench = BenchDatabase(parsed, made.name, isolation)
        activate(config)
        try:
            describe_connection(bench)
        except Exception as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {parsed.masked}: {server.reason(parsed, exc)}"
            ) from None
        ready = True
        yield bench
    finally:
        with signals_held():
            deactivate()
            if made.kind and keep and ready:
                removal.done = f"kept the throwaway {made.kind} {made.name} on {parsed.masked}"
                say(removal.done)
            elif made.kind:
                _remove(parsed, admin, made.kind, made.name, removal, server)
            admin.close()  # releases the lock


def _owned_name(parsed: DatabaseURL, admin: Any, server: Server, given: str | None) -> str:
    """A new unique name (or the ``given`` one) whose lock this run now holds."""
    try:
        if given is not None:
            if server.take_lock(admin, given):
                return given
            raise DatabaseUnavailable(
                f"another roadbench run is using the test database {given} on {parsed.masked}"
            )
        for _ in range(3):
            name = unique_name()
            # False if another session holds it (PostgreSQL: two names share a hash): another.
            if server.take_lock(admin, name):
                return name
    except server.error() as exc:
        raise DatabaseUnavailable(
            f"cannot take roadbench's {server.lock} on {parsed.masked}: "
            f"{server.reason(parsed, exc)}"
        ) from None
    raise DatabaseUnavailable(f"cannot take roadbench's {server.lock} on {parsed.masked}")


def _remove(
    parsed: DatabaseURL, admin: Any, kind: str, name: str, removal: Removal, server: Server
) -> None:
    """Drop the run's database or schema if it exists, and record what really happened."""
    what = f"the throwaway {kind} {name}"
    try:
        try:
            existed = server.drop(admin, kind, name)
        except Exception as exc:
            if not server.connection_lost(admin, exc):
                raise
            # The run's own connection is gone (a server restart, a killed backend): a new one.
            fresh = server.connect(parsed)
            try:
                existed = server.drop(fresh, kind, name)
            finally:
                fresh.close()
    except Exception as exc:
        removal.failed = True
        removal.done = (
            f"could not remove {what} on {parsed.masked} ({server.reason(parsed, exc)}); "
            "`roadbench cleanup` with the same --database removes it"
        )
    else:
        removal.done = f"{what} was removed" if existed else "nothing was left behind"


# --- tables ---------------------------------------------------------------------------------


def create_tables(models: Iterable[type[Any]]) -> None:
    """Create the tables of ``models`` (parents first) with the schema editor: no migrations.

    All or none: the schema editor runs in one transaction (DDL rolls back on SQLite and
    PostgreSQL), so a failure (a table of that name already there) leaves nothing behind.
    """
    from django.db import connection

    with connection.schema_editor() as editor:
        for model in models:
            editor.create_model(model)


def drop_tables(models: Iterable[type[Any]]) -> None:
    from django.db import connection

    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in reversed(list(models)):
            if model._meta.db_table in existing:
                editor.delete_model(model)


@contextlib.contextmanager
def option_tables(models: Iterable[type[Any]], keep: bool = False) -> Iterator[None]:
    """The tables of ``models`` for the block; dropped after, and only if this call made them.
    With ``keep`` (``--keep``) they stay, with the rows the last pass left, for a look.

    A project's own model (``--model`` inside ``--settings``) whose table its migrations made
    in the test database is used as it is: neither made again nor dropped.
    """
    from django.db import DatabaseError, connection

    existing = set(connection.introspection.table_names())
    models = [
        m for m in models if m._meta.app_label == "roadbench" or m._meta.db_table not in existing
    ]
    try:
        create_tables(models)
    except DatabaseError as exc:
        raise DatabaseUnavailable(
            f"cannot create roadbench's tables: {first_line(str(exc))}"
        ) from None
    if keep:
        yield
        return
    try:
        yield
    finally:
        with signals_held(), contextlib.suppress(Exception):
            drop_tables(models)


# --- doctor ---------------------------------------------------------------------------------


def inspect_database(url: str | None = None) -> dict[str, Any]:
    """What a run would use, and whether it can connect; creates and writes nothing."""
    from roadbench.database import project

    parsed = target_database(url)
    info: dict[str, Any] = {"url": parsed.masked, "vendor": parsed.vendor}
    if isinstance(parsed, project.ProjectDatabaseURL):
        info["settings"] = project.settings_module()
        test_name = project.test_database_name(parsed)  # a refusal is doctor's answer too
        creation = project.test_creation(parsed)
        if parsed.vendor == "sqlite":
            info.update(backend_for("sqlite").inspect(parse_database_url(None)))
            info["isolation"] = (
                "the project's migrations in a new SQLite file in a temporary directory, "
                "removed at exit; the project's own file is never opened"
            )
        else:
            info.update(backend_for(parsed.vendor).inspect(creation_database(parsed)))
            info["isolation"] = (
                f"the project's migrations in a new test database {test_name}, dropped at the "
                "end (never over an existing one)"
            )
            if creation:
                made_with = ", ".join(f"{k} {v}" for k, v in creation.items())
                info["isolation"] += f"; created with TEST's {made_with}"
        info["connect"] = "ok"
        return info
    info.update(backend_for(parsed.vendor).inspect(parsed))
    info["connect"] = "ok"
    return info
