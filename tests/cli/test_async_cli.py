"""compare --async and run --concurrency as a user types them: output, files, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import roadbench


def test_compare_async_shows_sync_async_and_n_tasks_side_by_side(tmp_path):
    saved = tmp_path / "async.json"
    done = roadbench(
        "compare", "--async", "--ops", "create,select", "--options", "1,3", "--rows", "12",
        "--concurrency", "3", "--fast", "--format", "markdown", "--save", str(saved),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("| design | op | sync | async | sync median | async median |")
    assert "| 3 tasks |" in lines[0]
    assert "| option 1 | create | save | acreate |" in done.stdout
    assert "| option 3 | select | get | aget |" in done.stdout
    assert (
        "| option 3 | create | bulk | abulk_create | unsupported: abulk_create: Django: Can't "
        "bulk create a multi-table inherited model |" in done.stdout
    )
    data = json.loads(saved.read_text())
    assert data["kind"] == "compare-async"
    assert data["concurrency"] == 3
    by_case = {(e["option"], e["op"], e["method"]): e for e in data["entries"]}
    acreate = by_case[(3, "create", "acreate")]
    assert acreate["thread_hops"] == 12  # one acreate per road
    assert acreate["sync"]["queries"] == acreate["async_one"]["queries"] > 0
    assert acreate["async_many"]["method"] == "acreate@3"
    assert acreate["async_many"]["rows_affected"] == 12
    hop = acreate["hop_s"]
    assert hop["low"] <= hop["median"] <= hop["high"]
    assert by_case[(3, "create", "abulk_create")]["hop_s"] is None


def test_run_concurrency_runs_an_async_method_as_n_tasks():
    done = roadbench(
        "run", "-o", "3", "--op", "select", "-m", "aget", "--concurrency", "4", "-n", "10",
        "--fast", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert (result["method"], result["rows_affected"], result["queries"]) == ("aget@4", 10, 10)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["run", "-o", "1", "--op", "create", "-m", "save", "--concurrency", "2"],
            "roadbench: error: --concurrency needs an async method; 'save' is sync",
        ),
        (
            ["run", "-o", "1", "--op", "create", "-m", "acreate", "--concurrency", "0"],
            "roadbench: error: --concurrency must be a whole number from 1 to 1000",
        ),
        (
            ["compare", "--concurrency", "4"],
            "roadbench: error: --concurrency with compare needs --async (or run --concurrency N)",
        ),
        (
            ["compare", "--async", "--format", "csv"],
            "roadbench: error: compare --async prints table, markdown, json; not csv",
        ),
        (
            ["compare", "--async", "--memory"],
            "roadbench: error: compare --async does not take --memory",
        ),
        (["compare", "--async", "--ops", "nope"], "roadbench: error: unknown op 'nope'"),
        (
            ["run", "-o", "1", "--op", "select", "-m", "aget", "--instructions"],
            "roadbench: error: --instructions does not count async methods yet (aget)",
        ),
    ],
)
def test_wrong_async_flags_are_one_line_and_exit_2(args, line):
    done = roadbench(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(line), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""
