"""MySQL and MariaDB: the same safety as on PostgreSQL, on a real MariaDB server.

The ops, queries and measure tests run on MariaDB through the ``database_url`` fixture; these
are the things only a server of this kind has: its own database and lock, the refusal without
CREATE, cleanup, masking, exact counts against the server's own counter.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from roadbench.database import (
    bench_database,
    inspect_database,
    mask_url,
    parse_database_url,
    unique_name,
)
from roadbench.database.cleanup import cleanup, find_leftovers
from roadbench.designs import get_option
from roadbench.measuring.counting import count_method_queries
from roadbench.measuring.measure import TableState, finish_value, prepare_value
from roadbench.ops import OPS
from tests.conftest import mysql_cursor, mysql_names_of_run, utc_stamp
from tests.database.test_ground_truth import EVERY_METHOD, on_sending_threads, supported_option
from tests.helpers import default_stop_signals

pytestmark = pytest.mark.mysql
ROADBENCH = [sys.executable, "-m", "roadbench"]


def roadbench(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROADBENCH, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def test_a_users_database_is_untouched(mysql_url):
    """A run given the user's database only connects there: its table and rows, checksummed
    before and after, are the same; the run's own database is gone afterwards."""
    user_db = f"rbtest_user_{secrets.token_hex(4)}"
    with mysql_cursor(mysql_url) as cur:
        cur.execute(f"CREATE DATABASE `{user_db}`")
        cur.execute(f"CREATE TABLE `{user_db}`.orders (id INT PRIMARY KEY, item VARCHAR(20))")
        cur.execute(f"INSERT INTO `{user_db}`.orders VALUES (1, 'wheel'), (2, 'axle')")
    try:

        def fingerprint() -> tuple[object, ...]:
            with mysql_cursor(mysql_url) as cur:
                cur.execute(f"CHECKSUM TABLE `{user_db}`.orders EXTENDED")
                checksum = cur.fetchone()[1]
                cur.execute(f"SHOW CREATE TABLE `{user_db}`.orders")
                ddl = cur.fetchone()[1]
                cur.execute(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                    [user_db],
                )
                return checksum, ddl, sorted(r[0] for r in cur.fetchall())

        before = fingerprint()
        since = utc_stamp()
        result = roadbench(
            "run", "--op", "create", "--option", "3", "--method", "raw", "--rows", "20",
            "--database", with_database(mysql_url, user_db),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert fingerprint() == before
        assert mysql_names_of_run(mysql_url, 0, since) == set()  # pid 0: never a run's
    finally:
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{user_db}`")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_leaves_nothing(mysql_url, signum):
    since = utc_stamp()
    proc = subprocess.Popen(
        [*ROADBENCH, "compare", "--database", mysql_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,
    )
    try:
        deadline = time.monotonic() + 120
        while not mysql_names_of_run(mysql_url, proc.pid, since):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the run never created its database"
            time.sleep(0.05)
        time.sleep(1)  # inside the run now: tables made, rows being written
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "was removed" in stderr
    assert mysql_names_of_run(mysql_url, proc.pid, since) == set()


def database_exists(url: str, name: str) -> bool:
    with mysql_cursor(url) as cur:
        cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [name])
        return cur.fetchone() is not None


def test_keep_leaves_the_database_and_names_it(mysql_url):
    said: list[str] = []
    with bench_database(mysql_url, keep=True, notify=said.append) as bench:
        pass
    try:
        assert said == [f"kept the throwaway database {bench.name} on {mask_url(mysql_url)}"]
        assert database_exists(mysql_url, bench.name)
    finally:
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{bench.name}`")


def test_a_lost_admin_connection_is_replaced_to_drop_the_database(mysql_url):
    """The connection holding the run's lock is killed: a new one drops the database."""
    said: list[str] = []
    with bench_database(mysql_url, notify=said.append) as bench, mysql_cursor(mysql_url) as cur:
        cur.execute("SELECT IS_USED_LOCK(%s)", [f"roadbench:{bench.name}"])
        (holder,) = cur.fetchone()
        cur.execute(f"KILL {int(holder)}")
    assert said == []
    assert not database_exists(mysql_url, bench.name)


def test_cleanup_removes_a_leftover_but_never_a_live_runs_database(
    mysql_url, monkeypatch, tmp_path
):
    import tempfile

    from roadbench.database.mysql import connect, create_database_sql, take_lock

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # no one else's temporary leftovers

    dead, live = unique_name(), unique_name()
    holder = connect(parse_database_url(mysql_url))  # stands for a live run: holds the lock
    try:
        assert take_lock(holder, live)
        with mysql_cursor(mysql_url) as cur:
            # Marked as a run marks its database.
            cur.execute(create_database_sql(dead, mariadb=True))
            cur.execute(create_database_sql(live, mariadb=True))
        found = {item.name for item in find_leftovers(mysql_url)}
        assert dead in found
        assert live not in found
        report = cleanup(mysql_url)
        mine = {i.name: i.status for i in report.leftovers if i.name in (dead, live)}
        assert mine == {dead: "removed"}
        with mysql_cursor(mysql_url) as cur:
            cur.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (%s, %s)",
                [dead, live],
            )
            assert {r[0] for r in cur.fetchall()} == {live}
    finally:
        holder.close()
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{live}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{dead}`")


def test_without_create_privilege_a_clear_refusal(mysql_url):
    url = os.environ.get("ROADBENCH_TEST_MYSQL_NOCREATE_URL")
    user = None
    if not url:  # a user of this test's own, with no privilege at all, dropped after
        user, password = f"rbtest_{secrets.token_hex(4)}", "rbtest-" + secrets.token_hex(6)
        with mysql_cursor(mysql_url) as cur:
            cur.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY %s", [password])
        url = f"mysql://{user}:{password}@127.0.0.1:3306/"
    try:
        secret = parse_database_url(url).config["PASSWORD"]
        result = roadbench(
            "run", "--op", "create", "--option", "1", "--rows", "10", "--database", url
        )  # fmt: skip
        assert result.returncode == 3
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "cannot create a database" in lines[0]
        assert "GRANT ALL ON `roadbench\\_%`.*" in lines[0]
        assert secret not in result.stderr + result.stdout
        assert "none: the user may not create databases" in inspect_database(url)["isolation"]
    finally:
        if user:
            with mysql_cursor(mysql_url) as cur:
                cur.execute(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")


def test_a_wrong_password_is_one_masked_line(mysql_url):
    parsed = parse_database_url(mysql_url).config
    secret = "wrong-" + secrets.token_hex(6)
    url = f"mysql://{parsed['USER']}:{secret}@{parsed['HOST']}:{parsed['PORT'] or 3306}/"
    result = roadbench("doctor", "--database", url)
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Access denied" in result.stderr
    assert secret not in result.stderr + result.stdout
    assert ":***@" in result.stderr


def test_no_server_is_one_line_within_the_timeout(mysqlclient):
    result = roadbench("doctor", "--database", "mysql://root:pw@127.0.0.1:1/", timeout=30)
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot connect to mysql://root:***@127.0.0.1:1/" in result.stderr


def test_a_missing_driver_is_one_line_saying_how_to_install_it(mysql_url):
    # The driver is made unimportable in this one child process; the server is real.
    code = (
        "import sys; sys.modules['MySQLdb'] = None; from roadbench.cli.app import main; "
        f"sys.argv = ['roadbench', 'doctor', '--database', {mysql_url!r}]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "pip install 'roadbench[mysql]'" in result.stderr
    assert "default-libmysqlclient-dev" in result.stderr


def test_queries_explain_analyze_on_mariadb(mysql_url):
    from roadbench.api import queries

    report = queries(
        "select", option=3, method="objects", rows=20, explain=True, analyze=True,
        database=mysql_url,
    )  # fmt: skip
    text = " ".join(line for f in report.cases[0].fingerprints for line in f.plan)
    assert '"r_loops"' in text  # ANALYZE FORMAT=JSON: the query ran


def test_mariadb_url_scheme_is_read_as_mysql():
    parsed = parse_database_url("mariadb://bob:pw@db.example:3307/app")
    assert parsed.vendor == "mysql"
    assert parsed.masked == "mariadb://bob:***@db.example:3307/app"


# --- exact counts against the server's own count ----------------------------------------------


@pytest.mark.parametrize("database_url", ["mariadb"], indirect=True)
@pytest.mark.parametrize(("op", "method"), EVERY_METHOD)
def test_counts_match_what_mariadb_received(bench, op, method):
    """The session's ``Questions`` counter: every statement the client sent, COMMIT and
    ``SET autocommit`` included (reading it is one more)."""
    operation = OPS[op]
    chosen = operation.method(method)
    reason = chosen.unsupported_reason(get_option(3))
    if reason and "cannot defer foreign-key checks" in reason:
        pytest.skip(reason)  # delete-mti: unsupported on MySQL/MariaDB, with this reason
    option = supported_option(chosen)
    state = TableState()
    prepare_value(option, operation, chosen, 20, state)

    def questions() -> int:
        with connection.cursor() as cur:
            cur.execute("SHOW SESSION STATUS LIKE 'Questions'")
            return int(cur.fetchone()[1])

    # An async method's statements go out on the async ORM thread's own session: both counted.
    start = on_sending_threads(chosen, questions)
    with count_method_queries(chosen) as counted:
        affected = chosen.run(option, 20)
    end = on_sending_threads(chosen, questions)
    finish_value(option, operation, chosen, 20, state, affected)
    received = sum(e - s - 1 for s, e in zip(start, end, strict=True))  # minus each 2nd SHOW
    assert counted.total == received, Counter(counted.by_kind)
