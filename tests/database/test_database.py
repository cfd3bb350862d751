from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roadbench.database import (
    bench_database,
    inspect_database,
    mask_url,
    parse_database_url,
    unique_name,
)
from roadbench.errors import BadInput, DatabaseUnavailable, Interrupted
from tests.conftest import admin_cursor, existing, names_of_run, utc_stamp
from tests.helpers import default_stop_signals

ROADBENCH = [sys.executable, "-m", "roadbench"]


# --- URLs -----------------------------------------------------------------------------------


def test_mask_url_hides_the_password_and_keeps_the_rest():
    assert mask_url("postgres://bob:s3cret@db.example:5433/app") == (
        "postgres://bob:***@db.example:5433/app"
    )
    assert mask_url("postgres://bob@db/app") == "postgres://bob@db/app"
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_parse_database_url_uses_dj_database_url():
    parsed = parse_database_url("postgres://bob:pw@h:5433/app")
    assert parsed.vendor == "postgresql"
    assert parsed.config["NAME"] == "app"
    assert parsed.config["PORT"] == 5433
    assert parsed.scrub("password pw for bob") == "password *** for bob"
    assert parse_database_url(None).embedded


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oracle://root@127.0.0.1/test", "unsupported database URL scheme 'oracle'"),
        ("nonsense", "unsupported database URL scheme"),
        ("sqlite://", "names no file"),
    ],
)
def test_bad_urls_are_bad_input(url, message):
    with pytest.raises(BadInput, match=message):
        parse_database_url(url)


def test_unique_names_differ():
    names = {unique_name() for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith("roadbench_") for n in names)


# --- SQLite ---------------------------------------------------------------------------------


def test_embedded_sqlite_file_is_removed_after_the_run():
    with bench_database(None) as bench:
        path = Path(bench.name)
        assert path.parent.exists()
    assert not path.exists()
    assert not path.parent.exists()


def test_embedded_sqlite_is_removed_after_an_exception():
    with pytest.raises(RuntimeError), bench_database(None) as bench:
        path = Path(bench.name)
        raise RuntimeError("boom")
    assert not path.parent.exists()


class StopsWhileNamed:
    """A descriptor that gets a stop signal while Python creates the class holding it, as
    Ctrl-C may land while Django builds a model: Python 3.11 wraps the KeyboardInterrupt
    raised in ``__set_name__`` in a RuntimeError."""

    def __set_name__(self, owner: type, name: str) -> None:
        # SIGTERM, not SIGINT: a suite started in the background inherits SIGINT ignored.
        signal.raise_signal(signal.SIGTERM)


def test_an_interrupt_that_python_wraps_is_an_interrupt_and_the_database_goes():
    # It was "internal error: RuntimeError: Error calling __set_name__ ..." (exit 1).
    with pytest.raises(Interrupted) as raised, bench_database(None) as bench:
        path = Path(bench.name)
        type("Model", (), {"field": StopsWhileNamed()})
    assert str(raised.value) == "interrupted; the temporary SQLite file was removed"
    assert not path.parent.exists()


def test_sqlite_file_with_tables_of_the_user_is_refused_and_untouched(tmp_path):
    path = tmp_path / "users.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    before = path.read_bytes()
    with (
        pytest.raises(BadInput, match="already holds tables \\(customers\\)"),
        bench_database(f"sqlite:///{path}"),
    ):
        pass
    assert path.read_bytes() == before


def test_sqlite_new_file_is_created_and_removed(tmp_path):
    path = tmp_path / "new.sqlite3"
    with bench_database(f"sqlite:///{path}") as bench:
        assert Path(bench.name) == path
    assert not path.exists()


def test_sqlite_keep_leaves_the_file(tmp_path):
    path = tmp_path / "kept.sqlite3"
    said = []
    with bench_database(f"sqlite:///{path}", keep=True, notify=said.append):
        pass
    assert path.exists()
    assert said == [f"kept the SQLite database at {path}"]


