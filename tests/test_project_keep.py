"""``run --model --keep`` inside a project: the project's own tables are kept as its migrations
(or ``run_syncdb``) made them, never made a second time (it failed with ``table
"vouchers_voucher" already exists``, exit 1), and the test database is left holding the rows
of the last pass. The test project's ``vouchers`` app has no migrations; on SQLite (a new file
each run, so a second ``--keep`` keeps a second one) and PostgreSQL (the test database has
one name, so a second run is refused in one line), each kept database removed by
``roadbench cleanup``; the project's real database unchanged."""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import test_project
from tests.conftest import admin_cursor, existing
from tests.test_project import IN_PROJECT, checksum, one_error_line, roadbench
from tests.test_project_values import vouchers_project

sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

KEPT_RUN = ["run", "--model", "vouchers.Voucher", "--op", "create", "-n", "9", "--fast", "--keep"]
VOUCHER_TABLES = {"vouchers_voucher", "vouchers_giftvoucher", "vouchers_storecredit"}
# The kept rows: every voucher with the code vouchers.bench:code made, in one of the children.
KEPT_ROWS = (
    "SELECT v.code, g.voucher_ptr_id IS NOT NULL, s.voucher_ptr_id IS NOT NULL "
    "FROM vouchers_voucher v "
    "LEFT JOIN vouchers_giftvoucher g ON g.voucher_ptr_id = v.id "
    "LEFT JOIN vouchers_storecredit s ON s.voucher_ptr_id = v.id"
)


@pytest.fixture(autouse=True)
def kept_removed(tmp_path: Path) -> Iterator[None]:
    """Whatever a failing test kept in its TMPDIR (an SQLite file's directory) is removed after
    it; a kept PostgreSQL test database goes with ``postgres_project``."""
    yield
    for left in (tmp_path / "tmp").glob("roadbench_*"):
        shutil.rmtree(left, ignore_errors=True)


def sqlite_query(path: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return conn.execute(sql).fetchall()

    return query


def postgres_query(url: str, name: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def query(sql: str) -> list[tuple[Any, ...]]:
        with admin_cursor(url, name) as cur:
            cur.execute(sql)
            return cur.fetchall()

    return query


def assert_kept_vouchers(query: Callable[[str], list[tuple[Any, ...]]], tables: set[str]) -> None:
    assert tables >= VOUCHER_TABLES
    rows = query(KEPT_ROWS)
    assert len(rows) == 9  # the last pass's 9 creates
    assert all(re.fullmatch(r"[a-z]{2}![0-9]", code) for code, _g, _s in rows), rows
    assert all(gift != credit for _code, gift, credit in rows), rows  # each in one child
    assert {gift for _code, gift, _credit in rows} == {True, False}  # both types made
    assert query("SELECT count(*) FROM shop_product") == [(0,)]  # migrated, not copied


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_run_model_keep_keeps_the_projects_tables_and_cleanup_removes_them(
    request, tmp_path, vendor
):
    here = tmp_path / "work"
    here.mkdir()
    (here / "roadbench.toml").write_text(
        '[values]\n"vouchers.Voucher.code" = "vouchers.bench:code"\n'
    )
    env, real, state = vouchers_project(request, vendor)
    assert Path(env["TMPDIR"]) == tmp_path / "tmp"  # where kept_removed looks
    before = state()

    kept = roadbench([*IN_PROJECT, *KEPT_RUN], env, here)
    assert kept.returncode == 0, kept.stderr
    assert "vouchers.Voucher" in kept.stdout

    if vendor == "sqlite":
        (path,) = re.findall(r"^roadbench: kept the SQLite database at (\S+)$", kept.stderr, re.M)
        query = sqlite_query(Path(path))
        tables = {name for (name,) in query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert_kept_vouchers(query, tables)
        # Each run's test database is a new file: a second --keep keeps a second one.
        again = roadbench([*IN_PROJECT, *KEPT_RUN], env, here)
        assert again.returncode == 0, again.stderr
        (second,) = re.findall(r"kept the SQLite database at (\S+)$", again.stderr, re.M)
        assert second != path
        assert Path(path).exists()
        assert len(list(Path(env["TMPDIR"]).glob("roadbench_*"))) == 2
    else:
        url = request.getfixturevalue("postgres_url")
        test_name = f"test_{real}"
        assert f"kept the throwaway database {test_name} on " in kept.stderr
        tables = {name.split(".", 1)[1] for name in checksum(url, test_name)}
        assert_kept_vouchers(postgres_query(url, test_name), tables)
        # The test database has one name: a second run is refused, the kept one left as it is.
        held = checksum(url, test_name)
        again = roadbench([*IN_PROJECT, *KEPT_RUN], env, here)
        assert again.returncode == 3, again.stderr
        line = one_error_line(again.stderr)
        assert re.fullmatch(
            rf"roadbench: error: the test database {test_name} on postgresql://\S+/{real} "
            r"\(mysite\.settings\) is left from an earlier roadbench run \(killed, or run with "
            r"--keep\): `roadbench cleanup` with the same --settings \(or --database\) "
            r"removes it",
            line,
        ), line
        assert checksum(url, test_name) == held

    cleaned = roadbench([*IN_PROJECT, "cleanup"], env, here)
    assert cleaned.returncode == 0, cleaned.stderr
    if vendor == "sqlite":
        assert list(Path(env["TMPDIR"]).iterdir()) == []
    else:
        assert test_name in cleaned.stdout
        assert existing(url, "database", {test_name}) == set()
    assert state() == before
