from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import django
import pytest

from roadbench.errors import BadInput, RoadbenchError, Unsupported
from roadbench.measuring.matrix import (
    Target,
    _setup_failure,
    choose_python,
    parse_targets,
    run_matrix,
    side_by_side,
)
from tests.cli.test_cli import roadbench


def test_versions_series_and_checkouts(tmp_path: Path):
    checkout = tmp_path / "django-main"
    (checkout / "django").mkdir(parents=True)
    (checkout / "django" / "__init__.py").write_text("")
    series, exact, local = parse_targets(f"5.2, 6.1.3,{checkout}")
    assert series == Target("5.2", "django>=5.2,<5.3", (3, 10))
    assert exact == Target("6.1.3", "django==6.1.3", (3, 12))
    assert local.checkout and local.requirement == str(checkout.resolve())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("latest", "give a series"),
        ("", "at least one version"),
        ("/nonexistent/django", "not a Django checkout"),
    ],
)
def test_bad_versions_are_refused(spec, message):
    with pytest.raises(BadInput, match=message):
        parse_targets(spec)


def test_a_missing_python_is_named():
    (target,) = parse_targets("6.1")
    with pytest.raises(Unsupported) as error:
        choose_python(target, {(3, 11): "/usr/bin/python3.11"})
    assert str(error.value) == (
        "Django 6.1 needs Python 3.12 or later; found only 3.11 (through pyenv and on PATH): "
        "install one, e.g. pyenv install 3.12"
    )
    assert choose_python(target, {(3, 11): "a", (3, 12): "b", (3, 13): "c"}) == "c"


