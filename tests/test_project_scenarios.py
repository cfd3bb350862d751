"""Scenarios: the user's own functions (``@roadbench.scenario`` in ``benchmarks/bench_*.py``, or
an entry point) measured as ops are, inside the test project (tests/project, whose
``benchmarks/bench_shop.py`` holds three) and under roadbench's own settings against a design.

Real processes on real databases, as a user runs them: exact query counts, the state each
value gets (a scenario that inserts unique rows runs many values without a clash only if the
tables are emptied before each), verify failures, errors, and ``diff`` gating two saved runs.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests import test_project
from tests.test_project import (
    IN_PROJECT,
    PROJECT,
    base_env,
    checksum,
    one_error_line,
    roadbench,
    sha256,
    temporary_left,
)

# The project's fixtures: its real database, migrated and holding rows.
sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

SHOP_SCENARIOS = ["listing_page", "listing_page_naive", "add_to_catalogue"]
QUICK = ["--repeat", "3", "--warmup", "1"]


def run_json(args: list[str], env: dict[str, str], cwd: Path = PROJECT) -> dict[str, Any]:
    ran = roadbench([*IN_PROJECT, *args, "--json"], env, cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    (result,) = json.loads(ran.stdout)["results"]
    return result  # type: ignore[no-any-return]


def write_bench(directory: Path, source: str, name: str = "bench_mine.py") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source))
    return path


# --- discovery ------------------------------------------------------------------------------


def test_scenarios_are_found_in_benchmarks_of_the_current_directory(sqlite_project):
    env, _real = sqlite_project
    listed = roadbench([*IN_PROJECT, "scenarios", "--json"], env, cwd=PROJECT)
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)["scenarios"]
    assert [s["name"] for s in found] == SHOP_SCENARIOS
    assert {s["where"] for s in found} == {"benchmarks/bench_shop.py"}
    assert found[0] == {
        "name": "listing_page",
        "where": "benchmarks/bench_shop.py",
        "rows": 20,
        "design": None,
        "setup": "make_books()",
        "verify": "every_book_listed()",
        "description": "The catalogue page: every book with its publisher (shop.catalogue).",
    }
    table = roadbench([*IN_PROJECT, "scenarios"], env, cwd=PROJECT)
    assert table.returncode == 0, table.stderr
    assert "listing_page_naive" in table.stdout and "make_books()" in table.stdout


def test_scenarios_are_found_in_the_project_directory_from_elsewhere(sqlite_project, tmp_path):
    """Run from another directory (the newcomer's ``cd /tmp``), --pythonpath with --settings
    finds the project's benchmarks/ too; without --pythonpath, the error names the absolute
    directory searched."""
    env, _real = sqlite_project
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = roadbench([*IN_PROJECT, "scenarios", "--json"], env, cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)["scenarios"]
    assert [s["name"] for s in found] == SHOP_SCENARIOS
    assert {s["where"] for s in found} == {str(PROJECT / "benchmarks" / "bench_shop.py")}
    ran = roadbench([*IN_PROJECT, "run", "--scenario", "nosuch"], env, cwd=elsewhere)
    assert ran.returncode == 2
    assert one_error_line(ran.stderr) == (
        f"roadbench: error: unknown scenario 'nosuch'; found in {PROJECT / 'benchmarks'}/"
        f"bench_*.py and entry points (roadbench.scenarios): {', '.join(SHOP_SCENARIOS)}"
    )
    # The project on the path by $PYTHONPATH alone: only the current directory is searched.
    alone = {**env, "PYTHONPATH": str(PROJECT)}
    ran = roadbench(
        ["--settings", "mysite.settings", "run", "--scenario", "x"], alone, cwd=elsewhere
    )
    assert ran.returncode == 2
    assert one_error_line(ran.stderr) == (
        f"roadbench: error: unknown scenario 'x'; found in benchmarks/bench_*.py of "
        f"{elsewhere.resolve()} (none there) and entry points (roadbench.scenarios): none"
    )


def test_a_config_directory_and_an_entry_point_are_found_too(tmp_path):
    """``scenarios = "perf"`` in [tool.roadbench] of pyproject.toml, and a package's entry point
    in roadbench.scenarios (an installed distribution's metadata on the path)."""
    project = tmp_path / "proj"
    (project).mkdir()
    (project / "pyproject.toml").write_text('[tool.roadbench]\nscenarios = "perf"\n')
    write_bench(
        project / "perf",
        """
        import roadbench

        @roadbench.scenario
        def from_config():
            return 0
        """,
        "bench_config.py",
    )
    write_bench(project / "perf", "raise RuntimeError('not a bench file')\n", "helpers.py")
    site = tmp_path / "site"
    dist = site / "rbtest_scen-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: rbtest-scen\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[roadbench.scenarios]\nshipped = rbtest_scen_pkg:shipped_scenario\n"
    )
    (site / "rbtest_scen_pkg.py").write_text(
        "import roadbench\n\n@roadbench.scenario(rows=5)\ndef shipped_scenario(rows):\n"
        "    return rows\n"
    )
    env = {**base_env(tmp_path), "PYTHONPATH": str(site)}
    listed = roadbench(["scenarios", "--json"], env, cwd=project)
    assert listed.returncode == 0, listed.stderr
    found = {s["name"]: s["where"] for s in json.loads(listed.stdout)["scenarios"]}
    assert found == {
        "from_config": "perf/bench_config.py",
        "shipped_scenario": "entry point 'shipped' (rbtest_scen_pkg:shipped_scenario)",
    }
    ran = roadbench(["run", "--scenario", "shipped_scenario", *QUICK, "--json"], env, cwd=project)
    assert ran.returncode == 0, ran.stderr
    (result,) = json.loads(ran.stdout)["results"]
    assert (result["op"], result["method"], result["rows"]) == ("scenario", "shipped_scenario", 5)
    assert result["rows_affected"] == 5 and result["queries"] == 0


# --- run, queries, profile in the project -------------------------------------------------------


def test_run_scenario_in_the_project_on_sqlite_counts_exactly(sqlite_project):
    env, real = sqlite_project
    before = sha256(real)

    joined = run_json(["run", "--scenario", "listing_page", *QUICK, "--memory"], env)
    assert (joined["option"], joined["op"], joined["method"]) == (0, "scenario", "listing_page")
    assert joined["design"] == "mysite.settings" and joined["technique"] == "scenario"
    assert joined["rows"] == 20 and joined["rows_affected"] == 20
    assert joined["queries"] == 1 and joined["queries_by_kind"]["select"] == 1
    assert len(joined["times_s"]) == 3 and joined["median_s"] > 0
    assert joined["memory_peak_bytes"] > 0  # a pass of its own, prepared and verified too
    assert sum(joined["fingerprints"].values()) == 1  # its statements' shapes, kept to diff

    naive = run_json(["run", "--scenario", "listing_page_naive", "-n", "7", *QUICK], env)
    assert naive["rows"] == 7 and naive["rows_affected"] == 7
    assert naive["queries"] == 8  # the listing, then one per book for its publisher

    # Unique SKUs: each value runs on emptied tables, or the second one would clash.
    added = run_json(["run", "--scenario", "add_to_catalogue", "-n", "6", "--repeat", "5"], env)
    assert added["repeat"] == 5 and added["rows_affected"] == 6
    assert added["queries_by_kind"]["insert"] == 12  # a product row and a book row each
    assert added["queries_by_kind"]["transaction"] == 2  # BEGIN, COMMIT of the atomic block
    assert added["queries"] == 14

    shown = roadbench(
        [*IN_PROJECT, "queries", "--scenario", "listing_page_naive"], env, cwd=PROJECT
    )
    assert shown.returncode == 0, shown.stderr
    assert "mysite.settings · scenario · listing_page_naive · 20 rows: 21 queries" in shown.stdout
    # No --model, no hierarchy built: the shop's proxy is no notice of this command's.
    assert "is a proxy" not in shown.stderr
    assert "N+1" in shown.stdout

    profiled = roadbench([*IN_PROJECT, "profile", "--scenario", "listing_page"], env, cwd=PROJECT)
    assert profiled.returncode == 0, profiled.stderr
    assert profiled.stdout.startswith("mysite.settings · scenario · listing_page · 20 rows · ")
    assert "listing_page  bench_shop.py" in profiled.stdout  # the user's function in the tree

    assert sha256(real) == before
    assert temporary_left(env) == []


@pytest.mark.postgres
def test_run_scenario_in_the_project_on_postgres(postgres_url, postgres_project):
    env, real = postgres_project
    before = checksum(postgres_url, real)
    naive = run_json(["run", "--scenario", "listing_page_naive", *QUICK], env)
    assert naive["queries"] == 21 and naive["rows_affected"] == 20
    added = run_json(["run", "--scenario", "add_to_catalogue", "-n", "4", *QUICK], env)
    assert added["queries_by_kind"]["insert"] == 8
    assert added["queries_by_kind"]["transaction"] == 2  # the driver's BEGIN, then COMMIT
    assert checksum(postgres_url, real) == before


# --- against a design, under roadbench's own settings ----------------------------------------


def test_a_scenario_against_a_design_under_roadbenchs_own_settings(tmp_path):
    write_bench(
        tmp_path / "b",
        """
        import roadbench

        def all_listed(result, rows):
            assert result == rows

        @roadbench.scenario(design=3, verify=all_listed)
        def roads_by_type(design):
            return sum(len(list(design.queryset(t))) for t in design.types)
        """,
    )
    env = base_env(tmp_path)
    args = ["run", "--scenario", "roads_by_type", "--scenarios", str(tmp_path / "b"), *QUICK]
    ran = roadbench([*args, "-n", "12", "--json"], env)
    assert ran.returncode == 0, ran.stderr
    (result,) = json.loads(ran.stdout)["results"]
    assert (result["option"], result["design"], result["rows_affected"]) == (3, "option 3", 12)
    assert result["queries"] == 2  # one query per road type
    other = roadbench([*args, "-o", "1", "-n", "12", "--json"], env)  # -o overrides the default
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["results"][0]["option"] == 1
    assert temporary_left(env) == []


# --- failures -----------------------------------------------------------------------------------

BROKEN = """
import roadbench

def twenty(rows):
    return list(range(20))

def only_ten(result):
    assert len(result) == 10, f"listed {len(result)}, not 10"

def never(result):
    return False

def explodes():
    return {}["missing"]

@roadbench.scenario(setup=twenty, verify=only_ten)
def short_listing(state):
    return state

@roadbench.scenario(verify=never)
def refused():
    return 1

@roadbench.scenario
def divides():
    return 1 / 0

@roadbench.scenario(setup=explodes)
def bad_setup():
    return 0
"""


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        (
            "short_listing",
            5,
            "scenario short_listing: verify only_ten() failed: listed 20, not 10",
        ),
        ("refused", 5, "scenario refused: verify never() returned False"),
        ("divides", 1, "scenario divides raised ZeroDivisionError: division by zero"),
        ("bad_setup", 1, "scenario bad_setup (setup explodes()) raised KeyError: 'missing'"),
        (
            "nosuch",
            2,
            "unknown scenario 'nosuch'; found in {dir}/bench_*.py and entry points "
            "(roadbench.scenarios): short_listing, refused, divides, bad_setup",
        ),
    ],
    ids=["verify-fails", "verify-false", "raises", "setup-raises", "unknown"],
)
def test_a_failing_scenario_is_one_line_and_its_exit_code(
    sqlite_project, tmp_path, name, code, line
):
    env, real = sqlite_project
    before = sha256(real)
    directory = tmp_path / "broken"
    write_bench(directory, BROKEN)
    ran = roadbench(
        [*IN_PROJECT, "run", "--scenario", name, "--scenarios", str(directory), "--fast"], env
    )
    assert ran.returncode == code, ran.stderr
    assert one_error_line(ran.stderr) == "roadbench: error: " + line.format(dir=directory)
    assert ran.stdout == ""
    assert sha256(real) == before
    assert temporary_left(env) == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["run", "--scenario", "listing_page", "--op", "select"],
            "an op and a --scenario contradict each other; choose one",
        ),
        (
            ["run", "--scenario", "listing_page", "-m", "bulk"],
            "--method is an op's; a --scenario takes none",
        ),
        (
            ["run"],
            "name an op or a --scenario (see `roadbench ops`, `roadbench scenarios`)",
        ),
        (
            ["run", "--scenario", "listing_page", "--scenarios", "no/such/dir"],
            "scenarios directory no/such/dir: no such directory",
        ),
    ],
    ids=["op-and-scenario", "method", "neither", "no-directory"],
)
def test_bad_scenario_input_is_exit_2(sqlite_project, args, line):
    env, _real = sqlite_project
    ran = roadbench([*IN_PROJECT, *args], env, cwd=PROJECT)
    assert ran.returncode == 2
    assert one_error_line(ran.stderr) == f"roadbench: error: {line}"


