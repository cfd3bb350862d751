"""Test fixtures: the same tests run against embedded SQLite, PostgreSQL and MariaDB.

PostgreSQL comes from ``ROADBENCH_TEST_POSTGRES_URL`` (``.ci/run`` sets it), else a local
server on 127.0.0.1:5432 if one answers; MariaDB (or MySQL) from ``ROADBENCH_TEST_MYSQL_URL``,
else 127.0.0.1:3306 as root. Without a server its tests skip, except under ``CI=true``, where
a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from roadbench.database import bench_database, option_tables
from roadbench.plugins import load_registries

load_registries()

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_MYSQL = "mysql://root@127.0.0.1:3306/mysql"


def _reachable(url: str) -> str | None:
    import psycopg2

    from roadbench.database import parse_database_url

    cfg = parse_database_url(url).config
    try:
        psycopg2.connect(
            dbname=cfg["NAME"],
            user=cfg["USER"],
            password=cfg["PASSWORD"] or None,
            host=cfg["HOST"],
            port=cfg["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("ROADBENCH_TEST_POSTGRES_URL") or LOCAL_POSTGRES
    problem = _reachable(url)
    if problem:
        message = f"no PostgreSQL server for the tests ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this is a failure, not a skip")
        pytest.skip(message)
    return url


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; under CI=true this is a failure, not a skip")
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs MariaDB is marked ``mysql`` by the fixtures it uses, so ``-m mysql``
    (CI's run once mysqlclient is installed) finds it even where nobody wrote the mark."""
    for item in items:
        if {"mysql_url", "mysqlclient"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.mysql)


@pytest.fixture(scope="session")
def mysqlclient() -> None:
    """The MariaDB tests need the driver, which the test extra leaves out (it builds from
    source). ``.ci/run`` runs the README's test command without it, then installs it and runs
    these tests (``-m mysql``): ``ROADBENCH_TEST_MYSQL_LATER=1`` makes its absence a skip
    there even under CI=true."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        message = "mysqlclient is not installed (pip install -e '.[mysql]')"
        if os.environ.get("ROADBENCH_TEST_MYSQL_LATER") == "1":
            pytest.skip(message + "; CI runs these tests after installing it")
        _missing(message)


@pytest.fixture(scope="session")
def mysql_url(mysqlclient: None) -> str:
    url = os.environ.get("ROADBENCH_TEST_MYSQL_URL") or LOCAL_MYSQL
    try:
        with mysql_cursor(url):
            pass
    except Exception as exc:
        _missing(f"no MariaDB/MySQL server for the tests ({exc})")
    return url


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mysql),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None is the embedded SQLite default; the servers' URLs come from ``postgres_url`` and
    ``mysql_url``."""
    if request.param == "sqlite":
        return None
    if request.param == "mariadb":
        return str(request.getfixturevalue("mysql_url"))
    return str(request.getfixturevalue("postgres_url"))


@contextlib.contextmanager
def mysql_cursor(url: str, database: str | None = None) -> Iterator[Any]:
    """A plain mysqlclient cursor (autocommit) for checking what is on a MariaDB server."""
    import MySQLdb

    from roadbench.database import parse_database_url

    cfg = parse_database_url(url).config
    kwargs = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": int(cfg["PORT"] or 3306),
        "user": cfg["USER"],
        "password": cfg["PASSWORD"] or "",
        "connect_timeout": 5,
        "autocommit": True,
    }
    if database or cfg["NAME"]:
        kwargs["database"] = database or cfg["NAME"]
    conn = MySQLdb.connect(**kwargs)
    try:
        yield conn.cursor()
    finally:
        conn.close()


def mysql_names_of_run(url: str, pid: int, since: str) -> set[str]:
    """Like ``names_of_run``, for the databases on a MariaDB/MySQL server."""
    pattern = re.compile(rf"roadbench_(\d{{14}})_{pid}_[0-9a-f]{{6}}")
    with mysql_cursor(url) as cur:
        cur.execute(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s",
            ["roadbench\\_%"],
        )
        names = {row[0] for row in cur.fetchall()}
    return {n for n in names if (m := pattern.fullmatch(n)) and m.group(1) >= since}


@pytest.fixture
def bench(database_url: str | None) -> Iterator[object]:
    """A throwaway database with every option's tables, as Django's default connection."""
    from roadbench.designs import OPTIONS, models_of

    models = models_of(OPTIONS.values())
    with bench_database(database_url) as db, option_tables(models):
        yield db


def _new_role(postgres_url: str, createdb: bool) -> tuple[str, str] | None:
    """A new login role with a database of its own: (role, URL); None if the test role may
    not create roles (CI's)."""
    import psycopg2

    role = f"rbtest_{os.getpid()}_{secrets.token_hex(3)}"
    password = secrets.token_hex(8)
    try:
        with admin_cursor(postgres_url) as cur:
            cur.execute(
                f"CREATE ROLE {role} LOGIN {'CREATEDB' if createdb else 'NOCREATEDB'} "
                f"PASSWORD '{password}'"
            )
            cur.execute(f"CREATE DATABASE {role} OWNER {role}")
    except psycopg2.errors.InsufficientPrivilege:
        return None
    parts = urlsplit(postgres_url)
    netloc = f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"
    return role, urlunsplit(parts._replace(netloc=netloc, path=f"/{role}"))


