"""``--model`` and ``advise`` inside the test project (tests/project: ``shop.Product`` with three
multi-table children, a foreign key to ``shop.Publisher`` and a proxy), as a user runs them:
``roadbench --pythonpath tests/project --settings mysite.settings ...`` in a subprocess, on
SQLite and PostgreSQL, the project's real database unchanged."""

from __future__ import annotations

import json
import re

import pytest

from tests import test_project
from tests.test_project import IN_PROJECT, checksum, roadbench, sha256

# The project's fixtures: its real database, migrated and holding rows.
sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

ALTERNATIVES = [
    "as-single-table",
    "as-table-per-type",
    "as-multi-table",
    "as-json",
    "as-one-to-one",
]


def _check_advice(text: str) -> None:
    lines = text.splitlines()
    assert lines[0] == "roadbench advise shop.Product · 12 products per design"
    assert lines[1] == "yours: shop.Product, multi-table inheritance: book, ebook, audiobook"
    listing = lines.index("what each alternative would cost your listing (time and queries):")
    assert [line.split()[0] for line in lines[listing + 1 : listing + 6]] == ALTERNATIVES
    heading = next(line for line in lines if line.startswith("listing, naive (few): "))
    block = lines[lines.index(heading) + 1 : lines.index(heading) + 7]
    assert [line.split()[0] for line in block] == ["shop.Product", *ALTERNATIVES]
    for line in block:
        assert re.search(
            r"  \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\)( ~)? +[\d.]+ (ms|s|µs), \d+ q · all_roads_naive",
            line,
        )
    assert (
        "note: shop.Bestseller is a proxy of shop.Book: its rows are shop.Book's and no field "
        "says which, so it is no type of its own (left out)"
    ) in lines


def test_advise_and_compare_model_in_the_project_on_sqlite(sqlite_project):
    env, real = sqlite_project
    before = sha256(real)
    advised = roadbench([*IN_PROJECT, "advise", "shop.Product", "--fast", "-n", "12"], env)
    assert advised.returncode == 0, advised.stderr
    _check_advice(advised.stdout)
    compared = roadbench(
        [*IN_PROJECT, "compare", "--model", "shop.Product", "--fast", "-n", "12", "--json"], env
    )
    assert compared.returncode == 0, compared.stderr
    results = json.loads(compared.stdout)["results"]
    assert {r["status"] for r in results} == {"ok"}
    assert sha256(real) == before


def test_advise_and_queries_model_in_the_project_on_postgresql(
    postgres_url,
    postgres_project,
):
    env, real = postgres_project
    before = checksum(postgres_url, real)
    advised = roadbench([*IN_PROJECT, "advise", "shop.Product", "--fast", "-n", "12"], env)
    assert advised.returncode == 0, advised.stderr
    _check_advice(advised.stdout)
    args = ["queries", "select", "--model", "shop.Product", "-m", "all_roads_naive", "-n", "6"]
    queried = roadbench([*IN_PROJECT, *args], env)
    assert queried.returncode == 0, queried.stderr
    # 2 of each type: the parents, then each child accessor tried in turn (1 + 2 + 4 + 6).
    assert "shop.Product · select · all_roads_naive · 6 rows: 13 queries for 6 rows" in (
        queried.stdout
    )
    assert checksum(postgres_url, real) == before
