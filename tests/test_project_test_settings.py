"""The project's ``DATABASES['default']['TEST']`` settings, honoured as Django's test runner
honours them when roadbench makes the test database: on PostgreSQL TEMPLATE and CHARSET (the
ENCODING), a COLLATION refused as Django refuses it; on MariaDB CHARSET and COLLATION; on
SQLite a TEST NAME is said not to be used. Real runs in tests/project (its settings read TEST
from MYSITE_DB_TEST_*), each with databases of its own: the test database is kept (--keep) to
be looked at, listed by ``cleanup --dry-run`` as one it would remove, then dropped by name by
the test (a real ``cleanup`` would also remove other suites' and sessions' leftovers)."""

from __future__ import annotations

import json
import os
import secrets

import pytest

from roadbench.database import parse_database_url
from tests import test_project
from tests.conftest import admin_cursor, existing
from tests.test_project import (
    IN_PROJECT,
    QUICK_RUN,
    base_env,
    checksum,
    one_error_line,
    roadbench,
    sha256,
    temporary_left,
)

postgres_project = test_project.postgres_project
sqlite_project = test_project.sqlite_project

pytestmark = pytest.mark.slow


def _cleanup_lists(env: dict[str, str], name: str, status: str) -> None:
    """``cleanup --dry-run --json`` lists the kept test database ``name`` as roadbench's, with
    ``status``. The caller stays connected to it meanwhile, so that another session's real
    ``cleanup`` on the shared server cannot remove it under the test (a database someone is
    connected to stays). Exit 3 says a leftover is in use: this one, or another's."""
    listed = roadbench([*IN_PROJECT, "cleanup", "--dry-run", "--json"], env)
    assert listed.returncode in (0, 3), listed.stderr
    statuses = {item["name"]: item["status"] for item in json.loads(listed.stdout)["leftovers"]}
    assert statuses.get(name) == status, statuses


def _encoding(url: str, name: str) -> str:
    with admin_cursor(url) as cur:
        cur.execute(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = %s", [name]
        )
        return str(cur.fetchone()[0])


def _tables(url: str, name: str) -> set[str]:
    with admin_cursor(url, name) as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in cur.fetchall()}


def test_postgres_test_database_is_made_from_the_projects_template(postgres_url, postgres_project):
    env, real = postgres_project
    test_name = f"test_{real}"
    template = f"rbtest_tpl_{os.getpid()}_{secrets.token_hex(3)}"
    before = checksum(postgres_url, real)
    with admin_cursor(postgres_url) as cur:
        cur.execute(f'CREATE DATABASE "{template}"')
    try:
        with admin_cursor(postgres_url, template) as cur:
            cur.execute("CREATE TABLE from_the_template (id int)")
        given = {**env, "MYSITE_DB_TEST_TEMPLATE": template}
        doctor = roadbench([*IN_PROJECT, "doctor", "--json"], given)
        assert doctor.returncode == 0, doctor.stderr
        assert f"created with TEST's TEMPLATE {template}" in doctor.stdout

        kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--keep"], given)
        assert kept.returncode == 0, kept.stderr
        with admin_cursor(postgres_url, test_name):  # kept from other sessions' cleanup
            tables = _tables(postgres_url, test_name)
            # The template's table, and the project's migrated ones beside it.
            assert {"from_the_template", "shop_product", "shop_book"} <= tables
            _cleanup_lists(given, test_name, "would be removed")
        assert existing(postgres_url, "database", {template}) == {template}
        assert checksum(postgres_url, real) == before
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
            cur.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


def test_postgres_test_database_takes_the_projects_charset(postgres_url, postgres_project):
    env, real = postgres_project
    test_name = f"test_{real}"
    # Another encoding than the server's UTF8 needs template0, as Django's docs say.
    given = {**env, "MYSITE_DB_TEST_CHARSET": "SQL_ASCII", "MYSITE_DB_TEST_TEMPLATE": "template0"}
    try:
        kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--keep"], given)
        assert kept.returncode == 0, kept.stderr
        with admin_cursor(postgres_url, test_name):  # kept from other sessions' cleanup
            assert _encoding(postgres_url, test_name) == "SQL_ASCII"
            assert _encoding(postgres_url, real) == "UTF8"
            _cleanup_lists(given, test_name, "would be removed")
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')