def test_sqlite_bad_paths_are_bad_input(tmp_path):
    with (
        pytest.raises(BadInput, match="does not exist"),
        bench_database(f"sqlite:///{tmp_path}/missing/dir/x.db"),
    ):
        pass
    with pytest.raises(BadInput, match="directory"), bench_database(f"sqlite:///{tmp_path}"):
        pass
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just some text " * 20)
    with (
        pytest.raises(BadInput, match="not an SQLite database"),
        bench_database(f"sqlite:///{junk}"),
    ):
        pass


# --- PostgreSQL -----------------------------------------------------------------------------


pg = pytest.mark.postgres


@pg
def test_throwaway_database_is_created_used_and_dropped(postgres_url):
    with bench_database(postgres_url) as bench:
        assert bench.isolation == "database"
        assert bench.name.startswith("roadbench_")
        assert existing(postgres_url, "database", {bench.name}) == {bench.name}
        from django.db import connection

        assert connection.settings_dict["NAME"] == bench.name
    assert existing(postgres_url, "database", {bench.name}) == set()


@pg
def test_throwaway_database_is_dropped_after_an_exception(postgres_url):
    with pytest.raises(ZeroDivisionError), bench_database(postgres_url) as bench:
        1 / 0  # noqa: B018
    assert existing(postgres_url, "database", {bench.name}) == set()


@pg
def test_keep_leaves_the_database_and_names_it(postgres_url):
    said: list[str] = []
    with bench_database(postgres_url, keep=True, notify=said.append) as bench:
        name = bench.name
    try:
        assert existing(postgres_url, "database", {name}) == {name}
        assert name in said[0]
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pg
def test_a_lost_admin_connection_is_replaced_to_drop_the_database(postgres_url):
    """The connection holding the run's lock is killed (as by a server restart): a new one
    drops the database, and there is nothing to say."""
    from roadbench.database.ownership import lock_key

    said: list[str] = []
    with bench_database(postgres_url, notify=said.append) as bench:
        classid, objid = (key & 0xFFFFFFFF for key in lock_key(bench.name))
        with admin_cursor(postgres_url) as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 2",
                [classid, objid],
            )
            assert cur.fetchall() == [(True,)]
    assert said == []
    assert existing(postgres_url, "database", {bench.name}) == set()