def test_matrix_runs_only_run_or_compare(tmp_path: Path):
    with pytest.raises(BadInput, match="run or a compare"):
        run_matrix("5.2", {"command": "profile"}, ["profile"], tmp_path)
    result = roadbench("matrix", "--django", "5.2", "--save-dir", str(tmp_path), "doctor")
    assert result.returncode == 2
    # Its outputs are matrix's own: given to the run, they are refused with the way out.
    args = ["run", "-o", "1", "--op", "select", "--json"]
    result = roadbench("matrix", "--django", "5.2", "--save-dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert "give --json to matrix, before run" in result.stderr


def test_a_django_that_does_not_exist_is_bad_input(tmp_path: Path):
    # The real pip, asked in the version's own new venv (a few seconds, before roadbench is
    # installed there): this machine's pip answers from a local index without the network.
    cache = tmp_path / "cache"
    script = Path(sys.executable).parent / "roadbench"
    args = ["matrix", "--django", "9.9", "--save-dir", str(tmp_path / "out"), "run", "-o", "1"]
    done = subprocess.run(
        [str(script), *args, "--op", "select"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    if done.returncode == 1 and "no Django release at all" in done.stderr:
        pytest.skip("no package index answers here (offline)")
    errors = [line for line in done.stderr.splitlines() if line.startswith("roadbench: error:")]
    assert done.returncode == 2, done.stderr
    assert len(errors) == 1 and "Traceback" not in done.stderr
    (error,) = errors
    assert "--django 9.9: no Django release matches django>=9.9,<9.10" in error
    assert "5.2." in error  # what exists, as pip listed it
    assert list((cache / "roadbench" / "matrix").iterdir()) == []  # no half-made venv
    assert not (tmp_path / "out").exists()
    assert done.stdout == ""


def test_pip_failures_are_told_apart():
    target = Target("9.9", "django>=9.9,<9.10", (3, 12))
    listed = (
        "ERROR: Could not find a version that satisfies the requirement django<9.10,>=9.9 "
        "(from versions: 1.1.3, 4.2, 5.0, 5.1.15, 5.2a1, 5.2, 5.2.19, 6.1rc1)\n"
        "ERROR: No matching distribution found for django<9.10,>=9.9\n"
    )
    found = _setup_failure(target, "find Django", listed)
    assert type(found) is BadInput
    assert str(found).endswith("recent series: 5.2.19, 5.1.15, 5.0, 4.2 (from 1.1.3)")
    offline = (
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NewConnectionError(...)': /simple/django/\n"
        "ERROR: Could not find a version that satisfies the requirement django==9.9 "
        "(from versions: none)\n"
        "ERROR: No matching distribution found for django==9.9\n"
    )
    unreachable = _setup_failure(target, "find Django", offline)
    assert type(unreachable) is RoadbenchError and unreachable.exit_code == 1
    assert "no Django release at all" in str(unreachable)
    # roadbench's own install missing a package is not about the Django asked for.
    roadbench_missing = _setup_failure(target, "install roadbench==0.1.0", listed)
    assert type(roadbench_missing) is RoadbenchError
    assert "(install roadbench==0.1.0): ERROR: No matching" in str(roadbench_missing)
    other = _setup_failure(target, "install Django", "ERROR: disk full\n")
    assert type(other) is RoadbenchError
    assert str(other).endswith("(install Django): ERROR: disk full")


@pytest.mark.slow
@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_matrix_makes_a_cached_environment_and_shows_the_results(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    args = ["run", "-o", "3", "--op", "select", "-m", "naive", "--rows", "20", "--fast"]
    results = run_matrix("5.2", _command(), args, tmp_path / "out").results
    (result,) = results
    assert result.saved == tmp_path / "out" / "django-5.2.json"
    saved = json.loads(result.saved.read_text())
    assert saved["environment"]["django"].startswith("5.2.")
    assert saved["environment"]["python"].startswith(f"{sys.version_info[0]}.")
    header, rows = side_by_side(results)
    assert rows == [["option 3\nselect · naive\n20 rows", rows[0][1]]]
    assert rows[0][1].endswith(" s\n22 q")
    assert header[1] == f"Django {saved['environment']['django']}"
    (venv,) = (tmp_path / "cache" / "roadbench" / "matrix").iterdir()
    made = (venv / "roadbench-matrix.json").stat().st_mtime
    run_matrix("5.2", _command(), args, tmp_path / "again")  # the cached environment
    assert (venv / "roadbench-matrix.json").stat().st_mtime == made
    # The child's bad input is the matrix's bad input (exit 2), its line without a second
    # "roadbench: error:".
    with pytest.raises(BadInput) as refused:
        run_matrix("5.2", _command(option="99"), ["run"], tmp_path / "bad")
    assert str(refused.value).startswith("matrix: under Django 5.2: unknown option 99; ")
    assert "error" not in str(refused.value)


def _command(option: str = "3") -> dict:
    """``run -o 3 --op select -m naive --rows 20 --fast`` as the worker takes it."""
    return {
        "command": "run",
        "option": option,
        "op": "select",
        "method": "naive",
        "rows": 20,
        "database": None,
        "sqlite": None,
        "plugins": [],
        "timing": {"warmup": 0, "repeat": 3},
    }


def test_side_by_side_shows_instructions_where_counted(tmp_path: Path):
    from roadbench.measuring.matrix import MatrixResult

    def report(django_version: str, median: float, instructions: int | None) -> dict:
        case = {"option": 3, "op": "select", "method": "naive", "rows": 20, "status": "ok"}
        case |= {"median_s": median, "queries": 22, "instructions": instructions}
        return {"environment": {"django": django_version}, "results": [case]}

    results = [
        MatrixResult("5.2", "python3.11", tmp_path / "a", report("5.2.19", 0.2, 1_000_000)),
        MatrixResult("6.1", "python3.13", tmp_path / "b", report("6.1.3", 0.1, 900_000)),
    ]
    header, rows = side_by_side(results)
    assert header == ["case", "Django 5.2.19", "Django 6.1.3"]
    assert rows == [
        [
            "option 3\nselect · naive\n20 rows",
            "0.2 s\n22 q\n1,000,000 instr",
            "0.1 s\n22 q\n900,000 instr\n× 0.50 vs 5.2",
        ]
    ]


def test_a_case_missing_or_unsupported_under_a_version_says_so(tmp_path: Path):
    from roadbench.measuring.matrix import MatrixResult

    ok = {"option": 3, "op": "create", "method": "bulk-mti", "rows": 20, "status": "ok"}
    ok |= {"median_s": 0.1, "queries": 8}
    other = {**ok, "method": "save"}
    results = [
        MatrixResult("5.2", "py", tmp_path / "a", {"results": [ok]}),
        MatrixResult("6.1", "py", tmp_path / "b", {"results": [{**ok, "status": "unsupported"}]}),
        MatrixResult("6.0", "py", tmp_path / "c", {"results": [other]}),
    ]
    header, rows = side_by_side(results)
    assert header == ["case", "Django 5.2", "Django 6.1", "Django 6.0"]
    assert rows[0][1:] == ["0.1 s\n8 q", "unsupported", "—"]
    assert rows[1] == ["option 3\ncreate · save\n20 rows", "—", "—", "0.1 s\n8 q"]


@pytest.mark.slow
@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_a_plugin_given_before_matrix_is_loaded_by_each_version(tmp_path):
    # Before, `roadbench --plugin MODULE matrix ... run -o 101` made the environment, then the
    # child, run without --plugin, refused: 'unknown option 101' (exit 2).
    example = Path(__file__).resolve().parents[2] / "examples" / "roadbench-example-plugin"
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(example / "src"), os.environ.get("PYTHONPATH")])
        ),
        "COLUMNS": "120",
    }
    script = Path(sys.executable).parent / "roadbench"
    matrix = ["matrix", "--django", "5.2", "--save-dir", str(tmp_path / "out")]
    args = ["run", "-o", "101", "--op", "select", "--rows", "4", "--fast"]
    done = subprocess.run(
        [str(script), "--plugin", "roadbench_example.design", *matrix, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    (case,) = json.loads((tmp_path / "out" / "django-5.2.json").read_text())["results"]
    assert (case["option"], case["status"], case["design"]) == (101, "ok", "checked-single")
    # A plugin's design is named by its key (the table may shorten it to fit the terminal).
    assert "select · objects" in done.stdout


@pytest.mark.slow
@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_a_case_no_version_can_run_is_exit_4_with_the_reason(tmp_path):
    # Before, `matrix ... run -o 3 --op create -m bulk` showed 'unsupported' and exited 0,
    # where run alone exits 4 with Django's reason.
    script = Path(sys.executable).parent / "roadbench"
    matrix = ["matrix", "--django", "5.2", "--save-dir", str(tmp_path / "out")]
    done = subprocess.run(
        [str(script), *matrix, "run", "-o", "3", "--op", "create", "-m", "bulk", "-n", "4"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "120"},
    )
    assert done.returncode == 4, done.stderr
    assert "unsupported" in done.stdout  # the table, then the line
    assert done.stderr.splitlines()[-1] == (
        "roadbench: error: option 3 cannot create with bulk under Django 5.2: "
        "Django: Can't bulk create a multi-table inherited model"
    )
    (case,) = json.loads((tmp_path / "out" / "django-5.2.json").read_text())["results"]
    assert case["status"] == "unsupported"


def test_matrix_tables_cut_nothing_from_40_columns(tmp_path: Path):
    # Before, a case's name was kept on one line: at 40 columns 'select · all_roads_detail'
    # left the versions too little room, cut to 'Django 5.…' and 'unsupport…'.
    import io

    from rich.console import Console

    from roadbench.measuring.matrix import MatrixResult
    from roadbench.render.console import matrix_tables

    ok = {"option": 2, "op": "select", "method": "all_roads_detail", "rows": 200, "status": "ok"}
    ok |= {"median_s": 0.009751, "queries": 10}
    cases = [ok, {**ok, "option": 10, "median_s": None, "status": "unsupported"}]
    results = [
        MatrixResult(
            label, "py", tmp_path / label, {"environment": {"django": django}, "results": cases}
        )
        for label, django in (("5.2", "5.2.19"), ("6.0", "6.0.10"), ("6.1", "6.1.3"))
    ]
    header, rows = side_by_side(results)
    for width in range(40, 201, 4):
        console = Console(width=width, record=True, file=io.StringIO())
        for table in matrix_tables(header, rows, width=width):
            console.print(table)
        text = console.export_text()
        assert "…" not in text and max(map(len, text.splitlines())) <= width, width
        assert all(line.endswith("┓") for line in text.splitlines() if line.startswith("┏"))
        for figure in ("Django 5.2.19", "Django 6.1.3", "0.009751 s", "unsupported", "× 1.00"):
            assert figure in text, (width, figure)


@pytest.mark.slow
@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_a_child_that_cannot_reach_its_database_is_exit_3(tmp_path):
    # Before, the child's exit 3 (its database unreachable) became the matrix's exit 1, which
    # docs/cli.md keeps for unexpected errors to report.
    script = Path(sys.executable).parent / "roadbench"
    matrix = ["matrix", "--django", "5.2", "--save-dir", str(tmp_path / "out")]
    nowhere = "postgres://postgres@127.0.0.1:1/nowhere"  # port 1: nothing listens
    done = subprocess.run(
        [str(script), *matrix, "run", "-o", "1", "--op", "select", "-n", "4", "-d", nowhere],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert (done.returncode, done.stdout) == (3, ""), done.stderr
    last = done.stderr.splitlines()[-1]
    expected = f"roadbench: error: matrix: under Django 5.2: cannot connect to {nowhere}: "
    assert last.startswith(expected)


# --- issue 19, item 11 (fix-load-plugins): Djangos matrix refuses before building anything ---


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("4.2", "--django 4.2: Django 4.2 is older than roadbench supports (5.2 and later)"),
        ("5.1.4", "Django 5.1 is older than roadbench supports"),
        ("checkout-4.2", "Django 4.2 is older than roadbench supports"),
    ],
)
def test_a_django_roadbench_cannot_run_is_exit_2_before_any_environment(tmp_path, spec, words):
    # 4.2 was installed and run (Django 4.2 is below roadbench's own requirement).
    if spec.startswith("checkout"):
        checkout = tmp_path / "django-4.2"
        (checkout / "django").mkdir(parents=True)
        (checkout / "django" / "__init__.py").write_text('VERSION = (4, 2, 17, "final", 0)\n')
        spec = str(checkout)
    cache, out = tmp_path / "cache", tmp_path / "out"
    args = ["matrix", "--django", spec, "--save-dir", str(out), "run", "-o", "1", "--op", "select"]
    script = Path(sys.executable).parent / "roadbench"
    done = subprocess.run(
        [str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("roadbench: error: ")
    assert words in done.stderr
    assert not cache.exists() and not out.exists()  # no environment made, nothing saved


def test_the_extras_a_child_needs_are_installed_in_its_environment(monkeypatch):
    from roadbench.measuring.matrix import extras_for

    monkeypatch.delenv("ROADBENCH_DATABASE_URL", raising=False)

    # designs always: django-polymorphic and django-model-utils, for options 6 and 7.
    assert extras_for(["run", "-o", "1", "-d", "mysql://me@db/"]) == ("designs", "mysql")
    assert extras_for(["compare", "--database=mariadb://me@db/"]) == ("designs", "mysql")
    assert extras_for(["run", "--cache", "redis://h:6379/0", "-d", "postgres://me@db/"]) == (
        "designs",
        "redis",
    )
    assert extras_for(["run", "-o", "1"]) == ("designs",)
    monkeypatch.setenv("ROADBENCH_DATABASE_URL", "mysql://me@db/")
    assert extras_for(["run", "-o", "1"]) == ("designs", "mysql")


@pytest.mark.mysql
def test_matrix_runs_on_mariadb(tmp_path, mysql_url):
    # The version's environment lacked mysqlclient: exit 3, "the MySQL driver mysqlclient is
    # not installed". It now gets roadbench's mysql extra when the child's database needs it.
    script = Path(sys.executable).parent / "roadbench"
    out = tmp_path / "out"
    done = subprocess.run(
        [str(script), "matrix", "--django", "5.2", "--save-dir", str(out), "run", "-o", "1",
         "--op", "select", "-n", "20", "--fast", "-d", mysql_url],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    saved = json.loads((out / "django-5.2.json").read_text())
    assert saved["environment"]["database_vendor"] == "mysql"
    assert saved["results"][0]["status"] == "ok"


@pytest.mark.slow
@pytest.mark.skipif(django.VERSION[:2] != (5, 2), reason="once, on the Django 5.2 stack")
def test_a_version_named_twice_is_an_a_a_run_in_one_environment_that_diff_and_report_read(
    tmp_path,
):
    # Before, --django 5.2,5.2 was refused (exit 2), so the interleaved matrix's own noise (an
    # A/A run) could not be measured, and matrix --html was tested only for its refusals.
    cache, out = tmp_path / "cache", tmp_path / "out"
    combined, page = tmp_path / "matrix.json", tmp_path / "matrix.html"
    script = Path(sys.executable).parent / "roadbench"
    matrix = ["matrix", "--django", "5.2,5.2", "--save-dir", str(out), "--save", str(combined)]
    matrix += ["--html", str(page)]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "160"}
    done = subprocess.run(
        [str(script), *matrix, "run", "-o", "3", "--op", "select", "-m", "naive", "-n", "10"],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["django-5.2.json", "django-5.2_2.json"]
    (venv,) = (cache / "roadbench" / "matrix").iterdir()  # one environment for both
    assert venv.name.startswith("django-5.2-")
    first, again = (
        json.loads((out / n).read_text()) for n in sorted(p.name for p in out.iterdir())
    )
    assert first["environment"]["django"] == again["environment"]["django"]
    assert [c["queries"] for c in first["results"]] == [c["queries"] for c in again["results"]]
    assert " #2" in done.stdout  # the second column is told apart from the first
    saved = json.loads(combined.read_text())
    assert [s["label"] for s in saved["ab"]["sides"]] == ["Django 5.2", "Django 5.2 #2"]
    # diff reads the combined file alone (first version against the last, round by round),
    # and report reads it too; neither exits on a bad-input or internal error.
    diffed = subprocess.run(
        [str(script), "diff", str(combined), "--fail-on", "queries:+0", "--fail-on", "shape"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert diffed.returncode == 0, diffed.stderr  # the same statements on both sides
    assert "Django 5.2 #2" in diffed.stdout + diffed.stderr
    reported = subprocess.run(
        [str(script), "report", str(combined)], capture_output=True, text=True, env=env
    )
    assert reported.returncode == 0, reported.stderr
    assert "select" in reported.stdout
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "Django 5.2 #2" in html