def test_a_missing_template_is_one_line_and_nothing_is_left(postgres_url, postgres_project):
    env, real = postgres_project
    given = {**env, "MYSITE_DB_TEST_TEMPLATE": f"rbtest_no_such_{secrets.token_hex(3)}"}
    ran = roadbench([*IN_PROJECT, *QUICK_RUN], given)
    assert ran.returncode == 3
    line = one_error_line(ran.stderr)
    assert f"cannot create the test database test_{real} on " in line
    assert "does not exist" in line
    assert existing(postgres_url, "database", {f"test_{real}"}) == set()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"MYSITE_DB_TEST_COLLATION": "C"},
            "roadbench: error: DATABASES['default']['TEST']['COLLATION']: PostgreSQL does not "
            "support a collation at database creation time (Django's test runner refuses it "
            "too); remove it, or give the collation to a TEMPLATE database",
        ),
        (
            {"MYSITE_DB_TEST_CHARSET": "UTF8' TEMPLATE postgres"},
            "roadbench: error: DATABASES['default']['TEST']['CHARSET'] \"UTF8' TEMPLATE "
            'postgres": roadbench takes a name of letters, digits and _ . - (at most 64)',
        ),
    ],
)
def test_a_test_setting_roadbench_cannot_use_is_refused_before_anything_is_made(
    postgres_url, postgres_project, settings, expected
):
    env, real = postgres_project
    for command in (QUICK_RUN, ["doctor"]):
        ran = roadbench([*IN_PROJECT, *command], {**env, **settings})
        assert ran.returncode == 2
        assert one_error_line(ran.stderr) == expected
    assert existing(postgres_url, "database", {f"test_{real}"}) == set()


def _schema(url: str, name: str) -> tuple[str, str] | None:
    from tests.conftest import mysql_cursor

    with mysql_cursor(url) as cur:
        cur.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
            "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            [name],
        )
        row = cur.fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"MYSITE_DB_TEST_CHARSET": "latin1", "MYSITE_DB_TEST_COLLATION": "latin1_swedish_ci"},
            ("latin1", "latin1_swedish_ci"),
        ),
        ({"MYSITE_DB_TEST_COLLATION": "utf8mb4_bin"}, ("utf8mb4", "utf8mb4_bin")),
        # Django's MySQL backend does not use TEMPLATE: neither does roadbench.
        ({"MYSITE_DB_TEST_TEMPLATE": "anything"}, ("utf8mb4", None)),
    ],
)
def test_mariadb_test_database_takes_the_projects_charset_and_collation(
    mysql_url, tmp_path, settings, expected
):
    """The project's own database is on MariaDB (its engine, not --database), named as CI's
    role may create it: ``rbtest_proj_*``, its test database ``test_rbtest_proj_*``."""
    from tests.conftest import mysql_cursor

    real = f"rbtest_proj_{os.getpid()}_{secrets.token_hex(3)}"
    test_name = f"test_{real}"
    cfg = parse_database_url(mysql_url).config
    env = base_env(
        tmp_path,
        MYSITE_DB_ENGINE="django.db.backends.mysql",
        MYSITE_DB_NAME=real,
        MYSITE_DB_USER=str(cfg["USER"] or ""),
        MYSITE_DB_PASSWORD=str(cfg["PASSWORD"] or ""),
        MYSITE_DB_HOST=str(cfg["HOST"] or "127.0.0.1"),
        MYSITE_DB_PORT=str(cfg["PORT"] or "3306"),
        **settings,
    )
    try:
        kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--keep"], env)
        assert kept.returncode == 0, kept.stderr
        with mysql_cursor(mysql_url, test_name):  # kept from other sessions' cleanup
            found = _schema(mysql_url, test_name)
            assert found is not None
            charset, collation = expected
            assert found[0] == charset
            if collation is not None:
                assert found[1] == collation
            _cleanup_lists(env, test_name, "not removed: a session is using it")
        assert _schema(mysql_url, real) is None  # the project's own was never made
    finally:
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{test_name}`")


def test_sqlite_says_a_test_name_is_not_used(sqlite_project, tmp_path):
    env, real = sqlite_project
    before = sha256(real)
    named = tmp_path / "named_test.sqlite3"
    ran = roadbench([*IN_PROJECT, *QUICK_RUN], {**env, "MYSITE_DB_TEST_NAME": str(named)})
    assert ran.returncode == 0, ran.stderr
    assert (
        f"roadbench: DATABASES['default']['TEST']['NAME'] {named} is not used: on SQLite the "
        "test database is a new file in a temporary directory of roadbench's own"
    ) in ran.stderr.splitlines()
    assert not named.exists()
    assert temporary_left(env) == []
    assert sha256(real) == before
