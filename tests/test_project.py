"""roadbench inside a Django project (tests/project: ``mysite.settings`` and the app ``shop``).

Real processes on real databases. Each test gives the project a "real" database of its own
(an SQLite file in tmp_path, or a PostgreSQL database it creates, migrated and holding rows)
and proves roadbench never changed it: the file byte for byte, the database by a checksum of
its tables and rows. The test database roadbench makes is named after the real one, so each
test looks only at its own; roadbench's temporary directories go to a TMPDIR of the test's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from roadbench.database import parse_database_url
from tests.conftest import admin_cursor, existing
from tests.helpers import default_stop_signals

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parent / "project"
ROADBENCH = [sys.executable, "-m", "roadbench"]
IN_PROJECT = ["--pythonpath", str(PROJECT), "--settings", "mysite.settings"]
QUICK_RUN = ["run", "-o", "3", "--op", "select", "-n", "20", "--fast"]
SHOP_TABLES = {"shop_publisher", "shop_product", "shop_book", "shop_ebook", "shop_audiobook"}


def base_env(tmp_path: Path, **database: str) -> dict[str, str]:
    """The child's environment: the project's database from ``database`` (MYSITE_DB_*), its
    own temporary directory, nothing of the caller's roadbench or Django settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ROADBENCH_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH")
        and not k.startswith("MYSITE_")
    }
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    return {**env, "TMPDIR": str(temporary), **database}


def roadbench(args: list[str], env: dict[str, str], cwd: Path | None = None) -> Any:
    return subprocess.run(
        [*ROADBENCH, *args], env=env, capture_output=True, text=True, timeout=600, cwd=cwd
    )


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ROADBENCH, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_stop_signals,
    )


