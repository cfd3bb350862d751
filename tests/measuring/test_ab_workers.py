"""The database each A/B worker opens: a named SQLite file resolved from where the command was
typed, one file per worker; a server's URL and the embedded file passed on as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadbench.database.urls import parse_database_url
from roadbench.errors import BadInput
from roadbench.measuring.ab_workers import named_sqlite, worker_databases


def test_a_relative_sqlite_name_is_this_directorys_and_numbered_per_worker(tmp_path, monkeypatch):
    monkeypatch.delenv("ROADBENCH_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert worker_databases("sqlite:///bench.db", 1) == [f"sqlite:///{tmp_path}/bench.db"]
    assert worker_databases("sqlite:///sub/bench", 3) == [
        f"sqlite:///{tmp_path}/sub/bench-{i}" for i in (1, 2, 3)
    ]
    monkeypatch.setenv("ROADBENCH_DATABASE_URL", "sqlite:///from-env.db")
    assert worker_databases(None, 2) == [
        f"sqlite:///{tmp_path}/from-env-1.db",
        f"sqlite:///{tmp_path}/from-env-2.db",
    ]


def test_each_worker_url_names_its_file_as_django_will_read_it(tmp_path, monkeypatch):
    odd = tmp_path / "a dir 100%"
    odd.mkdir()
    monkeypatch.chdir(odd)
    (first, second) = worker_databases("sqlite:///x.db", 2) or []
    names = [parse_database_url(url).config["NAME"] for url in (first, second)]
    assert names == [str(odd / "x-1.db"), str(odd / "x-2.db")]
    assert named_sqlite(first) == odd / "x-1.db"


def test_a_server_or_the_embedded_file_is_passed_on_as_it_is(monkeypatch):
    monkeypatch.delenv("ROADBENCH_DATABASE_URL", raising=False)
    assert worker_databases(None, 2) is None
    assert worker_databases("postgres://u:secret@127.0.0.1:5432/db", 2) is None
    monkeypatch.setenv("ROADBENCH_DATABASE_URL", "postgres://u:secret@127.0.0.1:5432/db")
    assert worker_databases(None, 2) is None
    assert worker_databases("sqlite:///a?b.db", 2) is None  # as typed: the worker refuses it
    with pytest.raises(BadInput, match="names no file"):  # refused before any worker starts
        worker_databases("sqlite://", 2)
    assert Path(str(named_sqlite("sqlite:///~/x.db"))) == Path.home() / "x.db"
