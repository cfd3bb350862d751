"""Leftovers of killed runs: listed by ``doctor`` and ``cleanup --dry-run``, removed by
``cleanup``, and never one a live run owns. The PostgreSQL tests run as roles of their own
(``own_role``), so what cleanup sees and removes is only what the test made; the SQLite tests
use a temporary directory of their own."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadbench.database import unique_name
from roadbench.database.ownership import LOCK_FILE, lock_held, take_lock
from tests.conftest import admin_cursor, existing, names_of_run, utc_stamp

ROADBENCH = [sys.executable, "-m", "roadbench"]
LONG_RUN = ["compare", "--rows", "3000"]


def roadbench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ROADBENCH, *args], capture_output=True, text=True, timeout=120, env=env)


def cleanup_json(url: str | None, *extra: str, env: dict[str, str] | None = None) -> Any:
    database = ["--database", url] if url else []
    result = roadbench("cleanup", *database, "--json", *extra, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def statuses(report: Any) -> dict[str, str]:
    return {item["name"]: item["status"] for item in report["leftovers"]}


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


def killed_run(url: str, kind: str = "database") -> str:
    """Start a long run, SIGKILL it once its database (or schema) exists: the leftover."""
    since = utc_stamp()
    proc = start([*LONG_RUN, "--database", url])
    (name,) = wait_until(lambda: names_of_run(url, proc.pid, since, kind), proc)
    proc.kill()
    proc.communicate(timeout=60)
    wait_until(lambda: server_let_go(url, name))
    return str(name)


pg = pytest.mark.postgres


@pg
def test_a_killed_runs_database_is_listed_then_removed(own_role):
    url = own_role(True)
    name = killed_run(url)
    assert existing(url, "database", {name}) == {name}

    assert statuses(cleanup_json(url, "--dry-run")).get(name) == "would be removed"
    assert existing(url, "database", {name}) == {name}
    doctor = roadbench("doctor", "--database", url, "--json")
    assert {"kind": "database", "name": name} in json.loads(doctor.stdout)["leftovers"]
    assert "`roadbench cleanup` with the same --database removes them" in doctor.stderr

    assert statuses(cleanup_json(url)).get(name) == "removed"
    assert existing(url, "database", {name}) == set()


@pg
def test_a_killed_runs_schema_is_removed(own_role):
    url = own_role(False)
    name = killed_run(url, kind="schema")
    assert statuses(cleanup_json(url, "--dry-run")).get(name) == "would be removed"
    assert statuses(cleanup_json(url)).get(name) == "removed"
    assert existing(url, "schema", {name}) == set()


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
