"""Every output names the user's hierarchy as ``--model`` named it (``shop.Product``), never by
the number roadbench registers it under (900), while roadbench's own designs stay ``option N``:
compare (console, markdown, csv, json, chart), scaling, profile, run, queries and diff, also of
saved files. Real runs inside the test project on SQLite, as a user types them."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from roadbench.designs.hierarchy import USER_NUMBER
from tests import test_project
from tests.test_project import IN_PROJECT, checksum, roadbench, sha256

sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

MODEL = ["--model", "shop.Product"]
INTERNAL = (f"option {USER_NUMBER}", f"Option {USER_NUMBER}")


def _ran(args: list[str], env: dict[str, str]) -> str:
    done = roadbench([*IN_PROJECT, *args], env)
    assert done.returncode == 0, done.stderr
    for internal in INTERNAL:
        assert internal not in done.stdout + done.stderr
    return str(done.stdout)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_comparison_names_the_users_design_in_every_format(sqlite_project, tmp_path):
    env, real = sqlite_project
    before = sha256(real)
    saved = tmp_path / "compare.json"
    args = ["compare", *MODEL, "--options", "3,model", "--ops", "select", "--fast", "-n", "12"]
    shown = _ran([*args, "--save", str(saved)], env)
    header = next(line for line in shown.splitlines() if "operation" in line)
    assert "option 3" in header and "shop.Product" in header

    data = json.loads(saved.read_text())
    assert data["designs"] == {"3": "option 3", str(USER_NUMBER): "shop.Product"}
    assert {r["design"] for r in data["results"]} == {"", "shop.Product"}

    markdown = _ran(["report", str(saved), "--format", "markdown"], env)
    assert "| Operation | Option 3 | shop.Product | Fastest |" in markdown
    assert "| shop.Product | " in markdown  # the weakest-operation table's row
    rows = _csv(_ran(["report", str(saved), "--format", "csv"], env))
    # The option's number where scripts read it, its name in the last column.
    assert {(row["option"], row["design"]) for row in rows} == {
        ("3", "option 3"),
        (str(USER_NUMBER), "shop.Product"),
    }
    verdicts = {row["winner"] for row in rows} | {row["tied"] for row in rows}
    assert verdicts <= {"", "3", "shop.Product", "3 shop.Product"}

    # Outside the project too: a saved file carries the names.
    plain = roadbench(["report", str(saved)], env)
    assert plain.returncode == 0, plain.stderr
    assert "shop.Product" in plain.stdout and "option 900" not in plain.stdout
    page = tmp_path / "compare.html"
    _ran(["report", str(saved), "--html", str(page)], env)
    assert "shop.Product" in page.read_text() and "option 900" not in page.read_text()
    diffed = _ran(["diff", str(saved), str(saved), "--format", "markdown"], env)
    assert "shop.Product · select · objects · 12 rows" in diffed
    diff_rows = _csv(_ran(["diff", str(saved), str(saved), "--format", "csv"], env))
    assert {row["design"] for row in diff_rows} == {"option 3", "shop.Product"}
    assert sha256(real) == before


def test_the_chart_legend_names_the_users_design(sqlite_project, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from roadbench.render import charts
    from roadbench.reports.saved import load_report

    env, _real = sqlite_project
    saved = tmp_path / "compare.json"
    args = ["compare", *MODEL, "--options", "3,model", "--ops", "select", "--fast", "-n", "12"]
    _ran([*args, "--save", str(saved)], env)
    legends: list[str] = []
    real_save = charts._save

    def save_and_read(fig, path):
        legends.extend(t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts())
        real_save(fig, path)

    monkeypatch.setattr(charts, "_save", save_and_read)
    _kind, report = load_report(saved, ("compare",))
    charts.comparison_chart([report], tmp_path / "chart.png")
    assert legends == ["option 3", "shop.Product"]
    assert (tmp_path / "chart.png").stat().st_size > 0


def test_scaling_profile_run_and_queries_name_the_users_design(sqlite_project, tmp_path):
    env, _real = sqlite_project
    saved = tmp_path / "scaling.json"
    scaling = ["scaling", "select", *MODEL, "--option", "3,model", "--sizes", "6,12"]
    shown = _ran([*scaling, "--repeat", "3", "--save", str(saved)], env)
    assert "shop.Product" in shown
    data = json.loads(saved.read_text())
    assert [s["design"] for s in data["series"]] == ["", "shop.Product"]
    rows = _csv(_ran(["report", str(saved), "--format", "csv"], env))
    assert {row["design"] for row in rows} == {"option 3", "shop.Product"}
    markdown = _ran(["report", str(saved), "--format", "markdown"], env)
    assert "| Rows | Option 3 | shop.Product | Fastest |" in markdown
    page = tmp_path / "scaling.html"
    _ran(["report", str(saved), "--html", str(page)], env)
    html = page.read_text()
    assert "shop.Product: time ∝ rows^" in html and "option 900" not in html

    profiled = _ran(["profile", "select", *MODEL, "-n", "12"], env)
    assert profiled.splitlines()[0].startswith("shop.Product · select · objects · 12 rows")

    ran = _ran(["run", *MODEL, "--op", "select", "-n", "12", "--fast", "--format", "csv"], env)
    assert [(row["option"], row["design"]) for row in _csv(ran)] == [
        (str(USER_NUMBER), "shop.Product")
    ]
    queried = _ran(["queries", "select", *MODEL, "-n", "6"], env)
    assert "shop.Product · select · objects · 6 rows" in queried


def test_the_users_design_is_chosen_by_what_model_named(sqlite_project):
    env, _real = sqlite_project
    shown = _ran(["run", *MODEL, "-o", "shop.Product", "--op", "select", "-n", "6", "--json"], env)
    (result,) = json.loads(shown)["results"]
    assert (result["option"], result["design"]) == (USER_NUMBER, "shop.Product")


def test_compare_and_profile_of_the_users_design_on_postgresql(postgres_url, postgres_project):
    """The issue's "done when" on PostgreSQL: compare --model and profile --model run in the
    project's test database (queries and advise: tests/test_project_advise.py), its real
    database unchanged."""
    env, real = postgres_project
    before = checksum(postgres_url, real)
    compared = _ran(["compare", *MODEL, "--fast", "-n", "12", "--json"], env)
    data = json.loads(compared)
    assert data["designs"] == {str(USER_NUMBER): "shop.Product"}
    assert data["environment"]["database_vendor"] == "postgresql"
    assert {r["status"] for r in data["results"]} == {"ok"}
    ops = {r["op"] for r in data["results"]}
    assert {"create", "select", "modify", "delete"} <= ops
    profiled = _ran(["profile", "select", *MODEL, "-m", "all_roads_naive", "-n", "12"], env)
    # The header (two lines, which the console may wrap): the design, and the queries of
    # every run profiled: the multi-table design's naive listing, 4 products of each type,
    # costs 1 + 4 + 8 + 12 queries a run.
    text = " ".join(profiled.split())
    found = re.match(r"shop\.Product · select · all_roads_naive · 12 rows · (\d+) runs? ", text)
    assert found, profiled
    runs = int(found.group(1))
    assert re.search(rf"; {25 * runs:,} queries ", text), profiled
    assert checksum(postgres_url, real) == before
