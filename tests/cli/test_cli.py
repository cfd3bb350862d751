from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadbench import __version__
from roadbench.cli.app import app

runner = CliRunner()
COMMANDS = [
    "run",
    "compare",
    "queries",
    "profile",
    "diff",
    "matrix",
    "ab",
    "report",
    "chart",
    "scaling",
    "options",
    "ops",
    "doctor",
    "load",
    "load-worker",
]


def roadbench(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).parent / "roadbench"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.splitlines()) > 3


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command):
    reference = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    assert f"## roadbench {command}" in reference.read_text()


def test_version():
    assert roadbench("--version").stdout.strip() == f"roadbench {__version__}"
    module = subprocess.run(
        [sys.executable, "-m", "roadbench", "--version"], capture_output=True, text=True, timeout=60
    )
    assert module.stdout.strip() == f"roadbench {__version__}"


def test_options_and_ops_as_json():
    options = json.loads(runner.invoke(app, ["options", "--json"]).output)["options"]
    assert [o["number"] for o in options] == list(range(1, 11))
    assert options[3]["key"] == "sibling"
    assert options[2]["tables"] == ["roadbench_roadc", "roadbench_freewayc", "roadbench_tollroadc"]
    ops = json.loads(runner.invoke(app, ["ops", "--json"]).output)["ops"]
    assert {o["name"] for o in ops} == {"create", "select", "modify", "delete"}
    create = next(o for o in ops if o["name"] == "create")
    assert [m["name"] for m in create["methods"]] == [
        "save",
        "atomic",
        "bulk",
        "bulk-mti",
        "raw",
        "acreate",
        "abulk_create",
    ]