@contextlib.contextmanager
def ended(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """The process, killed and reaped if the test fails before it ends."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def wait_for(check: Any, proc: subprocess.Popen[str], what: str) -> Any:
    """Poll ``check`` until it returns something; fail if the process ends first."""
    deadline = time.monotonic() + 300
    while not (found := check()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _out, err = proc.communicate()
            pytest.fail(f"{what} never happened: {err}")
        time.sleep(0.05)
    return found


def migrate_real_database(env: dict[str, str]) -> None:
    """The project's real database as its users have it: migrated by Django itself."""
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"],
        env={**env, "PYTHONPATH": str(PROJECT), "DJANGO_SETTINGS_MODULE": "mysite.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


SHOP_ROWS = [
    "INSERT INTO shop_publisher (id, name, country) VALUES (1, 'Faber', 'GB')",
    "INSERT INTO shop_product (id, name, sku, price, publisher_id) "
    "VALUES (1, 'Ulysses', 'U-1', 12.50, 1), (2, 'Ulysses (e)', 'U-2', 4.99, 1)",
    "INSERT INTO shop_book (product_ptr_id, isbn, pages) VALUES (1, '9780141182803', 736)",
    "INSERT INTO shop_ebook (product_ptr_id, file_format, size_kb) VALUES (2, 'epub', 900)",
]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("roadbench: error: "), err
    return lines[0]


def temporary_left(env: dict[str, str]) -> list[str]:
    return sorted(p.name for p in Path(env["TMPDIR"]).iterdir())


# --- SQLite: the project's file --------------------------------------------------------------


@pytest.fixture
def sqlite_project(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The project on SQLite, its real database a migrated file holding rows."""
    real = tmp_path / "real.sqlite3"
    env = base_env(tmp_path, MYSITE_DB_NAME=str(real))
    migrate_real_database(env)
    with contextlib.closing(sqlite3.connect(real)) as conn, conn:
        for statement in SHOP_ROWS:
            conn.execute(statement)
    return env, real


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_compare_and_doctor_in_a_project_on_sqlite_leave_its_file_as_it_was(sqlite_project):
    env, real = sqlite_project
    before = sha256(real)
    stamp = real.stat().st_mtime_ns

    ran = roadbench([*IN_PROJECT, *QUICK_RUN, "--json"], env)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["environment"]["database_url"] == (
        "a temporary SQLite file (test database of mysite.settings)"
    )

    compared = roadbench([*IN_PROJECT, "compare", "--fast", "-n", "20"], env)
    assert compared.returncode == 0, compared.stderr
    for op in ("create", "select", "modify", "delete"):
        assert op in compared.stdout

    doctor = roadbench([*IN_PROJECT, "doctor", "--json"], env)
    assert doctor.returncode == 0, doctor.stderr
    assert '"settings": "mysite.settings"' in doctor.stdout
    assert "the project's own file is never opened" in doctor.stdout

    assert sha256(real) == before
    assert real.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in real.parent.glob("real.sqlite3*")) == ["real.sqlite3"]
    assert temporary_left(env) == []  # the test database's directory is gone


def test_the_test_database_holds_the_projects_migrated_tables(sqlite_project):
    env, _real = sqlite_project
    kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--keep"], env)
    assert kept.returncode == 0, kept.stderr
    (directory,) = Path(env["TMPDIR"]).iterdir()
    with contextlib.closing(sqlite3.connect(directory / "roadbench.sqlite3")) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        applied = set(conn.execute("SELECT app, name FROM django_migrations"))
        products = conn.execute("SELECT count(*) FROM shop_product").fetchone()[0]
    assert tables >= SHOP_TABLES | {"auth_user", "django_content_type"}
    assert ("shop", "0001_initial") in applied
    assert products == 0  # made from the migrations, not copied from the real database
    # roadbench's own design tables beside the project's (kept, with --keep)
    assert {"roadbench_roadc", "roadbench_freewayc"} <= tables
    # cleanup knows it once its run is over (the same TMPDIR: this test's own)
    cleaned = roadbench([*IN_PROJECT, "cleanup"], env)
    assert cleaned.returncode == 0, cleaned.stderr
    assert temporary_left(env) == []


def test_settings_from_the_environment_as_django_admin_takes_them(sqlite_project):
    env, _real = sqlite_project
    env = {**env, "DJANGO_SETTINGS_MODULE": "mysite.settings", "PYTHONPATH": str(PROJECT)}
    doctor = roadbench(["doctor", "--json"], env)
    assert doctor.returncode == 0, doctor.stderr
    assert '"settings": "mysite.settings"' in doctor.stdout


def test_a_test_database_that_would_be_the_real_one_is_refused(sqlite_project):
    env, real = sqlite_project
    before = sha256(real)
    refused = roadbench([*IN_PROJECT, *QUICK_RUN], {**env, "MYSITE_DB_TEST_NAME": str(real)})
    assert refused.returncode == 2
    assert one_error_line(refused.stderr) == (
        f"roadbench: error: refusing to run: the test database {str(real)!r} would be "
        "DATABASES['default']'s own database; set DATABASES['default']['TEST']['NAME'] to "
        "another name"
    )
    assert refused.stdout == ""
    assert sha256(real) == before
    assert temporary_left(env) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--pythonpath", str(PROJECT), "--settings", "mysite.nosuch"],
            "roadbench: error: --settings mysite.nosuch: no module named 'mysite.nosuch' "
            "(--pythonpath DIR puts the project's directory on the path)",
        ),
        (
            ["--settings", "mysite.settings"],
            "roadbench: error: --settings mysite.settings: no module named 'mysite' "
            "(--pythonpath DIR puts the project's directory on the path)",
        ),
        (
            ["--pythonpath", "no/such/dir", "--settings", "mysite.settings"],
            "roadbench: error: --pythonpath no/such/dir: no such directory",
        ),
        (
            ["--pythonpath", "{tmp}", "--settings", "broken_settings"],
            "roadbench: error: --settings broken_settings: importing it failed: "
            "ModuleNotFoundError: No module named 'environ'",
        ),
        (
            ["--pythonpath", "{tmp}", "--settings", "unknown_app_settings"],
            "roadbench: error: --settings unknown_app_settings: Django's set-up failed: "
            "ModuleNotFoundError: No module named 'nosuchapp'",
        ),
    ],
    ids=["no-module", "not-on-the-path", "no-directory", "raises-on-import", "unknown-app"],
)
def test_a_bad_settings_module_is_one_line(tmp_path, args, expected):
    (tmp_path / "broken_settings.py").write_text("import environ\n")
    (tmp_path / "unknown_app_settings.py").write_text(
        f"INSTALLED_APPS = ['nosuchapp']\nDATABASES = {{'default': {{'ENGINE': "
        f"'django.db.backends.sqlite3', 'NAME': {str(tmp_path / 'x.sqlite3')!r}}}}}\n"
    )
    env = base_env(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    refused = roadbench([*args, *QUICK_RUN], env)
    assert refused.returncode == 2
    assert one_error_line(refused.stderr) == expected
    assert temporary_left(env) == []
    assert not (tmp_path / "x.sqlite3").exists()


def test_a_signal_during_a_run_in_a_project_removes_its_sqlite_test_database(sqlite_project):
    env, real = sqlite_project
    before = sha256(real)
    temporary = Path(env["TMPDIR"])

    def measuring() -> bool:
        for file in temporary.glob("roadbench_*/roadbench.sqlite3"):
            uri = f"file:{file}?mode=ro"
            with (
                contextlib.suppress(sqlite3.Error),
                contextlib.closing(sqlite3.connect(uri, uri=True)) as conn,
            ):
                names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
                return "shop_product" in names and "roadbench_roada" in names
        return False

    with ended(start([*IN_PROJECT, "compare", "--fast", "-n", "200"], env)) as proc:
        wait_for(measuring, proc, "measuring in the test database")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "roadbench: error: interrupted; the temporary SQLite file was removed"
    )
    assert temporary_left(env) == []
    assert sha256(real) == before


# --- PostgreSQL: the project's database on a server -----------------------------------------


def checksum(url: str, name: str) -> dict[str, str]:
    """Every table of the database ``name`` and a digest of its rows."""
    with admin_cursor(url, name) as cur:
        cur.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema') ORDER BY 1, 2"
        )
        tables = cur.fetchall()
        sums = {}
        for schema, table in tables:
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), ''))"
                f' FROM "{schema}"."{table}" AS t'
            )
            count, digest = cur.fetchone()
            sums[f"{schema}.{table}"] = f"{count} {digest}"
    return sums


@pytest.fixture
def postgres_project(postgres_url, tmp_path):
    """The project on PostgreSQL: its real database is one this test creates, migrated and
    holding rows; dropped at the end with the test database named after it (if any)."""
    real = f"rbtest_proj_{os.getpid()}_{secrets.token_hex(3)}"
    cfg = parse_database_url(postgres_url).config
    env = base_env(
        tmp_path,
        MYSITE_DB_ENGINE="django.db.backends.postgresql",
        MYSITE_DB_NAME=real,
        MYSITE_DB_USER=str(cfg["USER"] or ""),
        MYSITE_DB_PASSWORD=str(cfg["PASSWORD"] or ""),
        MYSITE_DB_HOST=str(cfg["HOST"] or ""),
        MYSITE_DB_PORT=str(cfg["PORT"] or ""),
    )
    with admin_cursor(postgres_url) as cur:
        cur.execute(f'CREATE DATABASE "{real}"')
    try:
        migrate_real_database(env)
        with admin_cursor(postgres_url, real) as cur:
            for statement in SHOP_ROWS:
                cur.execute(statement)
        yield env, real
    finally:
        with admin_cursor(postgres_url) as cur:
            for name in (real, f"test_{real}"):
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_run_compare_and_doctor_in_a_project_on_postgres_leave_its_database_as_it_was(
    postgres_url, postgres_project
):
    env, real = postgres_project
    before = checksum(postgres_url, real)
    assert "public.shop_product" in before and before["public.shop_product"].startswith("2 ")

    ran = roadbench([*IN_PROJECT, *QUICK_RUN], env)
    assert ran.returncode == 0, ran.stderr
    assert "postgresql" in ran.stdout

    compared = roadbench([*IN_PROJECT, "compare", "--fast", "-n", "20"], env)
    assert compared.returncode == 0, compared.stderr

    doctor = roadbench([*IN_PROJECT, "doctor", "--json"], env)
    assert doctor.returncode == 0, doctor.stderr
    assert f"a new test database test_{real}, dropped at the end" in doctor.stdout

    assert checksum(postgres_url, real) == before
    assert existing(postgres_url, "database", {f"test_{real}"}) == set()


def test_the_postgres_test_database_is_marked_migrated_and_known_to_cleanup(
    postgres_url, postgres_project
):
    env, real = postgres_project
    test_name = f"test_{real}"
    kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--keep"], env)
    assert kept.returncode == 0, kept.stderr
    assert f"kept the throwaway database {test_name}" in kept.stderr
    tables = checksum(postgres_url, test_name)
    assert {f"public.{t}" for t in SHOP_TABLES} <= set(tables)
    assert tables["public.shop_product"].startswith("0 ")
    with admin_cursor(postgres_url) as cur:
        cur.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [test_name],
        )
        assert cur.fetchone()[0] == f"roadbench throwaway database {test_name}"

    # A second run never takes it over: it says it is a leftover, and cleanup removes it.
    again = roadbench([*IN_PROJECT, *QUICK_RUN], env)
    assert again.returncode == 3
    assert "is left from an earlier roadbench run" in one_error_line(again.stderr)
    cleaned = roadbench([*IN_PROJECT, "cleanup"], env)
    assert cleaned.returncode == 0, cleaned.stderr
    assert test_name in cleaned.stdout
    assert existing(postgres_url, "database", {test_name}) == set()


def test_an_existing_test_database_not_roadbenchs_is_left_alone(postgres_url, postgres_project):
    env, real = postgres_project
    test_name = f"test_{real}"
    with admin_cursor(postgres_url) as cur:
        cur.execute(f'CREATE DATABASE "{test_name}"')
    with admin_cursor(postgres_url, test_name) as cur:
        cur.execute("CREATE TABLE kept_by_keepdb (n int)")
        cur.execute("INSERT INTO kept_by_keepdb VALUES (1), (2)")
    before = checksum(postgres_url, test_name)

    refused = roadbench([*IN_PROJECT, *QUICK_RUN], env)
    assert refused.returncode == 3
    assert f"the test database {test_name} already exists" in one_error_line(refused.stderr)
    cleaned = roadbench([*IN_PROJECT, "cleanup"], env)
    assert cleaned.returncode == 0, cleaned.stderr
    assert test_name not in cleaned.stdout
    assert checksum(postgres_url, test_name) == before


def test_a_postgres_test_name_equal_to_the_real_name_is_refused(postgres_url, postgres_project):
    env, real = postgres_project
    before = checksum(postgres_url, real)
    refused = roadbench([*IN_PROJECT, *QUICK_RUN], {**env, "MYSITE_DB_TEST_NAME": real})
    assert refused.returncode == 2
    assert one_error_line(refused.stderr).startswith(
        f"roadbench: error: refusing to run: the test database '{real}' would be "
        "DATABASES['default']'s own database"
    )
    assert checksum(postgres_url, real) == before


def test_database_option_runs_the_projects_migrations_on_that_server(
    postgres_url, postgres_project, tmp_path
):
    """--database replaces the project's database: here the project says SQLite (a file that
    must never appear), and the test database is made on the URL's server."""
    env, real = postgres_project
    sqlite_file = tmp_path / "never.sqlite3"
    env = {
        **env,
        "MYSITE_DB_ENGINE": "django.db.backends.sqlite3",
        "MYSITE_DB_NAME": str(sqlite_file),
    }
    url = postgres_url.rsplit("/", 1)[0] + f"/{real}"
    before = checksum(postgres_url, real)
    ran = roadbench([*IN_PROJECT, *QUICK_RUN, "--database", url], env)
    assert ran.returncode == 0, ran.stderr
    assert "postgresql" in ran.stdout
    assert not sqlite_file.exists()
    assert checksum(postgres_url, real) == before
    assert existing(postgres_url, "database", {f"test_{real}"}) == set()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_signal_during_a_run_in_a_project_on_postgres(postgres_url, postgres_project, signum):
    """SIGTERM: the run drops its test database and says so; SIGKILL: it cannot, and
    ``cleanup`` removes what it left."""
    env, real = postgres_project
    test_name = f"test_{real}"
    before = checksum(postgres_url, real)

    def measuring() -> bool:
        if not existing(postgres_url, "database", {test_name}):
            return False
        with contextlib.suppress(Exception), admin_cursor(postgres_url, test_name) as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'roadbench_roada'")
            return bool(cur.fetchone()[0])
        return False

    with ended(start([*IN_PROJECT, "compare", "--fast", "-n", "200"], env)) as proc:
        wait_for(measuring, proc, "measuring in the test database")
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=120)
    if signum == signal.SIGTERM:
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1] == (
            f"roadbench: error: interrupted; the throwaway database {test_name} was removed"
        )
    else:
        # Left behind; another copy of the suite's cleanup on this server may remove it first
        # (it is anybody's leftover now), so this cleanup may find it gone.
        cleaned = roadbench([*IN_PROJECT, "cleanup"], env)
        assert cleaned.returncode == 0, cleaned.stderr
    assert existing(postgres_url, "database", {test_name}) == set()
    assert checksum(postgres_url, real) == before