def test_a_bench_file_that_cannot_be_imported_is_one_line(tmp_path):
    directory = tmp_path / "b"
    path = write_bench(directory, "from shop.models import Book\n", "bench_shop.py")
    ran = roadbench(["scenarios", "--scenarios", str(directory)], base_env(tmp_path))
    assert ran.returncode == 2
    assert one_error_line(ran.stderr) == (
        f"roadbench: error: {path}: importing it failed: ModuleNotFoundError: "
        "No module named 'shop'"
    )


# --- diff gates two saved scenario runs ----------------------------------------------------------

LISTING = """
import roadbench
from decimal import Decimal
from shop.models import Book, Publisher

def make_books(rows):
    publisher = Publisher.objects.create(name="Faber")
    for i in range(rows):
        Book.objects.create(name=f"B{{i}}", sku=f"B-{{i}}", price=Decimal("1"),
                            publisher=publisher, isbn=f"{{i:013d}}", pages=1)

@roadbench.scenario(setup=make_books, rows=10)
def listing_page():
    return [(b.name, b.publisher.name) for b in Book.objects{related}]
"""


def test_diff_gates_a_scenario_whose_code_sends_more_queries(sqlite_project, tmp_path):
    """A revision of the user's code that drops select_related: same scenario, 10 more
    queries; diff --fail-on queries:+0 fails (exit 6) naming it, and passes on the same code."""
    env, _real = sqlite_project
    directory = tmp_path / "bench"
    saved = {}
    for label, related in (("a", '.select_related("publisher")'), ("b", ".all()")):
        write_bench(directory, LISTING.format(related=related), "bench_listing.py")
        for copy in ("", "2"):
            path = tmp_path / f"{label}{copy}.json"
            ran = roadbench(
                [
                    *IN_PROJECT,
                    "run",
                    "--scenario",
                    "listing_page",
                    "--scenarios",
                    str(directory),
                    *QUICK,
                    "--save",
                    str(path),
                ],
                env,
            )
            assert ran.returncode == 0, ran.stderr
            saved[f"{label}{copy}"] = path
    same = roadbench(
        ["diff", str(saved["a"]), str(saved["a2"]), "--fail-on", "queries:+0", "--json"], env
    )
    assert same.returncode == 0, same.stderr
    (case,) = json.loads(same.stdout)["cases"]
    assert (case["op"], case["method"], case["rows"]) == ("scenario", "listing_page", 10)
    assert case["verdict"] != "added" and case["query_change"] == 0
    worse = roadbench(["diff", str(saved["a"]), str(saved["b"]), "--fail-on", "queries:+0"], env)
    assert worse.returncode == 6, worse.stderr
    assert one_error_line(worse.stderr) == (
        "roadbench: error: 1 regression beyond --fail-on: mysite.settings · scenario · "
        "listing_page · 10 rows: "
        "1 → 11 queries (+10), beyond queries:+0"
    )
    assert "1 → 11 (+10)" in worse.stdout
