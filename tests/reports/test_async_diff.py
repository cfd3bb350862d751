"""Files saved by compare --async read back as a user reads them: report shows what compare
--async showed, diff judges two of them case by case, and an async file beside a plain one,
or where it cannot be drawn, is one line and exit 2. Real runs on SQLite, at small sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.reports.async_diff import as_run

ROWS = "6"
# Three rounds, no warm-up: enough to have values on each side, few enough to be quick (and
# too few for any time verdict: 3 against 3 cannot reach p < 0.05).
MEASURE = ("--ops", "create", "--options", "1,3", "-n", ROWS, "--repeat", "3", "--warmup", "0")


def roadbench(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script with a wide terminal, so that tables are not cut."""
    script = Path(sys.executable).parent / "roadbench"
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=600, env=env
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two compare --async files and one plain compare of the same cases, with what compare
    --async printed (table and markdown) when it saved the first."""
    folder = tmp_path_factory.mktemp("async-files")
    files = {name: folder / f"{name}.json" for name in ("async_a", "async_b", "plain")}
    table = roadbench(
        "compare", "--async", *MEASURE, "--concurrency", "2", "--save", str(files["async_a"])
    )
    assert table.returncode == 0, table.stderr
    markdown = roadbench(
        "compare", "--async", *MEASURE, "--concurrency", "2", "--format", "markdown",
        "--save", str(files["async_b"]),
    )  # fmt: skip
    assert markdown.returncode == 0, markdown.stderr
    plain = roadbench("compare", *MEASURE, "--save", str(files["plain"]))
    assert plain.returncode == 0, plain.stderr
    return files, table.stdout, markdown.stdout


def one_line_error(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"roadbench: error: {line}\n"


def test_report_shows_the_async_comparison_as_compare_async_did(saved):
    files, table, markdown = saved
    shown = roadbench("report", str(files["async_a"]))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == table
    assert "sync and async ORM, 6 rows, concurrency 2" in shown.stdout
    again = roadbench("report", str(files["async_b"]), "--format", "markdown")
    assert again.returncode == 0, again.stderr
    assert again.stdout == markdown
    assert "| option 1 | create | save | acreate |" in again.stdout
    assert (
        "| option 3 | create | bulk | abulk_create | unsupported: abulk_create: Django: Can't "
        "bulk create a multi-table inherited model |" in again.stdout
    )


def test_report_json_is_the_saved_file(saved):
    files, _table, _markdown = saved
    shown = roadbench("report", str(files["async_a"]), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == json.loads(files["async_a"].read_text())


def test_report_refuses_what_an_async_comparison_has_not_in_one_line(saved, tmp_path):
    files, _table, _markdown = saved
    one_line_error(
        roadbench("report", str(files["async_a"]), "--format", "csv"),
        "a compare --async result is shown as table, markdown, json; not csv",
    )
    page = tmp_path / "page.html"
    one_line_error(
        roadbench("report", str(files["async_a"]), "--html", str(page)),
        "report --html draws no page of a compare --async result (compare --async has no "
        "--html either); --format table, markdown or json",
    )
    assert not page.exists()


def test_diff_of_two_async_comparisons_judges_each_sync_and_async_case(saved, tmp_path):
    files, _table, _markdown = saved
    done = roadbench("diff", str(files["async_a"]), str(files["async_b"]), "--json")
    assert done.returncode == 0, done.stderr
    cases = {(c["option"], c["method"]): c for c in json.loads(done.stdout)["cases"]}
    base = json.loads(files["async_a"].read_text())
    expected = {(r["option"], r["method"]) for r in as_run(base)["results"]}
    assert set(cases) == expected
    assert {(1, "save"), (1, "acreate"), (1, "acreate@2"), (3, "abulk_create@2")} <= expected
    for key in [(1, "save"), (1, "acreate"), (1, "acreate@2"), (3, "acreate")]:
        case = cases[key]
        assert case["basis"] == "times"  # judged on their own times, as two runs are
        assert case["base_values"] == case["new_values"] == 3
        assert case["base_queries"] == case["new_queries"] > 0
    assert cases[(3, "abulk_create")]["verdict"] == "not comparable"  # unsupported in both
    page = tmp_path / "diff.html"
    table = roadbench("diff", str(files["async_a"]), str(files["async_b"]), "--html", str(page))
    assert table.returncode == 0, table.stderr
    for name in ("save", "acreate", "acreate@2"):
        assert f"option 1 · create · {name} · 6 rows" in table.stdout
    assert "option 1 · create · acreate@2 · 6 rows" in page.read_text()


def test_diff_gates_async_cases_as_any_cases(saved, tmp_path):
    files, _table, _markdown = saved
    a, b = str(files["async_a"]), str(files["async_b"])
    assert roadbench("diff", a, b, "--fail-on", "queries:+0").returncode == 0
    # 3 values against 3: no p-value can reach 0.05, so a time gate cannot pass.
    undecided = roadbench("diff", a, b, "--fail-on", "time:10%")
    assert undecided.returncode == 8, undecided.stderr
    assert undecided.stderr.startswith("roadbench: error: inconclusive, not passed: time:10%")
    # The base one statement short on design 1's acreate alone: a CI meeting one more.
    data = json.loads(files["async_a"].read_text())
    (entry,) = [e for e in data["entries"] if (e["option"], e["method"]) == (1, "acreate")]
    sent = entry["async_one"]["queries"]
    entry["async_one"]["queries"] = sent - 1
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps(data))
    failed = roadbench("diff", str(fewer), b, "--fail-on", "queries:+0")
    assert failed.returncode == 6, failed.stderr
    assert (
        f"option 1 · create · acreate · 6 rows: {sent - 1} → {sent} queries (+1), beyond "
        "queries:+0" in failed.stderr
    )
    assert "acreate@2 · 6 rows:" not in failed.stderr


@pytest.mark.parametrize("order", ["async first", "plain first"])
def test_an_async_comparison_beside_a_plain_one_is_one_line_and_exit_2(saved, order):
    files, _table, _markdown = saved
    pair = [files["async_a"], files["plain"]]
    done = roadbench("diff", *map(str, pair if order == "async first" else pair[::-1]))
    one_line_error(
        done,
        f"{files['async_a']} holds a 'compare-async' result (roadbench compare --async --save) "
        f"and {files['plain']} a 'compare' result (roadbench compare --save); diff compares "
        "an async comparison with another one only",
    )


def test_one_async_file_alone_or_in_a_chart_is_one_line_and_exit_2(saved, tmp_path):
    files, _table, _markdown = saved
    one_line_error(
        roadbench("diff", str(files["async_a"])),
        f"diff needs two files, or one saved by matrix or ab; {files['async_a']} holds one result",
    )
    one_line_error(
        roadbench("chart", str(files["async_a"]), "-o", str(tmp_path / "chart.png")),
        f"{files['async_a']} holds a 'compare-async' result (made by roadbench compare "
        "--async --save); this needs a compare (roadbench compare --save) or scaling "
        "(roadbench scaling --save) result",
    )


def test_a_damaged_async_file_is_refused_by_the_field_at_fault(saved, tmp_path):
    files, _table, _markdown = saved
    data = json.loads(files["async_a"].read_text())
    data["entries"][1]["async_many"]["times_s"][0] = -1.0
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(data))
    one_line_error(
        roadbench("report", str(damaged)),
        f"{damaged} is not a valid roadbench compare-async result: "
        "entries[1].async_many.times_s: every time must be more than 0 and at most 86,400 s",
    )
    data["entries"] = []
    damaged.write_text(json.dumps(data))
    one_line_error(
        roadbench("diff", str(damaged), str(files["async_b"])),
        f"{damaged} is not a valid roadbench compare-async result: entries: no case at all",
    )