@pg
def test_a_users_table_in_the_named_database_is_untouched(postgres_url):
    userdata = f"rbtest_userdata_{os.getpid()}_{secrets.token_hex(3)}"
    with admin_cursor(postgres_url) as cur:
        cur.execute(f"CREATE DATABASE {userdata}")
    user_url = postgres_url.rsplit("/", 1)[0] + f"/{userdata}"
    try:
        with admin_cursor(user_url) as cur:
            cur.execute("CREATE TABLE customers (id serial PRIMARY KEY, name text)")
            cur.execute("INSERT INTO customers (name) VALUES ('Ada'), ('Grace')")
        result = subprocess.run(
            [
                *ROADBENCH,
                "compare",
                "--rows",
                "20",
                "--repeat",
                "1",
                "--warmup",
                "0",
                "--database",
                user_url,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        with admin_cursor(user_url) as cur:
            cur.execute("SELECT name FROM customers ORDER BY id")
            assert [r[0] for r in cur.fetchall()] == ["Ada", "Grace"]
            cur.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
            assert [r[0] for r in cur.fetchall()] == ["public.customers"]
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {userdata} WITH (FORCE)")


@pg
@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name
)
def test_a_signal_to_a_running_compare_leaves_no_database(postgres_url, signum):
    since = utc_stamp()
    proc = subprocess.Popen(
        [*ROADBENCH, "compare", "--rows", "2000", "--database", postgres_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,
    )
    deadline = time.monotonic() + 60
    # Wait until its throwaway database exists, so the signal lands mid-run.
    while not (names := names_of_run(postgres_url, proc.pid, since)):
        assert time.monotonic() < deadline and proc.poll() is None, "no database was created"
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    (name,) = names
    assert err.strip().splitlines()[-1] == (
        f"roadbench: error: interrupted; the throwaway database {name} was removed"
    )
    assert "Traceback" not in err
    assert existing(postgres_url, "database", names) == set()


@pg
def test_two_runs_at_once_both_succeed(postgres_url):
    since = utc_stamp()
    command = [
        *ROADBENCH,
        "run",
        "--option",
        "3",
        "--op",
        "create",
        "--method",
        "atomic",
        "--rows",
        "500",
        "--json",
        "--database",
        postgres_url,
    ]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outputs]
    assert [names_of_run(postgres_url, p.pid, since) for p in procs] == [set(), set()]


@pg
def test_the_password_never_appears_in_output_or_saved_json(postgres_url, tmp_path):
    password = parse_database_url(postgres_url).config["PASSWORD"] or "not-a-real-secret-9x"
    url = (
        postgres_url
        if parse_database_url(postgres_url).config["PASSWORD"]
        else (postgres_url.replace("://postgres@", f"://postgres:{password}@"))
    )
    saved = tmp_path / "run.json"
    outputs = []
    for extra in (["--json", "--save", str(saved)], []):
        result = subprocess.run(
            [
                *ROADBENCH,
                "run",
                "--option",
                "1",
                "--op",
                "select",
                "--rows",
                "20",
                "--database",
                url,
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    doctor = subprocess.run(
        [*ROADBENCH, "doctor", "--database", url], capture_output=True, text=True, timeout=60
    )
    outputs += [doctor.stdout, doctor.stderr, saved.read_text()]
    assert all(password not in text for text in outputs)
    assert "***" in saved.read_text()


@pg
def test_schema_fallback_when_the_role_may_not_create_databases(nocreatedb_url):
    url = nocreatedb_url
    said: list[str] = []
    since = utc_stamp()
    with bench_database(url, notify=said.append) as bench:
        schema = bench.name
        assert bench.isolation == "schema"
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT current_schema()")
            assert cur.fetchone()[0] == schema
    assert "may not create databases" in said[0]
    # The whole path works inside the schema: tables, COPY with reserved ids, verification.
    from roadbench.api import run
    from roadbench.measuring.measure import Timing

    report = run(
        option=3, op="create", method="raw", rows=20, database=url, timing=Timing(0, 1, loops=1)
    )
    assert report.results[0].ok and report.results[0].rows_affected == 20
    assert inspect_database(url)["isolation"].startswith("a new schema")
    assert names_of_run(url, os.getpid(), since, kind="schema") == set()


@pg
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda u: u.replace(":5432", ":1"), "Connection refused"),
        (lambda u: u.rsplit("/", 1)[0] + "/rbtest_no_such_db", 'database "rbtest_no_such_db"'),
        (lambda u: u.replace("@127.0.0.1", "@no-such-host.invalid"), "no-such-host.invalid"),
    ],
)
def test_connection_errors_are_one_clear_line(postgres_url, change, message):
    url = change(postgres_url)
    started = time.monotonic()
    result = subprocess.run(
        [*ROADBENCH, "doctor", "--database", url], capture_output=True, text=True, timeout=30
    )
    assert time.monotonic() - started < 15
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("roadbench: error: cannot connect to postgres://")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


@pg
def test_wrong_password_is_one_clear_line(postgres_url):
    parsed = parse_database_url(postgres_url)
    if not parsed.config["PASSWORD"]:
        pytest.skip("the test role has no password (trust authentication)")
    url = postgres_url.replace(f":{parsed.config['PASSWORD']}@", ":wrong-password@")
    with pytest.raises(DatabaseUnavailable, match="password authentication failed") as info:
        inspect_database(url)
    assert "wrong-password" not in str(info.value)
    assert ":***@" in str(info.value)


@pg
def test_doctor_reports_server_and_isolation(postgres_url):
    info = inspect_database(postgres_url)
    assert info["vendor"] == "postgresql"
    assert info["connect"] == "ok"
    assert info["server_version"].split(".")[0].isdigit()
    assert "roadbench_<unique>" in info["isolation"]


def test_a_missing_driver_is_one_clear_line():
    code = (
        "import sys; sys.modules['psycopg2'] = sys.modules['psycopg'] = None\n"
        "from roadbench.cli.app import main\n"
        "main(['doctor', '--database', 'postgres://me:pw@127.0.0.1:5432/postgres'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3
    assert result.stderr.strip() == (
        "roadbench: error: cannot use postgres://me:***@127.0.0.1:5432/postgres: no "
        "PostgreSQL driver is installed (pip install psycopg2-binary, or psycopg[binary] "
        "for psycopg 3)"
    )
