"""history on ten real saved comparisons (tests/reports/history_runs.py): the injected
slowdown is found at its commit and nowhere else, the query change exactly, in the JSON and
the table; --fail-on's exit codes; the step detection on series of known shape."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.errors import BadInput
from roadbench.reports.history import history
from roadbench.reports.results import git_commit, git_commit_date
from roadbench.reports.steps import fit, weighted_median
from tests.reports.history_runs import (
    MORE_QUERIES_NAME,
    QUERIES_FROM,
    RUNS,
    SLOW_FROM,
    SLOWED_NAME,
    ten_runs,
)

SCRIPT = str(Path(sys.executable).parent / "roadbench")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return ten_runs(tmp_path_factory)


def roadbench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.slow
def test_the_injected_step_is_found_at_its_commit_and_no_other(runs):
    report = history(runs.folder)
    # Ordered by commit date, not by file name or folder.
    assert [run.commit for run in report.runs] == runs.commits
    assert len(report.cases) == 6
    found = [(case.name, step.kind, step.run) for case in report.cases for step in case.steps]
    assert found == [
        (MORE_QUERIES_NAME, "queries", QUERIES_FROM),
        (SLOWED_NAME, "time", SLOW_FROM),
    ] or found == [
        (SLOWED_NAME, "time", SLOW_FROM),
        (MORE_QUERIES_NAME, "queries", QUERIES_FROM),
    ]
    assert report.machine_steps == []
    slowed = next(case for case in report.cases if case.name == SLOWED_NAME)
    (step,) = slowed.steps
    assert step.commit == runs.commits[SLOW_FROM] and step.regression
    # x1.5 injected (beside the runs' ±2% jitter and the drift taken out); its interval
    # excludes no change.
    assert step.change == pytest.approx(0.5, abs=0.1)
    # Before and after: the medians, in seconds, of the runs on either side.
    medians = [point.median_s for point in slowed.points]
    assert step.before == statistics.median(medians[:SLOW_FROM])
    assert step.after == statistics.median(medians[SLOW_FROM:])
    assert step.after / step.before == pytest.approx(1.5, rel=0.05)
    assert step.interval is not None and 0 < step.interval[0] <= step.change <= step.interval[1]
    more = next(case for case in report.cases if case.name == MORE_QUERIES_NAME)
    (queries,) = more.steps
    assert (queries.change, queries.after - queries.before) == (2, 2)
    assert queries.commit == runs.commits[QUERIES_FROM]
    # Two segments of the slowed case's time, split where the slowdown starts.
    assert [s[:2] for s in slowed.segments] == [[0, SLOW_FROM - 1], [SLOW_FROM, RUNS - 1]]


@pytest.mark.slow
def test_the_json_and_the_table_say_the_same(runs):
    done = roadbench("history", str(runs.folder), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["kind"] == "history" and len(data["runs"]) == RUNS
    steps = {(case["name"], step["kind"]): step for case in data["cases"] for step in case["steps"]}
    assert set(steps) == {(SLOWED_NAME, "time"), (MORE_QUERIES_NAME, "queries")}
    time_step = steps[(SLOWED_NAME, "time")]
    label = runs.commits[SLOW_FROM][:9]
    assert time_step["commit"] == runs.commits[SLOW_FROM]
    assert time_step["text"].startswith(f"from {label}: +")
    # The skipped files are named on stderr; nothing under .git is read.
    assert "skipped notes.json" in done.stderr and ".git" not in done.stderr
    assert [s["path"] for s in data["skipped"]] == ["notes.json"]

    table = roadbench("history", str(runs.folder))
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if SLOWED_NAME in line)
    assert f"time {time_step['text']}" in row
    query_row = next(line for line in table.stdout.splitlines() if MORE_QUERIES_NAME in line)
    label = runs.commits[QUERIES_FROM][:9]
    assert f"queries from {label}: 4 → 6 queries (+2, exact)" in query_row
    others = [
        line
        for line in table.stdout.splitlines()
        if " · select · " in line and SLOWED_NAME not in line and MORE_QUERIES_NAME not in line
    ]
    assert len(others) == 4 and all("none" in line for line in others)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rules", "code", "named"),
    [
        (["time:10%"], 6, SLOWED_NAME),
        (["time:90%"], 0, None),
        (["queries:+0"], 6, MORE_QUERIES_NAME),
        (["queries:+2"], 0, None),
        (["time:90%", "queries:+1"], 6, MORE_QUERIES_NAME),
    ],
)
def test_fail_on_judges_each_case_latest_step(runs, rules, code, named):
    args = [arg for rule in rules for arg in ("--fail-on", rule)]
    done = roadbench("history", str(runs.folder), "--json", *args)
    assert done.returncode == code, done.stderr
    json.loads(done.stdout)  # the findings are printed before the verdict
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    if named:
        (line,) = errors
        assert named in line and "beyond --fail-on" in line
    else:
        assert errors == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "instructions:5%"], "history judges time:N% and queries:+N"),
        (["--fail-on", "time:lots"], "--fail-on 'time:lots': use time:N%"),
        (["--min-change", "nan"], "--min-change must be a number"),
        (["--html", "page.txt"], "--html page.txt: the file name must end in .html or .htm"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runs, args, message):
    done = roadbench("history", str(runs.folder), *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert done.stdout == ""


def test_a_time_rule_on_too_few_runs_says_it_judged_nothing(tmp_path):
    for index in range(3):
        (tmp_path / f"{index}.json").write_text(json.dumps(_saved(index, {})))
    done = roadbench("history", str(tmp_path), "--fail-on", "time:10%")
    assert done.returncode == 0
    assert "3 run(s): a time step needs at least 4" in done.stderr


def test_a_folder_without_runs_is_bad_input(tmp_path):
    (tmp_path / "other.json").write_text('{"schema_version": 1, "kind": "diff", "cases": []}')
    done = roadbench("history", str(tmp_path))
    assert done.returncode == 2 and "holds no saved run, comparison or scaling" in done.stderr
    assert "skipped other.json" in done.stderr
    missing = roadbench("history", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    with pytest.raises(BadInput, match="is a file"):
        history(tmp_path / "other.json")


# --- step detection on series of known shape ------------------------------------------------


def test_a_constant_series_is_one_segment():
    assert [(s.start, s.end) for s in fit([1.0] * 12)] == [(0, 12)]


def test_a_clean_step_is_found_where_it_starts():
    series = [1.0, 1.02, 0.98, 1.01, 0.99, 1.5, 1.52, 1.49, 1.51, 1.5]
    assert [(s.start, s.end) for s in fit(series)] == [(0, 5), (5, 10)]


def test_one_outlier_is_not_a_step():
    series = [1.0, 1.02, 0.98, 1.01, 2.5, 0.99, 1.0, 1.01, 0.99, 1.0]
    assert [(s.start, s.end) for s in fit(series)] == [(0, 10)]


def test_a_point_known_to_be_noisy_pulls_less():
    # Four runs at 1.3 after six at 1.0: a step; the same four, each with a wide interval
    # (weight 0.05 against 1), are not enough evidence for one.
    series = [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.3, 1.32, 1.28, 1.3]
    assert len(fit(series)) == 2
    assert len(fit(series, [1.0] * 6 + [0.05] * 4)) == 1


def test_the_fits_costs_are_each_stretchs_l1_distance_from_its_weighted_median():
    import random

    from roadbench.reports.steps import _costs

    chance = random.Random(7)
    for _ in range(100):
        n = chance.randint(1, 20)
        y = [chance.choice([chance.gauss(1, 0.2), 1.0, 2.0]) for _ in range(n)]
        w = [chance.choice([1.0, chance.uniform(0.05, 3)]) for _ in range(n)]
        cost = _costs(y, w)
        for left in range(n):
            for right in range(left, n):
                values, weights = y[left : right + 1], w[left : right + 1]
                middle = weighted_median(values, weights)
                expected = sum(x * abs(v - middle) for v, x in zip(values, weights, strict=True))
                assert cost[left][right] == pytest.approx(expected, abs=1e-9)


def test_weighted_median():
    assert weighted_median([1, 2, 3], [1, 1, 1]) == 2
    assert weighted_median([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5
    assert weighted_median([1, 2, 3], [1, 1, 5]) == 3


def test_the_environment_records_the_commit_and_its_date(tmp_path):
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_COMMITTER_DATE": "2026-10-01T12:00:00+02:00",
    }
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "one"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git_commit(tmp_path) == head
    assert git_commit_date(tmp_path) == "2026-10-01T12:00:00+02:00"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / ".git").write_text("not a repository")  # git stops here: no repository
    assert git_commit(outside) is None and git_commit_date(outside) is None


# --- the machine's drift, on constructed files: every case slower is the machine ------------


def _saved(index: int, factors: dict[str, float], date: str | None = None) -> dict:
    """A saved run of four cases with small, fixed jitter (no machine's noise in it)."""
    jitter = [1.0, 1.02, 0.99, 1.01, 0.98, 1.015, 0.995, 1.005, 0.985, 1.01][index]
    results = []
    for number, (method, base) in enumerate(
        [("naive", 0.010), ("objects", 0.020), ("values", 0.005), ("detail", 0.040)], start=1
    ):
        times = [base * jitter * factors.get(method, 1.0) * (1 + k / 1000) for k in range(6)]
        results.append(
            {"option": number, "op": "select", "method": method, "rows": 200, "status": "ok",
             "times_s": times, "queries": 3}
        )  # fmt: skip
    environment = {
        "python": "3.11.7", "django": "5.2.19", "database_vendor": "sqlite",
        "database_version": "3.40.1", "database_driver": "sqlite3", "database_url": "embedded",
        "roadbench": "0.1.0", "os": "Linux", "machine": "x86_64", "cpu": "test cpu",
        "cores": 2, "date": f"2026-12-01T10:{index:02d}:00Z",
        "git_commit": f"{index}abcdef".ljust(40, "0"),
    }  # fmt: skip
    if date is not None:
        environment["git_commit_date"] = date
    return {"schema_version": 2, "kind": "run", "environment": environment, "results": results}


def _folder(tmp_path: Path, slower: dict[str, float]) -> Path:
    for index in range(10):
        factors = slower if index >= 5 else {}
        (tmp_path / f"{index}.json").write_text(json.dumps(_saved(index, factors)))
    return tmp_path


def test_every_case_slower_at_once_is_a_machine_step_not_four(tmp_path):
    everything = {m: 1.5 for m in ("naive", "objects", "values", "detail")}
    report = history(_folder(tmp_path, everything))
    assert [step.run for step in report.machine_steps] == [5]
    assert report.machine_steps[0].change == pytest.approx(0.5, rel=0.05)
    assert all(case.steps == [] for case in report.cases)
    done = roadbench("history", str(tmp_path))
    assert done.returncode == 0
    assert "every case from 5abcdef00: +5" in done.stdout and "the machine, or" in done.stdout


def test_one_case_slower_is_that_cases_step(tmp_path):
    report = history(_folder(tmp_path, {"objects": 1.5}))
    assert report.machine_steps == []
    found = [(case.method, step.run) for case in report.cases for step in case.steps]
    assert found == [("objects", 5)]


def test_runs_without_a_commit_date_are_ordered_by_when_they_ran(tmp_path):
    # Files saved before git_commit_date existed: their run dates order them. A run made
    # later for an older commit takes that commit's place.
    for index in range(4):
        (tmp_path / f"{index}.json").write_text(json.dumps(_saved(index, {})))
    late = _saved(9, {}, date="2026-01-01T00:00:00+00:00")
    (tmp_path / "late.json").write_text(json.dumps(late))
    report = history(tmp_path)
    assert [run.path for run in report.runs] == [
        "late.json",
        "0.json",
        "1.json",
        "2.json",
        "3.json",
    ]


@pytest.mark.slow
def test_a_run_and_a_scaling_of_the_same_case_make_one_history(tmp_path):
    scaling = roadbench(
        "scaling", "select", "-o", "1,3", "-m", "naive", "--sizes", "20,40", "--repeat", "3",
        "--save", str(tmp_path / "scaling.json"),
    )  # fmt: skip
    assert scaling.returncode == 0, scaling.stderr
    run = roadbench(
        "run", "-o", "3", "--op", "select", "-m", "naive", "--rows", "20", "--repeat", "3",
        "--save", str(tmp_path / "run.json"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = history(tmp_path)
    assert [r.kind for r in report.runs] == ["scaling", "run"]  # in the order they ran
    points = {case.name: [(p.run, p.queries) for p in case.points] for case in report.cases}
    saved = json.loads((tmp_path / "run.json").read_text())["results"][0]
    scaled = json.loads((tmp_path / "scaling.json").read_text())["series"][1]["points"][0]
    assert points["option 3 · select · naive · 20 rows"] == [
        (0, scaled["queries"]),
        (1, saved["queries"]),
    ]
    assert set(points) == {
        f"option {n} · select · naive · {rows} rows" for n in (1, 3) for rows in (20, 40)
    }
