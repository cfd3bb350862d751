"""``--model`` on run, compare, queries, profile and scaling, and ``advise``, as a user runs
them (in this process, through the console script's entry point), on the hierarchy of
tests/designs/hierarchy_models.py: three multi-table children, a grandchild, a foreign key to
an outside model and a proxy."""

from __future__ import annotations

import json
import re

import pytest

from roadbench.designs import OPTIONS
from roadbench.designs.hierarchy import USER_NUMBER
from roadbench.ops.select import expected_rows
from tests.designs import hierarchy_models  # noqa: F401 (the models the commands name)
from tests.test_adversarial import assert_one_line_error, cli

MODEL = "roadbench.HtProduct"
KEYS = [
    MODEL,  # yours, as --model named it
    "as-single-table",
    "as-table-per-type",
    "as-multi-table",
    "as-json",
    "as-one-to-one",
]


@pytest.fixture(autouse=True)
def no_design_left_registered():
    """run and compare leave the --model design registered in this process (a command line
    process ends there): gone after every test here, whichever runs last or alone, since
    tests after these ones register their own design under the same number (the designs'
    tests) or iterate over the registered designs."""
    yield
    if USER_NUMBER in OPTIONS:
        OPTIONS.unregister(OPTIONS[USER_NUMBER])


def test_run_measures_the_users_design(capsys):
    out = cli(capsys, "run", "--model", MODEL, "--op", "select", "--fast", "-n", "12")
    assert out.code == 0, out.stderr
    assert f"{MODEL} · select · objects" in " ".join(out.stdout.split())
    assert "roadbench.HtBestseller is a proxy of roadbench.HtBook" in out.stderr
    out = cli(capsys, "run", "--model", MODEL, "--op", "select", "--fast", "-n", "12", "--json")
    (result,) = json.loads(out.stdout)["results"]
    # The rows the study's filters select among product 0..11 of each type, read back.
    study = OPTIONS[900].study
    assert result["rows_affected"] == expected_rows(study, 12, study.select_filters) > 0


def test_compare_measures_the_users_design_alone(capsys):
    out = cli(capsys, "compare", "--model", MODEL, "--fast", "-n", "12", "--json")
    assert out.code == 0, out.stderr
    data = json.loads(out.stdout)
    assert {case["option"] for case in data["planned"]} == {900}
    statuses = {(r["op"], r["method"]): r["status"] for r in data["results"]}
    assert statuses[("select", "all_roads_naive")] == "ok"
    assert statuses[("delete", "each")] == "ok"


def test_compare_of_the_users_design_alone_is_no_contest_and_says_how_to_make_one(capsys):
    out = cli(capsys, "compare", "--model", MODEL, "--fast", "-n", "12", "--ops", "select")
    assert out.code == 0, out.stderr
    assert (
        f"roadbench: only {MODEL} measured: add --options 1,3,model to compare it with "
        f"roadbench's designs, or run roadbench advise {MODEL}"
    ) in out.stderr.splitlines()
    for word in ("fastest", "rows won", "rows tied", "total (lower wins)", "wins"):
        assert word not in out.stdout
    assert "one design measured" in " ".join(out.stdout.split())
    # Beside roadbench's designs it is a contest again, and no hint.
    out = cli(capsys, "compare", "--model", MODEL, "--options", "1,model", "--fast", "-n", "12",
              "--ops", "select")  # fmt: skip
    assert out.code == 0, out.stderr
    assert "fastest" in out.stdout and "rows won" in out.stdout
    assert "only " not in out.stderr


def test_queries_show_the_users_listing_n_plus_one(capsys):
    out = cli(capsys, "queries", "select", "--model", MODEL, "-m", "all_roads_naive", "-n", "6")
    assert out.code == 0, out.stderr
    # 6 products, 2 of each type: the parents, then each child tried in turn (a book costs
    # one query, an e-book two, an audiobook three): 1 + 2 + 4 + 6.
    assert f"{MODEL} · select · all_roads_naive · 6 rows: 13 queries for 6 rows" in out.stdout
    assert "N+1" in out.stdout
    # The proxy notice: once per command that builds the --model hierarchy.
    assert out.stderr.count("roadbench.HtBestseller is a proxy of roadbench.HtBook") == 1