def _drop_role(postgres_url: str, role: str) -> None:
    """The role and every database it owns."""
    with admin_cursor(postgres_url) as cur:
        cur.execute(
            "SELECT datname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid "
            "WHERE rolname = %s",
            [role],
        )
        for (name,) in cur.fetchall():
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cur.execute(f"DROP ROLE {role}")


@pytest.fixture(scope="session")
def nocreatedb_url(postgres_url: str) -> Iterator[str]:
    """A role that may not create databases, with a database of its own (schema fallback):
    ``$ROADBENCH_TEST_POSTGRES_NOCREATEDB_URL`` (CI), else a new one for this session."""
    url = os.environ.get("ROADBENCH_TEST_POSTGRES_NOCREATEDB_URL")
    made = None if url else _new_role(postgres_url, createdb=False)
    if made is None:
        yield url or _shared_nocreatedb_url(postgres_url)
        return
    yield made[1]
    _drop_role(postgres_url, made[0])


def _shared_nocreatedb_url(postgres_url: str) -> str:
    """rbtest_nocreatedb, made once and kept, for a test role that may not create roles."""
    import psycopg2

    # A second copy of the suite may be making them at the same time.
    with admin_cursor(postgres_url) as cur:
        with contextlib.suppress(psycopg2.errors.DuplicateObject, psycopg2.errors.UniqueViolation):
            cur.execute("CREATE ROLE rbtest_nocreatedb LOGIN NOCREATEDB")
        with contextlib.suppress(
            psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation
        ):
            cur.execute("CREATE DATABASE rbtest_home OWNER rbtest_nocreatedb")
    parts = urlsplit(postgres_url)
    return urlunsplit(
        parts._replace(
            netloc=f"rbtest_nocreatedb@{parts.hostname}:{parts.port or 5432}",
            path="/rbtest_home",
        )
    )


@pytest.fixture
def own_role(request: pytest.FixtureRequest, postgres_url: str) -> Iterator[Any]:
    """``own_role(createdb)``: the URL of a new role of this test's own, connecting to a new
    database of its own, so ``roadbench cleanup`` (which looks at what the role owns) sees
    only what this test made, whatever else runs on the server. Dropped with all it owns at
    the end. A test role that may not create roles (CI's) gets the suite's own URLs instead;
    CI runs one suite at a time."""
    made: list[str] = []

    def make(createdb: bool) -> str:
        new = _new_role(postgres_url, createdb)
        if new is None:
            return postgres_url if createdb else str(request.getfixturevalue("nocreatedb_url"))
        made.append(new[0])
        return new[1]

    yield make
    for role in made:
        _drop_role(postgres_url, role)


@contextlib.contextmanager
def admin_cursor(url: str, dbname: str | None = None) -> Iterator[object]:
    """A plain psycopg2 cursor (autocommit) for checking what is on the server."""
    import psycopg2

    from roadbench.database import parse_database_url

    cfg = parse_database_url(url).config
    conn = psycopg2.connect(
        dbname=dbname or cfg["NAME"],
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        connect_timeout=5,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _names(url: str, kind: str, where: str, param: object) -> set[str]:
    catalog, column = {
        "database": ("pg_database", "datname"),
        "schema": ("pg_namespace", "nspname"),
    }[kind]
    with admin_cursor(url) as cur:
        cur.execute(f"SELECT {column} FROM {catalog} WHERE {column} {where}", [param])
        return {row[0] for row in cur.fetchall()}


def existing(url: str, kind: str, names: set[str]) -> set[str]:
    """Which of ``names`` exist now as databases (``kind`` "database") or as schemas of the
    URL's database ("schema"). Tests ask only about their own names: other runs (a user's,
    a second copy of the suite) may come and go on the same server at any time."""
    return _names(url, kind, "= ANY(%s)", sorted(names))


def names_of_run(url: str, pid: int, since: str, kind: str = "database") -> set[str]:
    """The ``roadbench_<time>_<pid>_<random>`` names the run with process id ``pid``, started
    at or after the UTC time ``since`` (``%Y%m%d%H%M%S``), has on the server now."""
    pattern = re.compile(rf"roadbench_(\d{{14}})_{pid}_[0-9a-f]{{6}}")
    return {
        name
        for name in _names(url, kind, "LIKE %s", "roadbench\\_%")
        if (m := pattern.fullmatch(name)) and m.group(1) >= since
    }


def utc_stamp() -> str:
    """Now, in the form of the time in roadbench's names."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())
