"""Leftovers of killed runs: listed by ``doctor`` and ``cleanup --dry-run`` with what they
hold, removed by ``cleanup``; never one a live run owns, never one without roadbench's mark.
The PostgreSQL tests run as roles of their own (``own_role``), so what cleanup sees and removes
is only what the test made; the MariaDB tests look only at their own databases; the temporary
files' tests use a temporary directory of their own."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadbench.database import mask_url, unique_name
from roadbench.database.backend import LEFT_ALONE
from roadbench.database.lifecycle import database_mark, mark_literal
from roadbench.database.ownership import LOCK_FILE, lock_held, take_lock
from tests.conftest import (
    admin_cursor,
    existing,
    mysql_cursor,
    names_of_run,
    utc_stamp,
)

ROADBENCH = [sys.executable, "-m", "roadbench"]
LONG_RUN = ["compare", "--rows", "3000"]


def roadbench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ROADBENCH, *args], capture_output=True, text=True, timeout=120, env=env)


def cleanup_json(url: str | None, *extra: str, env: dict[str, str] | None = None) -> Any:
    """``roadbench cleanup --json``; without ``env``, with an empty temporary directory of its
    own, so a test about a server never removes another process's temporary leftovers."""
    database = ["--database", url] if url else []
    with tempfile.TemporaryDirectory(prefix="rbtest_cleanup_") as empty:
        env = env or {**os.environ, "TMPDIR": empty}
        result = roadbench("cleanup", *database, "--json", *extra, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def statuses(report: Any) -> dict[str, str]:
    return {item["name"]: item["status"] for item in report["leftovers"]}


def listed(report: Any, name: str) -> dict[str, Any] | None:
    """The report's entry for ``name`` (cleanup sees what else is on the server too)."""
    return next((item for item in report["leftovers"] if item["name"] == name), None)


def mark_by_hand(url: str, kind: str, name: str) -> None:
    """The mark a run writes into its database or schema as it creates it: for a test's own
    database standing for a killed run's."""
    with admin_cursor(url) as cur:
        cur.execute(
            f'COMMENT ON {kind.upper()} "{name}" IS {mark_literal(database_mark(kind, name))}'
        )


def look_alike() -> str:
    """A name of the very form roadbench gives (issue 19's reproducer), unique to the test."""
    return f"roadbench_20250101000000_1_{secrets.token_hex(3)}"


def pg_tables(url: str, kind: str, name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in a database (or schema of the URL's), by table, in order."""
    where = "n.nspname = %s" if kind == "schema" else "n.nspname = 'public'"
    with admin_cursor(url, dbname=name if kind == "database" else None) as cur:
        cur.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND {where} ORDER BY 2",
            [name] if kind == "schema" else [],
        )
        found = {}
        for schema, table in cur.fetchall():
            cur.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
            found[table] = cur.fetchall()
        return found


def fill(url: str, kind: str, name: str, table: str, rows: int) -> None:
    """A table of ``rows`` rows in a database (or schema of the URL's), as a user would make."""
    qualified = f'"{name}".{table}' if kind == "schema" else table
    with admin_cursor(url, dbname=name if kind == "database" else None) as cur:
        cur.execute(f"CREATE TABLE {qualified} (id int PRIMARY KEY, note text)")
        cur.execute(
            f"INSERT INTO {qualified} SELECT i, md5(i::text) FROM generate_series(1, %s) i",
            [rows],
        )


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ROADBENCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def wait_until(check: Callable[[], Any], proc: subprocess.Popen[str] | None = None) -> Any:
    """Poll until ``check`` gives something (a run's step, or the server noticing a death)."""
    deadline = time.monotonic() + 120
    while not (found := check()):
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the run ended first: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, "waited two minutes"
        time.sleep(0.05)
    return found


def server_let_go(url: str, name: str) -> bool:
    """A killed client's sessions end when the server notices: then its lock is free and
    nobody is connected to its database any more."""
    with admin_cursor(url) as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
        connected = cur.fetchone()[0]
        return not connected and not lock_held(cur, name)


def marked(url: str, kind: str, names: set[str]) -> set[str]:
    """Which of ``names`` carry a comment (the run's mark) yet."""
    catalog, column, describe = {
        "database": ("pg_database", "datname", "shobj_description(oid, 'pg_database')"),
        "schema": ("pg_namespace", "nspname", "obj_description(oid, 'pg_namespace')"),
    }[kind]
    with admin_cursor(url) as cur:
        cur.execute(
            f"SELECT {column} FROM {catalog} WHERE {column} = ANY(%s) AND {describe} IS NOT NULL",
            [sorted(names)],
        )
        return {row[0] for row in cur.fetchall()}


def killed_run(url: str, kind: str = "database") -> str:
    """Start a long run, SIGKILL it once its database (or schema) exists, marked: the
    leftover. (A kill between CREATE DATABASE and its COMMENT, one round trip, would leave it
    unmarked: that case has a test of its own.)"""
    since = utc_stamp()
    proc = start([*LONG_RUN, "--database", url])
    (name,) = wait_until(lambda: marked(url, kind, names_of_run(url, proc.pid, since, kind)), proc)
    proc.kill()
    proc.communicate(timeout=60)
    wait_until(lambda: server_let_go(url, name))
    return str(name)


pg = pytest.mark.postgres


@pg
def test_a_killed_runs_database_is_listed_with_what_it_holds_then_removed(own_role):
    url = own_role(True)
    name = killed_run(url)
    assert existing(url, "database", {name}) == {name}
    fill(url, "database", name, "looked_into", 7)  # whatever else it holds, this too
    inside = {table: len(rows) for table, rows in pg_tables(url, "database", name).items()}
    assert inside["looked_into"] == 7

    item = listed(cleanup_json(url, "--dry-run"), name)
    assert item is not None and item["status"] == "would be removed"
    assert item["kind"] == "database" and item["tables"] == inside
    rows = sum(inside.values())
    assert item["holds"] == f"{len(inside)} table{'s' if len(inside) > 1 else ''}, {rows:,} rows"
    assert existing(url, "database", {name}) == {name}
    doctor = roadbench("doctor", "--database", url, "--json")
    shown = [i for i in json.loads(doctor.stdout)["leftovers"] if i["name"] == name]
    assert shown == [{"kind": "database", "name": name, "holds": item["holds"]}]
    # The command with the --database given, its password masked.
    hint = f"`{shlex.join(['roadbench', 'cleanup', '--database', mask_url(url)])}` removes them"
    assert hint in doctor.stderr and "***" in hint

    assert statuses(cleanup_json(url)).get(name) == "removed"
    assert existing(url, "database", {name}) == set()


@pg
def test_a_killed_runs_schema_is_listed_with_what_it_holds_then_removed(own_role):
    url = own_role(False)
    name = killed_run(url, kind="schema")
    fill(url, "schema", name, "looked_into", 3)
    inside = {table: len(rows) for table, rows in pg_tables(url, "schema", name).items()}
    item = listed(cleanup_json(url, "--dry-run"), name)
    assert item is not None and item["status"] == "would be removed"
    assert item["tables"] == inside and inside["looked_into"] == 3
    assert statuses(cleanup_json(url)).get(name) == "removed"
    assert existing(url, "schema", {name}) == set()


@pg
def test_an_unmarked_empty_database_is_left_alone(own_role):
    """What a run killed between CREATE DATABASE and its COMMENT would leave: unmarked and
    empty. Cleanup cannot tell it from a user's new database, so it stays (docs/databases.md)."""
    url = own_role(True)
    name = unique_name()
    with admin_cursor(url) as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        assert statuses(cleanup_json(url)).get(name) == LEFT_ALONE
        assert existing(url, "database", {name}) == {name}
    finally:
        with admin_cursor(url) as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pg
def test_a_live_runs_database_is_never_removed(own_role):
    url = own_role(True)
    since = utc_stamp()
    proc = start([*LONG_RUN, "--database", url])
    try:
        (name,) = wait_until(lambda: names_of_run(url, proc.pid, since), proc)
        assert name not in statuses(cleanup_json(url))
        assert existing(url, "database", {name}) == {name}
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert existing(url, "database", {name}) == set()


@pg
def test_a_lock_held_from_any_database_keeps_a_database(own_role, postgres_url):
    """The lock is what counts, from any session on the server (a run on another machine
    connected through another database): while it is held, cleanup leaves the database."""
    url = own_role(True)
    name = unique_name()
    with admin_cursor(url) as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    mark_by_hand(url, "database", name)
    with admin_cursor(postgres_url) as holder:  # another role, another database
        assert take_lock(holder.connection, name)
        assert name not in statuses(cleanup_json(url))
        assert existing(url, "database", {name}) == {name}
    wait_until(lambda: server_let_go(url, name))
    assert statuses(cleanup_json(url)).get(name) == "removed"


@pg
def test_only_what_roadbench_would_name_and_the_role_owns_is_touched(own_role, postgres_url):
    url = own_role(True)
    if url == postgres_url:
        pytest.skip("needs a role of the test's own (the test role may not create roles)")
    not_a_run = f"roadbench_users_{secrets.token_hex(3)}"  # not a name a run would get
    with admin_cursor(url) as cur:
        cur.execute(f"CREATE DATABASE {not_a_run}")
    others = unique_name()
    with admin_cursor(postgres_url) as cur:
        cur.execute(f'CREATE DATABASE "{others}"')
    try:
        found = statuses(cleanup_json(url))
        assert not_a_run not in found and others not in found
        assert existing(url, "database", {not_a_run, others}) == {not_a_run, others}
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'DROP DATABASE "{others}"')


# --- SQLite ---------------------------------------------------------------------------------


def own_temp(tmp_path: Path) -> dict[str, str]:
    """The environment of a run whose temporary directory is this test's own."""
    return {**os.environ, "TMPDIR": str(tmp_path)}


def run_directories(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.glob("roadbench_*") if (p / LOCK_FILE).exists()]


def test_a_killed_embedded_runs_directory_is_removed_and_nothing_else(tmp_path):
    env = own_temp(tmp_path)
    other = tmp_path / "roadbench_load_not_a_run"  # no lock file: not a run's directory
    other.mkdir()
    proc = start(LONG_RUN, env=env)
    (directory,) = wait_until(lambda: run_directories(tmp_path), proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert directory.exists()

    assert statuses(cleanup_json(None, "--dry-run", env=env)) == {
        str(directory): "would be removed"
    }
    assert directory.exists()
    assert statuses(cleanup_json(None, env=env)) == {str(directory): "removed"}
    assert not directory.exists()
    assert other.exists()


def test_a_live_embedded_runs_directory_is_never_removed(tmp_path):
    env = own_temp(tmp_path)
    proc = start(LONG_RUN, env=env)
    try:
        (directory,) = wait_until(lambda: run_directories(tmp_path), proc)
        assert statuses(cleanup_json(None, env=env)) == {}
        assert directory.exists() and proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == (
        "roadbench: error: interrupted; the temporary SQLite file was removed"
    )
    assert not directory.exists()


def test_a_killed_embedded_runs_directory_shows_its_tables(tmp_path):
    from roadbench.database.temporary import SQLITE_FILE, sqlite_tables

    env = own_temp(tmp_path)
    proc = start(LONG_RUN, env=env)
    (directory,) = wait_until(lambda: run_directories(tmp_path), proc)
    wait_until(lambda: sum((sqlite_tables(directory / SQLITE_FILE) or {}).values()), proc)
    proc.kill()
    proc.communicate(timeout=60)
    inside = sqlite_tables(directory / SQLITE_FILE)
    (item,) = cleanup_json(None, "--dry-run", env=env)["leftovers"]
    assert item["name"] == str(directory) and item["tables"] == inside
    assert f"{len(inside)} tables, {sum(inside.values()):,} rows" in item["holds"]


# --- MariaDB ------------------------------------------------------------------------------


def mysql_rows(url: str, name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in a MariaDB database, by table, in order."""
    with mysql_cursor(url) as cur:
        cur.execute(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1",
            [name],
        )
        tables = [row[0] for row in cur.fetchall()]
        found = {}
        for table in tables:
            cur.execute(f"SELECT * FROM `{name}`.`{table}` ORDER BY 1")
            found[table] = list(cur.fetchall())
        return found


def mysql_existing(url: str, names: set[str]) -> set[str]:
    with mysql_cursor(url) as cur:
        cur.execute(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN "
            f"({', '.join(['%s'] * len(names))})",
            sorted(names),
        )
        return {row[0] for row in cur.fetchall()}


def mysql_fill(url: str, name: str, table: str, rows: int) -> None:
    with mysql_cursor(url) as cur:
        cur.execute(f"CREATE TABLE `{name}`.`{table}` (id int PRIMARY KEY, note text)")
        # The sequence table named in the database: the test's URL may select none (CI's).
        sequence = f"`{name}`.seq_1_to_{int(rows)}"
        cur.execute(f"INSERT INTO `{name}`.`{table}` SELECT seq, MD5(seq) FROM {sequence}")


def mysql_let_go(url: str, name: str) -> bool:
    """The server has noticed the killed client: nobody holds its lock or uses its database."""
    with mysql_cursor(url) as cur:
        cur.execute("SELECT IS_USED_LOCK(%s)", [f"roadbench:{name}"])
        held = cur.fetchone()[0] is not None
        cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s", [name])
        return not held and not cur.fetchone()[0]


def rows_directories(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.glob("roadbench_rows_*") if (p / LOCK_FILE).exists()]


my = pytest.mark.mysql
# Writes rows with LOAD DATA from its first round on, for far longer than the test waits.
RAW_WRITES = ["run", "-o", "1", "--op", "create", "-m", "raw", "-n", "3000", "--repeat", "100000"]


@my
def test_mysqls_mark_table_is_a_mark_too(mysql_url):
    """MySQL has no database comments: its runs mark their database with a one-row table,
    which cleanup reads on either server. A table holding another name's mark is no mark."""
    from roadbench.database.mysql import MARK_TABLE, mark_table_sql

    mine, copied = unique_name(), unique_name()
    with mysql_cursor(mysql_url) as cur:
        for name in (mine, copied):
            cur.execute(f"CREATE DATABASE `{name}`")
        cur.execute(mark_table_sql(mine))
        cur.execute(f"CREATE TABLE `{copied}`.{MARK_TABLE} AS SELECT * FROM `{mine}`.{MARK_TABLE}")
    try:
        found = statuses(cleanup_json(mysql_url))
        assert found[mine] == "removed" and found[copied] == LEFT_ALONE
        assert mysql_existing(mysql_url, {mine, copied}) == {copied}
    finally:
        with mysql_cursor(mysql_url) as cur:
            for name in (mine, copied):
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


# --- temporary files of any run ------------------------------------------------------------

# Holds a load test's, a callgrind pass's and a rows file's directories the way roadbench
# makes them, until its stdin closes (then it removes them as roadbench does at the end).
HOLDER = """
import os, sys, tempfile
from roadbench.database.temporary import owned_directory, scratch_directory
with owned_directory("roadbench_load_") as load, owned_directory("roadbench-callgrind-") as grind:
    (load / "server.log").write_text("serving")
    fd, _ = tempfile.mkstemp(dir=scratch_directory(), prefix="rows_", suffix=".tsv")
    os.write(fd, b"1\\troad\\n" * 1000)
    print(load, grind, scratch_directory(), flush=True)
    sys.stdin.read()
"""


def holder(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[Path]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    return proc, [Path(p) for p in proc.stdout.readline().split()]


def test_temporary_files_of_a_killed_process_go_those_of_a_live_one_stay(tmp_path):
    env = own_temp(tmp_path)
    # Look-alikes: roadbench's names, no mark (or a copy of a mark under another name).
    mine = tmp_path / "roadbench_load_mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    tsv = tmp_path / "roadbench_export.tsv"
    tsv.write_text("1\tmine\n")
    live, live_dirs = holder(env)
    try:
        dead, dead_dirs = holder(env)
        dead.kill()
        dead.wait(timeout=60)
        copy = tmp_path / "roadbench_load_copy"
        shutil.copytree(dead_dirs[0], copy)
        assert len(dead_dirs) == 3 and all(d.exists() for d in dead_dirs + live_dirs)

        report = cleanup_json(None, "--dry-run", env=env)
        assert statuses(report) == {str(d): "would be removed" for d in dead_dirs}
        holds = {item["name"]: item["holds"] for item in report["leftovers"]}
        assert holds[str(dead_dirs[0])] == "1 file, 7 B"
        assert holds[str(dead_dirs[2])] == "1 file, 6.8 KiB"
        assert all(d.exists() for d in dead_dirs)

        assert statuses(cleanup_json(None, env=env)) == {str(d): "removed" for d in dead_dirs}
        assert not any(d.exists() for d in dead_dirs)
        assert all(d.exists() for d in live_dirs)
        assert (mine / "notes.txt").read_text() == "mine" and tsv.read_text() == "1\tmine\n"
        assert (copy / "server.log").read_text() == "serving"
    finally:
        live.communicate(input="", timeout=60)
    assert live.returncode == 0
    assert not any(d.exists() for d in live_dirs)  # its own end removed them


def test_doctor_counts_what_cleanup_removes_and_names_the_flags_given(tmp_path):
    """doctor's count is cleanup's: a directory whose owner lives (its lock held, here by this
    test) is not counted, one a killed run left (its lock free) is; the hint names the command
    with the flags given (inside a project: --pythonpath and --settings, not --database)."""
    from roadbench.database.ownership import hold_directory
    from tests.test_project import IN_PROJECT, base_env

    env = own_temp(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    live, killed = tmp_path / "tmp" / "roadbench_live", tmp_path / "tmp" / "roadbench_killed"
    live.mkdir()
    killed.mkdir()
    held = hold_directory(live)
    os.close(hold_directory(killed))  # what a killed run leaves: marked, its lock free
    try:
        doctor = roadbench("doctor", "--json", env=env)
        assert doctor.returncode == 0, doctor.stderr
        counted = [item["name"] for item in json.loads(doctor.stdout)["leftovers"]]
        assert counted == [str(killed)]
        assert doctor.stderr.strip().splitlines()[-1] == (
            "roadbench: 1 left behind by killed runs; `roadbench cleanup` removes them"
        )
        project_env = base_env(tmp_path, MYSITE_DB_NAME=str(tmp_path / "site.sqlite3"))
        inside = roadbench(*IN_PROJECT, "doctor", env={**project_env, "TMPDIR": env["TMPDIR"]})
        assert inside.returncode == 0, inside.stderr
        assert inside.stderr.strip().splitlines()[-1] == (
            f"roadbench: 1 left behind by killed runs; `roadbench --pythonpath {IN_PROJECT[1]} "
            "--settings mysite.settings cleanup` removes them"
        )
        assert statuses(cleanup_json(None, env=env)) == {str(killed): "removed"}
        assert live.exists() and not killed.exists()
    finally:
        os.close(held)