def test_profile_and_scaling_take_the_users_design(capsys):
    out = cli(capsys, "profile", "create", "--model", MODEL, "-n", "6")
    assert out.code == 0, out.stderr
    assert out.stdout.startswith(f"{MODEL} · create · save · 6 rows · ")
    out = cli(capsys, "scaling", "create", "--model", MODEL, "--sizes", "3,6", "--repeat", "1")
    assert out.code == 0, out.stderr
    assert "k (fit)" in out.stdout


def test_an_unfillable_field_is_one_line_naming_it_and_the_fix(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no roadbench.toml here
    for args in (
        ("run", "--model", "roadbench.HtOdd", "--op", "create"),
        ("advise", "roadbench.HtOdd", "--fast"),
    ):
        out = cli(capsys, *args)
        assert_one_line_error(
            out,
            2,
            "roadbench.HtOdd.code: every value roadbench makes fails its RegexValidator",
            '[values] "roadbench.HtOdd.code" = "module:function"',
        )


def _advise(capsys, *extra: str) -> tuple[str, dict]:
    out = cli(capsys, "advise", MODEL, "--fast", "-n", "12", *extra)
    assert out.code == 0, out.stderr
    data_out = cli(capsys, "advise", MODEL, "--fast", "-n", "12", "--json", *extra)
    assert data_out.code == 0, data_out.stderr
    return out.stdout, json.loads(data_out.stdout)


def _check_advice(text: str, data: dict) -> None:
    lines = text.splitlines()
    assert lines[0] == f"roadbench advise {MODEL} · 12 ht products per design"
    assert lines[1] == f"yours: {MODEL}, multi-table inheritance: htbook, htebook, htaudiobook"
    # The five alternatives, then each operation with every design's ratio beside yours.
    for key, name in (
        ("as-single-table", "single table"),
        ("as-table-per-type", "table per type"),
        ("as-multi-table", "multi-table inheritance"),
        ("as-json", "JSONField"),
        ("as-one-to-one", "one-to-one detail tables"),
    ):
        assert f"  {key:<{len(MODEL)}}  {name}" in lines
    for operation in ("create (few)", "select (few)", "listing, naive (few)", "modify (few)"):
        heading = next(line for line in lines if line.startswith(f"{operation}: "))
        assert re.fullmatch(rf"{re.escape(operation)}: (\S+ wins|tie between \S+(, \S+)+)", heading)
        block = lines[lines.index(heading) + 1 : lines.index(heading) + 7]
        assert [line.split()[0] for line in block] == KEYS
        for line in block:
            # A ratio with its interval (rounds interleaved), a time and the queries.
            assert re.search(
                r"  \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\)( ~)? +[\d.]+ (ms|s|µs), \d+ q · ", line
            ), line
    listing = lines.index("what each alternative would cost your listing (time and queries):")
    assert [line.split()[0] for line in lines[listing + 1 : listing + 6]] == KEYS[1:]
    # The multi-table listing's N+1; the one-table designs read their table once.
    naive = next(v for v in data["verdicts"] if v["operation"] == "listing, naive (few)")
    # 4 products of each type: the parents, then 1, 2 or 3 queries each (as queries shows).
    assert naive["costs"][MODEL]["queries"] == 1 + 4 * 1 + 4 * 2 + 4 * 3
    assert naive["costs"]["as-single-table"]["queries"] == 1
    best = next(v for v in data["verdicts"] if v["operation"] == "listing, best (few)")
    assert best["costs"]["as-single-table"]["queries"] == 1
    assert best["costs"]["as-json"]["queries"] == naive["costs"]["as-json"]["queries"] == 1
    assert "  - roadbench.HtProduct: custom manager in_stock (InStock)" in lines
    assert "  - roadbench.HtProduct: its own save()" in lines
    assert "  - roadbench.HtBook: post_save receiver count_books" in lines
    # --json: the same verdicts, each a winner or a tie, every design's ratio and interval.
    assert [d["key"] for d in data["designs"]] == KEYS
    assert [d["yours"] for d in data["designs"]] == [True] + [False] * 5
    for verdict in data["verdicts"]:
        assert (verdict["winner"] is None) == (len(verdict["tied"]) > 1), verdict
        assert set(verdict["costs"]) == set(KEYS)
    assert data["leaves_out"][:2] == [
        "roadbench.HtProduct: custom manager in_stock (InStock)",
        "roadbench.HtProduct: constraint ht_price (CheckConstraint)",
    ]


def test_advise_prints_the_five_alternatives_beside_yours_on_sqlite(capsys):
    _check_advice(*_advise(capsys))


@pytest.mark.postgres
def test_advise_prints_the_five_alternatives_beside_yours_on_postgresql(capsys, postgres_url):
    _check_advice(*_advise(capsys, "--database", postgres_url))


def test_advise_warns_as_compare_does_and_marks_unstable_ratios(capsys, tmp_path):
    """The same warnings on stderr (compare's rule, each case's own) and compare's "~" on an
    unstable ratio, read from the comparison advise saved in the same run."""
    saved = tmp_path / "advice.json"
    out = cli(capsys, "advise", MODEL, "--fast", "-n", "12", "--save", str(saved))
    assert out.code == 0, out.stderr
    advice = json.loads(saved.read_text(encoding="utf-8"))
    comparison = advice["comparison"]
    expected = {
        f"roadbench: warning: {r['design'] or 'option ' + str(r['option'])} "
        f"{r['op']} {r['method']}: {w}"
        for r in comparison["results"]
        for w in r["warnings"]
    }
    # Whether a case warns depends on the machine's load (a quiet machine may warn of none):
    # the test holds advise's stderr to the saved cases' own warnings, whichever they are.
    warned = {line for line in out.stderr.splitlines() if line.startswith("roadbench: warning: ")}
    assert warned == expected
    # The rows advise shows, by compare's rows: the same winner or tie, the same "~".
    rows = {row["label"]: row for row in comparison["table"]["rows"]}
    keys = {d["number"]: d["key"] for d in advice["designs"]}
    for verdict in advice["verdicts"]:
        row = rows[verdict["operation"]]
        assert verdict["winner"] == (keys[row["winner"]] if row["winner"] is not None else None)
        unstable = {k for k, c in verdict["costs"].items() if c["unstable"]}
        assert unstable == {keys[n] for n in row["unstable"]}
    shown = sum(
        len(row["unstable"])
        for row in rows.values()
        if row["label"] in {v["operation"] for v in advice["verdicts"]}
    )
    assert sum(line.count(") ~ ") for line in out.stdout.splitlines()) == shown


TICKET = "roadbench.HtTicket"  # a base with no number: title, opened, urgent, queue


def _no_counter_runs(capsys, *database: str) -> None:
    """A hierarchy with no number every type has: modify alone is exit 4 with the unsupported
    line naming [roles]; create, select and delete run (exit 0); compare measures every op,
    modify's row unsupported with the same reason."""
    from tests.designs.test_hierarchy import NO_COUNTER_MODIFY

    out = cli(capsys, "run", "--model", TICKET, "--op", "modify", "--fast", "-n", "12", *database)
    assert out.code == 4, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert out.stderr.splitlines()[-1] == (
        f"roadbench: error: {TICKET} cannot modify with save: {NO_COUNTER_MODIFY}"
    )
    # The table says it too, in the reason row.
    assert NO_COUNTER_MODIFY in " ".join(out.stdout.replace("│", " ").split())
    for op in ("create", "select", "delete"):
        out = cli(capsys, "run", "--model", TICKET, "--op", op, "--fast", "-n", "12", "--json",
                  *database)  # fmt: skip
        assert out.code == 0, (op, out.stderr)
        (result,) = json.loads(out.stdout)["results"]
        assert (result["status"], result["reason"]) == ("ok", None), op
    out = cli(capsys, "compare", "--model", TICKET, "--fast", "-n", "12", "--json", *database)
    assert out.code == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    by_op: dict[str, set] = {}
    for r in results:
        by_op.setdefault(r["op"], set()).add((r["status"], r["reason"]))
    assert by_op["modify"] == {("unsupported", NO_COUNTER_MODIFY)}
    for op in ("create", "select", "delete"):
        assert ("ok", None) in by_op[op], op


def test_a_hierarchy_with_no_number_in_common_measures_all_but_modify_on_sqlite(capsys):
    _no_counter_runs(capsys)


@pytest.mark.postgres
def test_a_hierarchy_with_no_number_in_common_measures_all_but_modify_on_postgresql(
    capsys, postgres_url
):
    _no_counter_runs(capsys, "--database", postgres_url)
