from __future__ import annotations

import csv
import io
import json
import re

import pytest

from roadbench.api import compare, run
from roadbench.measuring.measure import Timing
from roadbench.render.formats import render
from roadbench.reports.comparison import ComparisonReport
from roadbench.reports.results import RunReport, save_json
from roadbench.reports.saved import load_json

QUICK = Timing(warmup=0, repeat=2, loops=1)


@pytest.fixture(scope="module")
def comparison():
    return compare(rows=20, timing=QUICK)


def parse_markdown_table(text):
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    assert set("".join(rows[1])) <= {"-", " "}  # the separator row
    return rows[0], rows[2:]


def test_markdown_reproduces_the_seed_summary_table(comparison):
    header, rows = parse_markdown_table(render("compare", comparison, "markdown").split("\n\n")[0])
    assert header == ["Operation", "Option 1", "Option 2", "Option 3", "Fastest"]
    assert [r[0] for r in rows] == [
        "Create (few)",
        "Select (few)",
        "Modify (few)",
        "Delete (few)",
        "Total",
    ]
    for row in rows[:-1]:
        # "1.18 (1.14–1.23) ~": the ratio, its interval, and a mark when it is imprecise.
        ratios = {n: float(v.split()[0]) for n, v in enumerate(row[1:4], start=1)}
        assert min(ratios.values()) == 1.0  # the fastest option in each row is 1
        fastest = [n for n, r in ratios.items() if r == 1.0]
        assert row[4] in {str(n) for n in fastest} or row[4].startswith("tie ")


def test_markdown_shows_each_ratio_with_its_interval_itself(comparison):
    """A ratio's interval is asymmetric: 2.53 in 0.98–2.72 once showed as "2.53 ±0.87", which
    read as 1.66–3.40 beside a verdict of "tie"."""
    from roadbench.reports.comparison import RANKED

    text = render("compare", comparison, "markdown")
    shown = 0
    for row in comparison.table.rows:
        for n, interval in row.ratio_ci.items():
            if row.role in RANKED and interval is not None and row.ratios.get(n) not in (None, 1):
                assert f"{row.ratios[n]:.2f} ({interval[0]:.2f}–{interval[1]:.2f})" in text
                shown += 1
    assert shown
    assert not re.search(r"±\d+\.\d\d", text)  # no half-widths left


def test_a_ratio_cell_shows_an_asymmetric_interval_as_it_is():
    from roadbench.render.console import ratio_cell, ratio_lines

    assert ratio_cell(2.53, [0.977, 2.717], True) == "2.53 (0.98–2.72) ~"
    # In the console's narrow column, the interval goes under the ratio.
    assert ratio_lines(2.53, [0.977, 2.717], True) == ["2.53 ~", "(0.98–2.72)"]
    assert ratio_cell(1.0, [1.0, 1.0], False) == "1.00"  # the fastest: no interval
    assert ratio_cell(None, None, False) == "—"


def test_markdown_shows_the_listing_rows_once(comparison):
    text = render("compare", comparison, "markdown")
    assert text.count("| Listing |") == 1


def test_csv_of_a_comparison_has_a_row_per_cell(comparison):
    rows = list(csv.DictReader(io.StringIO(render("compare", comparison, "csv"))))
    assert {r["option"] for r in rows} == {"1", "2", "3"}
    for r in rows:
        if r["role"] == "study":
            assert float(r["ratio_low"]) <= float(r["ratio"]) <= float(r["ratio_high"])
            assert r["unstable"] in ("", "yes")
            assert float(r["cpu_median_s"]) > 0
    assert {r["row"] for r in rows} >= {"create (few)", "raw limit (few)"}


def test_github_benchmark_formats(comparison):
    smaller = json.loads(render("compare", comparison, "github-benchmark"))
    assert {e["unit"] for e in smaller} == {"s", "queries"}
    assert all(isinstance(e["value"], (int, float)) for e in smaller)
    bigger = json.loads(render("compare", comparison, "github-benchmark-rows"))
    assert {e["unit"] for e in bigger} == {"rows/s"}


def test_save_then_report_renders_the_same_table(comparison, tmp_path):
    path = tmp_path / "c.json"
    save_json(comparison.to_dict(), path)
    loaded = ComparisonReport.from_dict(load_json(path))
    for fmt in ("markdown", "csv", "github-benchmark"):
        assert render("compare", loaded, fmt) == render("compare", comparison, fmt)


def test_a_run_renders_in_every_format(tmp_path):
    report = run(option=2, op="select", rows=20, timing=QUICK)
    path = tmp_path / "r.json"
    save_json(report.to_dict(), path)
    loaded = RunReport.from_dict(load_json(path))
    header, rows = parse_markdown_table(render("run", loaded, "markdown"))
    assert header[:4] == ["option", "op", "method", "rows"]
    assert rows[0][:3] == ["2", "select", "objects"]
    (row,) = csv.DictReader(io.StringIO(render("run", loaded, "csv")))
    assert float(row["median_s"]) == report.results[0].median_s
    assert render("run", loaded, "csv") == render("run", report, "csv")


@pytest.mark.parametrize(("width", "tables"), [(80, 2), (120, 1)])
def test_the_console_table_splits_to_fit_the_width(comparison, width, tables):
    from rich.console import Console

    from roadbench.render.console import comparison_tables

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(comparison_tables(comparison, width=width))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    assert text.count("┃ operation") == tables
    for n in (1, 2, 3):
        assert f"option {n}" in text
    # The environment and the legend once, after the last table, however many there are.
    words = " ".join(text.split())
    assert words.count("Django") == 1 and words.count("q = queries (exact count)") == 1
    assert words.rindex("┃ operation") < words.index("q = queries")  # as wrapped


def test_no_split_table_is_cut_at_any_width(comparison):
    # Before, the split assumed 17 columns per option: where the cells were wider (a method's
    # name, a ratio with its interval and ~), the last table lost its fastest column and right
    # edge to the console's width (compare --options all at 140-220 columns, three at 90).
    from rich.console import Console

    from roadbench.render.console import comparison_tables

    for width in range(60, 241, 2):
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(comparison_tables(comparison, width=width))
        text = console.export_text()
        tops = [line for line in text.splitlines() if line.startswith("┏")]
        assert tops and all(line.endswith("┓") for line in tops), width
        headers = [line for line in text.splitlines() if line.startswith("┃ operation")]
        assert len(headers) == len(tops) and all("fastest" in line for line in headers), width
        assert "…" not in text, width
        assert " ".join(text.split()).count("q = queries (exact count)") == 1, width
