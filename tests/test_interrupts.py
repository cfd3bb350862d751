"""A signal at any moment of a run leaves no database behind, and the last line says what
became of it. Real signals to real ``roadbench`` processes; each test looks only at the
databases its own process made (found by the process id in their names)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from roadbench.database import mask_url
from tests.conftest import admin_cursor, existing, names_of_run, utc_stamp
from tests.helpers import default_stop_signals

pytestmark = pytest.mark.postgres

ROADBENCH = [sys.executable, "-m", "roadbench"]
QUICK_RUN = ["run", "-o", "1", "--op", "create", "-n", "20", "--repeat", "1", "--warmup", "0"]
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def start(args: list[str], url: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ROADBENCH, *args, "--database", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=default_stop_signals,
    )


def last_line(err: str) -> str:
    return err.strip().splitlines()[-1]


def wait_for(check, proc: subprocess.Popen[str], what: str):  # type: ignore[no-untyped-def]
    """Poll ``check`` until it returns something; fail if the process ends first."""
    deadline = time.monotonic() + 120
    while not (found := check()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _out, err = proc.communicate()
            pytest.fail(f"{what} never happened: {err}")
        time.sleep(0.02)
    return found


def superuser(url: str) -> bool:
    with admin_cursor(url) as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cur.fetchone()[0])


@contextlib.contextmanager
def catalog_locked(url: str, catalog: str) -> Iterator[None]:
    """Hold a SHARE lock on a catalog, so CREATE DATABASE (pg_database) or CREATE SCHEMA
    (pg_namespace, in the URL's database) waits for it: the window a signal must not escape.
    Others creating databases meanwhile only wait a moment, they do not fail."""
    with admin_cursor(url) as cur:
        cur.execute("BEGIN")
        cur.execute(f"LOCK TABLE pg_catalog.{catalog} IN SHARE MODE")
        try:
            yield
        finally:
            cur.execute("ROLLBACK")


def waiting_creation(cur, kind: str, pid: int) -> str | None:  # type: ignore[no-untyped-def]
    """The name the process ``pid`` is creating, once its CREATE waits for a lock (asked on
    a connection of its own: a transaction sees pg_stat_activity as it was when it began)."""
    cur.execute(
        "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        # A schema's CREATE and its mark (COMMENT) are one query string.
        [f'CREATE {kind} "roadbench\\_%\\_{pid}\\_%"%'],
    )
    row = cur.fetchone()
    return re.search(r'"(roadbench_\w+)"', row[0]).group(1) if row else None


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_signal_while_the_database_is_created_leaves_nothing(postgres_url, signum):
    if not superuser(postgres_url):
        pytest.skip("locking pg_database to hold CREATE DATABASE needs a superuser")
    with catalog_locked(postgres_url, "pg_database"), admin_cursor(postgres_url) as cur:
        proc = start(QUICK_RUN, postgres_url)
        name = wait_for(lambda: waiting_creation(cur, "DATABASE", proc.pid), proc, "CREATE")
        proc.send_signal(signum)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    # psycopg2 finishes the statement, then stops; a driver that cancels it makes nothing.
    assert last_line(err) in (
        f"roadbench: error: interrupted; the throwaway database {name} was removed",
        "roadbench: error: interrupted; nothing was left behind",
    )
    assert "Traceback" not in err
    assert existing(postgres_url, "database", {name}) == set()


def test_a_signal_while_the_schema_is_created_leaves_nothing(postgres_url, nocreatedb_url):
    if not superuser(postgres_url):
        pytest.skip("locking pg_namespace to hold CREATE SCHEMA needs a superuser")
    home = nocreatedb_url.rsplit("/", 1)[1]
    with (
        catalog_locked(postgres_url.rsplit("/", 1)[0] + f"/{home}", "pg_namespace"),
        admin_cursor(postgres_url) as cur,
    ):
        proc = start(QUICK_RUN, nocreatedb_url)
        name = wait_for(lambda: waiting_creation(cur, "SCHEMA", proc.pid), proc, "CREATE")
        proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert last_line(err) in (
        f"roadbench: error: interrupted; the throwaway schema {name} was removed",
        "roadbench: error: interrupted; nothing was left behind",
    )
    assert existing(nocreatedb_url, "schema", {name}) == set()


@pytest.mark.parametrize("delay", [0.0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.5, 3.0, 4.0])
def test_a_signal_at_any_moment_leaves_nothing(postgres_url, delay):
    """From start-up (before roadbench handles signals) to the end of the run."""
    since = utc_stamp()
    proc = start(QUICK_RUN, postgres_url)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    # -SIGTERM: it came before roadbench took over the signal, or after the run was done.
    assert proc.returncode in (130, -signal.SIGTERM, 0), err
    if proc.returncode == 130:
        assert re.fullmatch(
            r"roadbench: error: interrupted(; the throwaway database roadbench_\w+ was removed"
            r"|; nothing was left behind|; nothing was created)?",
            last_line(err),
        ), err
    assert names_of_run(postgres_url, proc.pid, since) == set()


def test_a_database_that_cannot_be_removed_is_named_with_the_cure(postgres_url):
    """A template database cannot be dropped: the last line says so, names it and the cure."""
    since = utc_stamp()
    proc = start(["compare", "--rows", "2000"], postgres_url)
    (name,) = wait_for(lambda: names_of_run(postgres_url, proc.pid, since), proc, "CREATE")
    # The signal after the run has made its tables, so that it lands in the measuring, not in
    # the CREATE round trip (seen under load on CI's second stack: 'nothing was created').
    wait_for(lambda: tables_in(postgres_url, name), proc, "the run's tables")
    try:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE true')
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert last_line(err) == (
            f"roadbench: error: interrupted; could not remove the throwaway database {name} on "
            f"{mask_url(postgres_url)} (cannot drop a template database); `roadbench cleanup` "
            "with the same --database removes it"
        )
        assert existing(postgres_url, "database", {name}) == {name}
    finally:
        with admin_cursor(postgres_url) as cur:
            cur.execute(f'ALTER DATABASE "{name}" IS_TEMPLATE false')
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def tables_in(url: str, name: str) -> int:
    """How many tables the database ``name`` holds (0 while it is being made)."""
    try:
        with admin_cursor(url, dbname=name) as cur:
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return int(cur.fetchone()[0])
    except Exception:  # not connectable yet (CREATE still running)
        return 0


def waiting_drop(cur, name: str) -> bool:  # type: ignore[no-untyped-def]
    cur.execute(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
        [f'DROP DATABASE IF EXISTS "{name}"%'],
    )
    return cur.fetchone() is not None


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("progress", [False, True], ids=["no-bar", "progress-bar"])
def test_a_signal_while_the_database_is_dropped_leaves_nothing(postgres_url, signum, progress):
    """The cleanup, held by ``signals_held``, runs to its end; the signal then acts. With
    Rich's progress bar (FORCE_COLOR: as on a terminal) its thread is where the kernel hands
    the signal, the main thread blocking it."""
    if not superuser(postgres_url):
        pytest.skip("locking pg_database to hold DROP DATABASE needs a superuser")
    since = utc_stamp()
    args = ["compare", "--options", "1", "-n", "20", "--fast"]
    proc = start(args, postgres_url, {"FORCE_COLOR": "1"} if progress else None)
    (name,) = wait_for(lambda: names_of_run(postgres_url, proc.pid, since), proc, "CREATE")
    with catalog_locked(postgres_url, "pg_database"), admin_cursor(postgres_url) as cur:
        wait_for(lambda: waiting_drop(cur, name), proc, "DROP")
        proc.send_signal(signum)
        time.sleep(0.5)  # not for an assertion: the signal arrives while DROP still waits
        assert proc.poll() is None
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    last = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", last_line(err))  # the bar, erased
    assert last == f"roadbench: error: interrupted; the throwaway database {name} was removed"
    assert "Traceback" not in err
    assert existing(postgres_url, "database", {name}) == set()