def test_run_prints_a_table():
    result = runner.invoke(
        app,
        [
            "run",
            "--option",
            "3",
            "--op",
            "create",
            "--method",
            "atomic",
            "--rows",
            "20",
            "--repeat",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "option 3 · create · atomic" in result.output
    assert "queries" in result.output


def test_run_json_query_counts_are_exact():
    result = roadbench(
        "run",
        "--option",
        "3",
        "--op",
        "create",
        "--method",
        "save",
        "--rows",
        "50",
        "--repeat",
        "1",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    case = data["results"][0]
    assert case["queries_by_kind"]["insert"] == 100
    assert case["rows_affected"] == 50
    assert case["rows_per_s"] > 0


def test_run_explicitly_unsupported_exits_non_zero_with_djangos_reason():
    result = roadbench("run", "--option", "3", "--op", "create", "--method", "bulk", "--rows", "10")
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "roadbench: error: option 3 cannot create with bulk: "
        "Django: Can't bulk create a multi-table inherited model"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--option", "42", "--op", "create"], "unknown option 42;"),
        (["run", "--option", "x", "--op", "create"], "unknown option x;"),
        (["run", "--option", "1", "--op", "frob"], "unknown op 'frob'"),
        (
            ["run", "--option", "1", "--op", "create", "--method", "values_list"],
            "method 'values_list' does not belong to op 'create'",
        ),
        (["run", "--option", "1", "--op", "create", "--rows", "0"], "--rows must be at least 2"),
        (["run", "--option", "1", "--op", "create", "--rows", "-3"], "--rows must be at least 2"),
        (["run", "--option", "1", "--op", "create", "--rows", "many"], "'--rows'"),
        (
            ["run", "--option", "1", "--op", "create", "--repeat", "0"],
            "--repeat must be at least 1",
        ),
        (["compare", "--scale", "huge"], "unknown scale 'huge'"),
        (["compare", "--precision", "0"], "--precision must be between 0 and 100 (%), not 0"),
        (["compare", "--precision", "150"], "--precision must be between 0 and 100 (%)"),
        (["compare", "--precision", "x"], "'--precision'"),
        (["compare", "--min-effect", "-1"], "--min-effect must be from 0 to 100 (%), not -1"),
        (["compare", "--budget", "0"], "--budget must be more than 0 seconds, not 0"),
        (["run", "--option", "1", "--op", "create", "--budget", "-2"], "--budget must be more"),
        (["scaling", "select", "--precision", "-5"], "--precision must be between 0 and 100"),
        (["run", "--option", "1"], "name an op or a --scenario"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (
            ["run", "--option", "1", "--op", "select", "--database", "oracle://root@localhost/x"],
            "unsupported database URL scheme 'oracle'",
        ),
        (["report", "/nonexistent/run.json"], "no such file"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, message):
    result = roadbench(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("roadbench: error: ")
    assert message in lines[0]
    assert result.stdout == ""


def test_compare_prints_the_seed_table_and_saves_it(tmp_path):
    saved = tmp_path / "compare.json"
    result = roadbench(
        "compare", "--rows", "20", "--repeat", "1", "--warmup", "0", "--save", str(saved)
    )
    assert result.returncode == 0, result.stderr
    assert "few scale · 20 roads per option" in result.stdout
    for text in (
        "create",
        "select",
        "modify",
        "delete",
        "raw limit",
        "total (lower wins)",
        "rows won",
        "weakest",
    ):
        assert f"│ {text} " in result.stdout

    # Progress and notices go to stderr, the table to stdout.
    assert "saved to" in result.stderr
    report = roadbench("report", str(saved))
    assert report.returncode == 0
    assert "total (lower wins)" in report.stdout
    as_json = json.loads(roadbench("report", str(saved), "--json").stdout)
    table = as_json["table"]
    assert table["winner"] in (1, 2, 3) or len(table["tied_overall"]) > 1


def test_compare_many_scale_method_choice_at_small_size():
    result = roadbench("compare", "--scale", "many", "--rows", "40", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {r["label"]: r for r in data["table"]["rows"]}
    assert rows["create (many)"]["methods"] == {"1": "bulk", "2": "bulk", "3": "bulk-mti"}
    assert rows["modify (many)"]["methods"]["3"] == "update-mti"
    assert rows["delete (many)"]["methods"]["3"] == "delete-mti-fk-once"
    assert rows["modify, Django's update (many)"]["methods"] == {"3": "update"}
    assert rows["delete, Django's queryset (many)"]["methods"] == {"3": "queryset"}
    assert "create, atomic (4 roads)" in rows
    assert data["table"]["totals_without_bulk_create"]["1"] is not None
    assert any(
        "Can't bulk create a multi-table inherited model" in n for n in data["table"]["notes"]
    )


def test_doctor_on_the_embedded_default():
    result = roadbench("doctor", "--json")
    assert result.returncode == 0
    info = json.loads(result.stdout)
    assert info["vendor"] == "sqlite"
    assert info["connect"] == "ok"


def test_queries_and_profile_outputs_parse():
    result = roadbench("queries", "select", "-o", "3", "-m", "naive", "--rows", "20", "--json")
    assert result.returncode == 0, result.stderr
    (case,) = json.loads(result.stdout)["cases"]
    assert case["queries"] == 22 and case["n_plus_one"] == 2
    profile = roadbench("profile", "select", "-o", "1", "--rows", "20")
    assert profile.returncode == 0, profile.stderr
    assert profile.stdout.endswith("\n") and not profile.stdout.endswith("\\n\n")


def test_sqlite_settings_are_recorded_and_can_be_set():
    default = json.loads(
        roadbench(
            "run", "-o", "2", "--op", "select", "--rows", "10", "--repeat", "2", "--json"
        ).stdout
    )
    assert default["environment"]["sqlite_journal_mode"] == "DELETE"
    assert default["environment"]["sqlite_synchronous"] == "FULL"
    tuned = roadbench(
        "run",
        "-o",
        "2",
        "--op",
        "create",
        "--rows",
        "10",
        "--repeat",
        "2",
        "--json",
        "--sqlite",
        "journal_mode=WAL,synchronous=NORMAL",
    )
    assert tuned.returncode == 0, tuned.stderr
    data = json.loads(tuned.stdout)
    assert data["environment"]["sqlite_journal_mode"] == "WAL"
    assert data["environment"]["sqlite_synchronous"] == "NORMAL"
    (case,) = data["results"]
    assert len(case["cpu_times_s"]) == 2 and case["cpu_median_s"] > 0


@pytest.mark.postgres
def test_sqlite_settings_are_refused_on_postgresql(postgres_url):
    result = roadbench(
        "run", "-o", "1", "--op", "select", "-d", postgres_url, "--sqlite", "journal_mode=WAL"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roadbench: error: --sqlite sets SQLite's settings; this is postgresql"
    )


def test_compare_prints_instability_warnings_on_stderr():
    # Two rounds are too few to judge the spread: every case says so, on stderr.
    result = roadbench("compare", "--rows", "10", "--repeat", "2", "--warmup", "0")
    assert result.returncode == 0, result.stderr
    assert "warning: option 1 create save: only 2 values" in result.stderr
    assert "warning" not in result.stdout


def test_repeat_alone_is_exact_and_precision_adds_rounds():
    from roadbench.api import FEW_TIMING
    from roadbench.cli.app import _timing

    assert _timing(None, None, FEW_TIMING).most_rounds == 40  # adaptive by default
    assert _timing(4, None, FEW_TIMING).most_rounds == 4  # exactly 4
    assert _timing(4, None, FEW_TIMING, precision=2.0).most_rounds == 40  # at least 4, to ±2%
    assert _timing(4, None, FEW_TIMING, precision=2.0).precision == 0.02
    assert _timing(None, None, FEW_TIMING, fast=True).most_rounds == 3
    assert _timing(None, None, FEW_TIMING, fast=True, precision=5.0).most_rounds == 40
    assert _timing(None, None, FEW_TIMING, budget=2.5).budget_s == 2.5
