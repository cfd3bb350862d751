"""Test fixtures: the same tests run against embedded SQLite and a real PostgreSQL server.

PostgreSQL comes from ``ROADBENCH_TEST_POSTGRES_URL`` (``.ci/run`` sets it), else a local
server on 127.0.0.1:5432 if one answers. Without one the PostgreSQL tests skip, except under
``CI=true``, where a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from roadbench.database import bench_database, configure_django, option_tables

configure_django()

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None is the embedded SQLite default; the PostgreSQL URL comes from ``postgres_url``."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def bench(database_url: str | None) -> Iterator[object]:
    """A throwaway database with every option's tables, as Django's default connection."""
    from roadbench.models import OPTIONS

    models = [m for option in OPTIONS.values() for m in option.models]
    with bench_database(database_url) as db, option_tables(models):
        yield db


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


def roadbench_databases(url: str) -> set[str]:
    with admin_cursor(url) as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'roadbench\\_%'")
        return {row[0] for row in cur.fetchall()}
