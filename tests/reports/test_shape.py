"""The shape of the SQL: saved fingerprints from real runs, and ``diff --fail-on shape``.

The ops measured here are registered by the tests (``Registry.registered``): one whose SQL
changes between two runs at the same query count (an added filter), one that adds a
statement, and one that inlines different literal ids each time it runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from roadbench.api import compare, run
from roadbench.designs import get_option
from roadbench.measuring.fingerprints import fingerprint
from roadbench.measuring.measure import Timing
from roadbench.ops import OPS
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.select import lookup
from roadbench.reports.results import SCHEMA_VERSION, save_json
from roadbench.reports.saved import load_saved
from roadbench.reports.shape import CHANGED, SAME
from tests.helpers import run_counted

SCRIPT = str(Path(sys.executable).parent / "roadbench")
FAST = Timing(warmup=0, repeat=2)
ROWS = 20


def _filters(option: Any) -> Iterator[Any]:
    for road_filter in option.study.select_filters:
        yield option.queryset(road_filter.type_key).filter(**lookup(option, road_filter))


def reads(option: Any, rows: int) -> int:
    """The study's four filtered reads."""
    return sum(len(list(queryset)) for queryset in _filters(option))


def reads_with_a_filter_more(option: Any, rows: int) -> int:
    """The same reads, the same rows and the same count, one more condition in each WHERE."""
    return sum(len(list(queryset.filter(pk__gte=0))) for queryset in _filters(option))


def reads_and_a_count(option: Any, rows: int) -> int:
    """The same reads, then one statement more."""
    read = reads(option, rows)
    option.queryset(option.types[0]).count()
    return read


def reads_and_two_counts(option: Any, rows: int) -> int:
    """The same statements as ``reads_and_a_count``, the count sent twice."""
    read = reads_and_a_count(option, rows)
    option.queryset(option.types[0]).count()
    return read


def _expected(option: Any, rows: int) -> int:
    from roadbench.ops.select import expected_rows

    return expected_rows(option.study, rows, tuple(option.study.select_filters))


def _verify(option: Any, rows: int, affected: int) -> None:
    assert affected == _expected(option, rows), (affected, _expected(option, rows))


def probe(run_it: Callable[[Any, int], int], name: str = "shape-probe") -> Operation:
    """A plugin-like op with one method, ``reads``, whose SQL is ``run_it``'s."""
    return Operation(
        name=name,
        description="reads whose SQL the test changes between runs",
        methods={"reads": Method("reads", "the study's filtered reads", run_it)},
        needs=LOADED,
        leaves=LOADED,
        verify=_verify,
        compare_methods={"few": ("reads",), "many": ("reads",)},
        default_method="reads",
        origin="tests.shape_probe",
    )


@contextlib.contextmanager
def registered(op: Operation) -> Iterator[None]:
    with OPS.registered(op):
        yield


def saved_run(path: Path, run_it: Callable[[Any, int], int], database: str | None = None) -> Path:
    with registered(probe(run_it)):
        report = run(
            option=3, op="shape-probe", method="reads", rows=ROWS, timing=FAST, database=database
        )
    save_json(report.to_dict(), path)
    return path


def roadbench_diff(*args: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, "diff", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "2000", "NO_COLOR": "1"},
    )


# --- what a saved case keeps -------------------------------------------------------------------


