"""``load``, ``check-plugin`` and ``matrix`` inside the test project (``--settings``), as a user
runs them: each works in the project's test database, made from its migrations, and leaves
the project's real database as it was. Subprocesses only (load's Locust never enters this
process); each test's processes carry its own mark and are checked gone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import django
import pytest

from roadbench.designs.hierarchy import USER_NUMBER
from tests import test_project
from tests.load.conftest import MARK, own_processes  # noqa: F401 (the fixture)
from tests.test_project import IN_PROJECT, checksum, roadbench, sha256, temporary_left

sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "roadbench-example-plugin" / "src"


def test_load_serves_from_the_projects_test_database(sqlite_project, own_processes):  # noqa: F811
    pytest.importorskip("waitress")
    env, real = sqlite_project
    env = {**env, MARK: os.environ[MARK]}  # the mark own_processes set after env was made
    before = sha256(real)
    args = ["load", "-o", "1,3", "-u", "2", "-r", "10", "-t", "2s", "-n", "20", "--json"]
    done = roadbench([*IN_PROJECT, *args], env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    served = {o["option"]: (o["requests"], o["failures"]) for o in data["options"]}
    assert list(served) == [1, 3]
    assert all(requests > 0 and failures == 0 for requests, failures in served.values()), served
    assert data["environment"]["database_url"] == (
        "a temporary SQLite file (test database of mysite.settings)"
    )
    assert own_processes.alive() == {}
    assert temporary_left(env) == []
    assert sha256(real) == before


def test_load_takes_no_model(sqlite_project):
    env, _real = sqlite_project
    done = roadbench([*IN_PROJECT, "load", "--model", "shop.Product"], env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("roadbench: error: No such option")


def test_check_plugin_checks_on_the_projects_database(postgres_url, postgres_project):
    env, real = postgres_project
    env = {**env, "PYTHONPATH": str(EXAMPLE)}
    before = checksum(postgres_url, real)
    done = roadbench([*IN_PROJECT, "check-plugin", "roadbench_example", "-n", "6", "--json"], env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    # Inside a project the first database is the project's own (its test database), not
    # roadbench's embedded SQLite file.
    assert data["databases"] == [
        f"postgresql://{env['MYSITE_DB_USER']}@{env['MYSITE_DB_HOST']}:{env['MYSITE_DB_PORT']}/"
        f"{real} (mysite.settings)"
    ]
    assert {case["database"] for case in data["cases"]} == {"postgresql"}
    assert {case["status"] for case in data["cases"]} <= {"ok", "unsupported"}
    assert any(case["status"] == "ok" for case in data["cases"])
    assert checksum(postgres_url, real) == before


@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_matrix_runs_the_users_design_inside_the_project(sqlite_project, tmp_path):
    """Each version's child runs inside the project too (the environment carries --settings
    and --pythonpath); the user's design is named as --model named it."""
    env, real = sqlite_project
    env = {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "120"}
    before = sha256(real)
    out = tmp_path / "out"
    args = ["matrix", "--django", "5.2", "--save-dir", str(out)]
    args += ["run", "--model", "shop.Product", "--op", "select", "-n", "6", "--fast"]
    done = roadbench([*IN_PROJECT, *args], env)
    assert done.returncode == 0, done.stderr
    (case,) = json.loads((out / "django-5.2.json").read_text())["results"]
    assert (case["option"], case["design"], case["status"]) == (USER_NUMBER, "shop.Product", "ok")
    assert "shop.Product" in done.stdout and f"option {USER_NUMBER}" not in done.stdout
    assert json.loads((out / "django-5.2.json").read_text())["environment"]["database_url"] == (
        "a temporary SQLite file (test database of mysite.settings)"
    )
    assert temporary_left(env) == []
    assert sha256(real) == before