# --- MariaDB: --database replaces the project's SQLite --------------------------------------


def mysql_state(url: str, name: str) -> dict[str, Any]:
    """Every table of the database ``name`` and its CHECKSUM TABLE; {} if it does not exist."""
    from tests.conftest import mysql_cursor

    with mysql_cursor(url) as cur:
        cur.execute(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [name]
        )
        if cur.fetchone() is None:
            return {}
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1",
            [name],
        )
        tables = [row[0] for row in cur.fetchall()]
        sums = {}
        for table in tables:
            cur.execute(f"CHECKSUM TABLE `{name}`.`{table}`")
            sums[table] = cur.fetchone()[1]
    return sums


def test_a_project_on_mariadb_through_database_and_its_leftover_in_cleanup(mysql_url, tmp_path):
    from tests.conftest import mysql_cursor

    real = f"rbtest_proj_{os.getpid()}_{secrets.token_hex(3)}"
    test_name = f"test_{real}"
    url = mysql_url.rsplit("/", 1)[0] + f"/{real}"
    env = base_env(tmp_path, MYSITE_DB_NAME=str(tmp_path / "never.sqlite3"))
    with mysql_cursor(mysql_url) as cur:
        cur.execute(f"CREATE DATABASE `{real}`")
        cur.execute(f"CREATE TABLE `{real}`.orders (id int PRIMARY KEY, total int)")
        cur.execute(f"INSERT INTO `{real}`.orders VALUES (1, 10), (2, 20)")
    try:
        before = mysql_state(mysql_url, real)
        ran = roadbench([*IN_PROJECT, *QUICK_RUN, "--database", url], env)
        assert ran.returncode == 0, ran.stderr
        assert mysql_state(mysql_url, test_name) == {}

        kept = roadbench([*IN_PROJECT, *QUICK_RUN, "--database", url, "--keep"], env)
        assert kept.returncode == 0, kept.stderr
        assert set(mysql_state(mysql_url, test_name)) >= SHOP_TABLES
        cleaned = roadbench([*IN_PROJECT, "cleanup", "--database", url], env)
        assert cleaned.returncode == 0, cleaned.stderr
        assert test_name in cleaned.stdout
        assert mysql_state(mysql_url, test_name) == {}

        assert mysql_state(mysql_url, real) == before
        assert not (tmp_path / "never.sqlite3").exists()
    finally:
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{real}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{test_name}`")


def test_a_second_run_never_takes_the_test_database_of_a_live_one(postgres_url, postgres_project):
    env, real = postgres_project
    test_name = f"test_{real}"
    with ended(start([*IN_PROJECT, "compare", "--fast", "-n", "200"], env)) as first:
        wait_for(lambda: existing(postgres_url, "database", {test_name}), first, "CREATE")
        second = roadbench([*IN_PROJECT, *QUICK_RUN], env)
        assert first.poll() is None, "the first run ended before the second was refused"
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=120)
    assert second.returncode == 3
    line = one_error_line(second.stderr)
    assert line.startswith(
        f"roadbench: error: another roadbench run is using the test database {test_name} on "
    )
    assert line.endswith(f"/{real} (mysite.settings)")
    assert first.returncode == 130, err
    assert existing(postgres_url, "database", {test_name}) == set()


def test_a_project_whose_database_does_not_exist_yet_runs_beside_it(postgres_url, tmp_path):
    """As in a CI job that only runs tests: the project's NAME is not on the server. The test
    database is made from the ``postgres`` database, as Django's test runner makes it, and
    the project's own is never created."""
    real = f"rbtest_proj_{os.getpid()}_{secrets.token_hex(3)}"
    cfg = parse_database_url(postgres_url).config
    env = base_env(
        tmp_path,
        MYSITE_DB_ENGINE="django.db.backends.postgresql",
        MYSITE_DB_NAME=real,
        MYSITE_DB_USER=str(cfg["USER"] or ""),
        MYSITE_DB_PASSWORD=str(cfg["PASSWORD"] or ""),
        MYSITE_DB_HOST=str(cfg["HOST"] or ""),
        MYSITE_DB_PORT=str(cfg["PORT"] or ""),
    )
    try:
        ran = roadbench([*IN_PROJECT, *QUICK_RUN], env)
        assert ran.returncode == 0, ran.stderr
        doctor = roadbench([*IN_PROJECT, "doctor", "--json"], env)
        assert doctor.returncode == 0, doctor.stderr
        assert json.loads(doctor.stdout)["connect"] == "ok"
        cleaned = roadbench([*IN_PROJECT, "cleanup"], env)
        assert cleaned.returncode == 0, cleaned.stderr
        assert existing(postgres_url, "database", {real, f"test_{real}"}) == set()
    finally:
        with admin_cursor(postgres_url) as cur:
            for name in (real, f"test_{real}"):
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_failing_migration_is_one_line_and_its_test_database_is_dropped(
    postgres_url, postgres_project, tmp_path
):
    env, real = postgres_project
    before = checksum(postgres_url, real)
    broken = tmp_path / "variant" / "broken_migrations"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("")
    (broken / "0001_initial.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    operations = [migrations.RunSQL('SELECT * FROM no_such_table')]\n"
    )
    (tmp_path / "variant" / "broken_settings.py").write_text(
        "from mysite.settings import *  # noqa\nMIGRATION_MODULES = {'shop': 'broken_migrations'}\n"
    )
    env = {**env, "PYTHONPATH": str(tmp_path / "variant")}
    args = ["--pythonpath", str(PROJECT), "--settings", "broken_settings", *QUICK_RUN]
    failed = roadbench(args, env)
    assert failed.returncode == 3
    line = one_error_line(failed.stderr)
    assert line.startswith(
        "roadbench: error: the project's migrations failed in the test database: "
        'ProgrammingError: relation "no_such_table" does not exist'
    ), line
    assert existing(postgres_url, "database", {f"test_{real}"}) == set()
    assert checksum(postgres_url, real) == before