def test_a_saved_case_keeps_its_statement_shapes_with_exact_counts(tmp_path, database_url):
    path = tmp_path / "naive.json"
    report = run(
        option=3, op="select", method="naive", rows=ROWS, timing=FAST, database=database_url
    )
    save_json(report.to_dict(), path)
    data = load_saved(path, ("run",))
    assert data["schema_version"] == SCHEMA_VERSION == 3
    (case,) = data["results"]
    shapes = case["fingerprints"]
    # Every statement of the counting pass, by shape: the counts add up to the query count.
    assert sum(shapes.values()) == case["queries"] == 2 + ROWS
    # The N+1: one shape per type, sent once per road of that type (10 each); the two
    # listings once each. No literal is left in a shape, and one quoting on every backend.
    assert sorted(shapes.values()) == [1, 1, ROWS // 2, ROWS // 2]
    per_road = [s for s, n in shapes.items() if n == ROWS // 2]
    assert all('WHERE "roadbench_' in s and s.endswith("= ? LIMIT ?") for s in per_road)
    assert not any("`" in s for s in shapes)


def test_shapes_are_exact_beyond_djangos_9000_query_log(bench):
    """The tally is made in the execute wrapper: no cap (CaptureQueriesContext stops at 9,000)."""
    from roadbench.database.fastpath import insert_entities

    rows = 9_200
    option = get_option(3)
    insert_entities(option, option.study.split(rows))
    affected, counted = run_counted(option, "select", "naive", rows)
    assert affected == rows
    shapes = counted.shapes.as_dict()
    assert counted.total == rows + 2
    assert sum(shapes.values()) == rows + 2
    assert sorted(shapes.values()) == [1, 1, rows // 2, rows // 2]


@pytest.mark.parametrize(
    ("sql", "shape"),
    [
        # MySQL's backquotes as the others quote; IN-lists of any length as one.
        (
            "SELECT `t`.`id` FROM `t` WHERE `t`.`id` IN (%s, %s, %s)",
            'SELECT "t"."id" FROM "t" WHERE "t"."id" IN (...)',
        ),
        (
            'SELECT "t"."id" FROM "t" WHERE "t"."id" IN (1, 2)',
            'SELECT "t"."id" FROM "t" WHERE "t"."id" IN (...)',
        ),
        # PostgreSQL's numbered placeholders, named ones, and literals.
        (
            "UPDATE t SET a = $1 WHERE b = %(b)s AND c = 'x'",
            "UPDATE t SET a = ? WHERE b = ? AND c = ?",
        ),
        # Whitespace, and a savepoint's name (a thread id and a counter).
        ('SAVEPOINT  "s140237_x12"', 'SAVEPOINT "s?"'),
        ("SAVEPOINT `s140237_x3`", 'SAVEPOINT "s?"'),
    ],
)
def test_fingerprints_are_the_same_whatever_the_literals_and_backend(sql, shape):
    assert fingerprint(sql) == shape


# --- diff --fail-on shape ----------------------------------------------------------------------


def test_an_added_filter_at_the_same_count_fails_the_shape_gate(tmp_path):
    base = saved_run(tmp_path / "base.json", reads)
    new = saved_run(tmp_path / "new.json", reads_with_a_filter_more)
    before = json.loads(base.read_text())["results"][0]
    after = json.loads(new.read_text())["results"][0]
    assert before["queries"] == after["queries"] == 4  # the same count: queries:+0 passes

    done = roadbench_diff(base, new, "--fail-on", "shape", "--fail-on", "queries:+0")
    assert done.returncode == 6, done.stderr
    assert done.stderr == (
        "roadbench: error: 1 regression beyond --fail-on: option 3 · shape-probe · reads · "
        "20 rows: the SQL changed shape: 4 shapes (4 statements) appeared, 4 shapes "
        "(4 statements) disappeared\n"
    )
    assert "option 3 · shape-probe · reads · 20 rows: the SQL changed shape" in done.stdout
    appeared = [line for line in done.stdout.splitlines() if line.startswith("+ 1 × SELECT")]
    gone = [line for line in done.stdout.splitlines() if line.startswith("- 1 × SELECT")]
    assert len(appeared) == len(gone) == 4
    # What appeared is what disappeared with the new condition, and nothing else.
    assert all('."roadc_ptr_id" >= ?' in line for line in appeared)
    for old in gone:
        assert old[1:] not in {line[1:] for line in appeared}

    as_json = json.loads(roadbench_diff(base, new, "--fail-on", "shape", "--json").stdout)
    (case,) = as_json["cases"]
    assert case["shape"]["verdict"] == CHANGED
    assert (
        sum(case["shape"]["appeared"].values()) == sum(case["shape"]["disappeared"].values()) == 4
    )


def test_the_csv_says_each_cases_shape(tmp_path):
    base = saved_run(tmp_path / "base.json", reads)
    new = saved_run(tmp_path / "new.json", reads_with_a_filter_more)
    done = roadbench_diff(base, new, "--format", "csv")
    assert done.returncode == 0, done.stderr
    header, row = (line.split(",") for line in done.stdout.splitlines())
    shape = dict(zip(header, row, strict=True))
    assert (shape["shape"], shape["shapes_appeared"], shape["shapes_disappeared"]) == (
        CHANGED,
        "4",
        "4",
    )


def test_a_new_statement_fails_and_shows_what_appeared(tmp_path):
    base = saved_run(tmp_path / "base.json", reads)
    new = saved_run(tmp_path / "new.json", reads_and_a_count)
    done = roadbench_diff(base, new, "--fail-on", "shape", "--format", "markdown")
    assert done.returncode == 6, done.stderr
    assert "**The SQL changed shape** in option 3 · shape-probe · reads · 20 rows" in done.stdout
    body = done.stdout.split("```diff\n", 1)[1].split("```", 1)[0].splitlines()
    (line,) = body
    assert line.startswith('+ 1 × SELECT COUNT(*) AS "__count" FROM "roadbench_freewayc"')


def test_the_same_shapes_sent_more_often_are_the_queries_rules_not_shapes(tmp_path):
    """One statement sent twice instead of once: the set of shapes is the same (shape passes,
    the JSON says which shape was recounted); queries:+0 is the rule that fails it."""
    base = saved_run(tmp_path / "base.json", reads_and_a_count)
    new = saved_run(tmp_path / "new.json", reads_and_two_counts)
    assert roadbench_diff(base, new, "--fail-on", "shape").returncode == 0
    data = json.loads(roadbench_diff(base, new, "--fail-on", "shape", "--json").stdout)
    shape = data["cases"][0]["shape"]
    assert (shape["verdict"], shape["appeared"], shape["disappeared"]) == (SAME, {}, {})
    ((count_sql, counts),) = shape["recounted"].items()
    assert counts == [1, 2] and count_sql.startswith('SELECT COUNT(*) AS "__count"')
    assert roadbench_diff(base, new, "--fail-on", "queries:+0").returncode == 6


def test_two_runs_of_the_same_code_pass_the_shape_gate(tmp_path):
    base = saved_run(tmp_path / "base.json", reads)
    new = saved_run(tmp_path / "new.json", reads)
    done = roadbench_diff(base, new, "--fail-on", "shape")
    assert done.returncode == 0, done.stderr
    assert "changed shape" not in done.stdout and "INCONCLUSIVE" not in done.stdout
    data = json.loads(roadbench_diff(base, new, "--fail-on", "shape", "--json").stdout)
    assert data["cases"][0]["shape"] == {
        "verdict": SAME,
        "appeared": {},
        "disappeared": {},
        "recounted": {},
        "reason": None,
    }


def test_a_file_saved_before_fingerprints_cannot_decide(tmp_path):
    """A schema-2 file (no fingerprints) still loads; the shape gate says it cannot decide
    (exit 8), never a pass."""
    base = saved_run(tmp_path / "base.json", reads)
    old = json.loads(base.read_text())
    old["schema_version"] = 2
    for case in old["results"]:
        del case["fingerprints"]
    version_2 = tmp_path / "version-2.json"
    version_2.write_text(json.dumps(old))
    loaded = load_saved(version_2, ("run",))
    assert "fingerprints" not in loaded["results"][0]

    done = roadbench_diff(version_2, base, "--fail-on", "shape")
    assert done.returncode == 8, done.stderr
    line = (
        "option 3 · shape-probe · reads · 20 rows: --fail-on shape: the base file was saved "
        "with schema 2, before statement fingerprints (schema 3): measure it again with this "
        "roadbench"
    )
    assert done.stderr == f"roadbench: error: inconclusive, not passed: {line}\n"
    assert f"INCONCLUSIVE {line}" in done.stdout
    # Without the shape rule, nothing is asked of the fingerprints.
    assert roadbench_diff(version_2, base, "--fail-on", "queries:+0").returncode == 0
    # Beside a rule that passes, still exit 8: one rule could not decide.
    both = roadbench_diff(version_2, base, "--fail-on", "shape", "--fail-on", "queries:+0")
    assert both.returncode == 8


def test_fingerprints_of_the_wrong_type_are_refused(tmp_path):
    base = saved_run(tmp_path / "base.json", reads)
    data = json.loads(base.read_text())
    data["results"][0]["fingerprints"] = {"SELECT ?": "many"}
    base.write_text(json.dumps(data))
    done = roadbench_diff(base, base, "--fail-on", "shape")
    assert done.returncode == 2
    assert "results[0].fingerprints['SELECT ?']: expected a whole number" in done.stderr


def test_a_comparison_gates_only_the_cases_whose_shape_changed(tmp_path):
    def saved_compare(path: Path, run_it: Callable[[Any, int], int]) -> Path:
        with registered(probe(run_it)):
            report = compare(
                rows=10, timing=Timing(warmup=0, repeat=2), options=[1, 3], ops="create,shape-probe"
            )
        save_json(report.to_dict(), path)
        return path

    base = saved_compare(tmp_path / "base.json", reads)
    new = saved_compare(tmp_path / "new.json", reads_with_a_filter_more)
    data = json.loads(roadbench_diff(base, new, "--fail-on", "shape", "--json").stdout)
    verdicts = {(c["option"], c["op"]): c["shape"]["verdict"] for c in data["cases"] if c["shape"]}
    assert verdicts[(1, "shape-probe")] == verdicts[(3, "shape-probe")] == CHANGED
    assert {v for (_, op), v in verdicts.items() if op == "create"} == {SAME}
    done = roadbench_diff(base, new, "--fail-on", "shape")
    assert done.returncode == 6
    assert done.stderr.startswith("roadbench: error: 2 regressions beyond --fail-on: option 1 ·")


# --- the same shapes on PostgreSQL (and MariaDB) despite other literal ids ---------------------

_CALLS = itertools.count()


def reads_with_literal_ids(option: Any, rows: int) -> int:
    """The filtered reads' ids fetched again with the ids written into the SQL: a different
    list (and length) of literal ids every time it runs, inside a transaction with a savepoint
    and, on PostgreSQL, through a server-side cursor."""
    from django.db import transaction

    call = next(_CALLS)
    read = 0
    with transaction.atomic(), transaction.atomic():
        for queryset in _filters(option):
            ids = list(queryset.values_list("pk", flat=True))
            read += len(ids)
            chosen = ids[call % 3 :] or [0]  # IN () is SQLite's only
            table = connection.ops.quote_name(queryset.model._meta.db_table)
            column = connection.ops.quote_name(queryset.model._meta.pk.column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {column} FROM {table} WHERE {column} IN "
                    f"({', '.join(str(i) for i in chosen)}) AND {column} > {-call - 1} "
                    f"AND 'run {call}' <> ''"
                )
                cursor.fetchall()
        for _road in option.queryset(option.types[0]).iterator(chunk_size=5):
            pass
    return read


def test_the_same_code_gives_the_same_shapes_despite_other_literal_ids(tmp_path, database_url):
    base = saved_run(tmp_path / "base.json", reads_with_literal_ids, database_url)
    new = saved_run(tmp_path / "new.json", reads_with_literal_ids, database_url)
    before = json.loads(base.read_text())["results"][0]["fingerprints"]
    after = json.loads(new.read_text())["results"][0]["fingerprints"]
    assert before == after
    literal = [s for s in before if "IN (...) AND" in s]
    # The four reads' ids, in each type's table: two shapes, two statements each.
    assert [before[s] for s in literal] == [2, 2]
    assert all(s.endswith("> ? AND ? <> ?") for s in literal)
    assert any(s.startswith('SAVEPOINT "s?"') for s in before)
    if database_url and database_url.startswith("postgres"):
        assert any(s.startswith('FETCH FORWARD ? FROM "_django_curs_?"') for s in before)
    assert roadbench_diff(base, new, "--fail-on", "shape").returncode == 0
