"""An SQLite file the user names: roadbench opens exactly that file, refuses one holding any
table, leaves a refused file byte-identical, creates no stray file, and drops only the tables
it created itself."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from roadbench.database import bench_database, option_tables
from roadbench.designs import get_option
from roadbench.errors import BadInput, DatabaseUnavailable

ROADBENCH = [sys.executable, "-m", "roadbench"]

# Names SQLite's URI syntax or a URL would read differently, and plain awkward ones.
AWKWARD_NAMES = [
    "a#b.db",
    "a?b.db",
    "a%23b.db",
    "a?mode=rwc#x.db",
    "with space.db",
    "naïve-日本.db",
    "file:x.db",
]


def url_for(path: Path) -> str:
    """The URL a user writes for ``path``: reserved characters percent-encoded."""
    return "sqlite:///" + quote(str(path), safe="/")


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file in the directory with the SHA-256 of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def tables_in(path: Path) -> list[str]:
    """Opened by plain file name (no URI), as Django opens it; SQLite's own tables left out."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        return [r[0] for r in rows]


def make_user_file(path: Path, table: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute(f"INSERT INTO {table} (name) VALUES ('Ada'), ('Grace')")
    conn.close()


def run_cli(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *ROADBENCH,
            "run",
            "-o",
            "1",
            "--op",
            "create",
            "-n",
            "10",
            "--repeat",
            "1",
            "--warmup",
            "0",
            "--database",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.mark.parametrize("name", AWKWARD_NAMES)
@pytest.mark.parametrize("table", ["customers", "roadbench_roada"])
def test_a_file_holding_a_table_is_refused_and_left_byte_identical(tmp_path, name, table):
    directory = tmp_path / "data"
    directory.mkdir()
    path = directory / name
    make_user_file(path, table)
    before = fingerprint(directory)
    result = run_cli(url_for(path), tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"already holds tables ({table})" in lines[0]
    assert fingerprint(directory) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"SELECT name FROM {table} ORDER BY id").fetchall() == [
            ("Ada",),
            ("Grace",),
        ]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_an_empty_file_is_used_as_named_and_left_without_tables(tmp_path, name):
    directory = tmp_path / "data"
    directory.mkdir()
    path = directory / name
    sqlite3.connect(path).close()  # an SQLite file with no table (0 bytes)
    models = get_option(1).models
    with bench_database(url_for(path)) as bench, option_tables(models):
        from django.db import connection

        assert connection.settings_dict["NAME"] == str(path) == bench.name
        assert tables_in(path) == ["roadbench_roada"]
    assert tables_in(path) == []
    assert sorted(p.name for p in directory.iterdir()) == [name]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_a_new_file_is_made_as_named_and_removed(tmp_path, name):
    path = tmp_path / name
    result = run_cli(url_for(path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("raw", ["a#b.db", "a?b.db", "a?mode=rw"])
def test_an_unencoded_question_mark_or_hash_is_refused(tmp_path, raw):
    make_user_file(tmp_path / "a", "customers")
    make_user_file(tmp_path / raw, "customers")
    before = fingerprint(tmp_path)
    result = run_cli(f"sqlite:///{tmp_path}/{raw}", tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"roadbench: error: sqlite:///{tmp_path}/{raw}: a '?' or '#' in an SQLite URL ends the "
        "file name; if it is part of the name, write it as %3F or %23"
    ]
    assert fingerprint(tmp_path) == before


def test_only_the_tables_this_run_created_are_dropped(tmp_path):
    """Another process puts option 1's table in the same empty file mid-run: roadbench's
    attempt to create it fails, and the other table and its rows stay."""
    path = tmp_path / "shared.db"
    sqlite3.connect(path).close()
    with bench_database(url_for(path)):
        make_user_file(path, "roadbench_roada")
        with (
            pytest.raises(DatabaseUnavailable, match=r'table "?roadbench_roada"? already exists'),
            option_tables(get_option(1).models),
        ):
            pass
        with option_tables(get_option(2).models):
            assert "roadbench_freewayb" in tables_in(path)
    assert tables_in(path) == ["roadbench_roada"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM roadbench_roada").fetchone() == (2,)


def test_a_relative_name_is_the_file_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_user_file(tmp_path / "file:rel.db", "customers")
    before = fingerprint(tmp_path)
    with (
        pytest.raises(BadInput, match="already holds tables"),
        bench_database("sqlite:///file:rel.db"),
    ):
        pass
    assert fingerprint(tmp_path) == before
