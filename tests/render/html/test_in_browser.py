"""The HTML reports as a person sees them: real runs, opened in a real headless Chromium.

Each page must render without a console error, show the figures its JSON holds (read back
from the page's cells and figures), and be usable 375 and 1440 pixels wide: the page never
scrolls sideways (a wide table scrolls in its own box). Screenshots are kept as artifacts.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roadbench.measuring.queries import about_once_per_row
from tests.cli.test_cli import roadbench

from .browser import WIDTHS, artifacts_dir, broken_links, browser, overflow  # noqa: F401

pytestmark = pytest.mark.slow

ROWS = "60"  # small: the pages are the subject here, not the timings


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real results: a comparison (--html on compare), a run with its statements and its
    profile attached (report --html), and a scaling (--html on scaling)."""
    work = tmp_path_factory.mktemp("html-reports")

    def ok(*args: str) -> None:
        result = roadbench(*args)
        assert result.returncode == 0, result.stderr

    ok(
        "compare",
        "--rows",
        ROWS,
        "--fast",
        "--save",
        str(work / "c.json"),
        "--html",
        str(work / "c.html"),
    )
    ok(
        "run",
        "--op",
        "select",
        "-o",
        "3",
        "-m",
        "naive",
        "--rows",
        ROWS,
        "--repeat",
        "5",
        "--save",
        str(work / "r.json"),
    )
    queries = roadbench(
        "queries", "select", "-o", "3", "-m", "naive", "--rows", "20", "--explain", "--json"
    )
    assert queries.returncode == 0, queries.stderr
    (work / "q.json").write_text(queries.stdout)
    ok(
        "profile",
        "select",
        "-o",
        "3",
        "-m",
        "naive",
        "--rows",
        "20",
        "--html",
        str(work / "p.html"),
    )
    ok(
        "report",
        str(work / "r.json"),
        "--html",
        str(work / "r.html"),
        "--queries",
        str(work / "q.json"),
        "--profile",
        str(work / "p.html"),
    )
    ok(
        "scaling",
        "select",
        "-o",
        "1,3",
        "-m",
        "naive",
        "--sizes",
        "20,80,320",
        "--repeat",
        "3",
        "--save",
        str(work / "s.json"),
        "--html",
        str(work / "s.html"),
    )
    return work


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artifacts_dir(tmp_path_factory)


def _usable(browser: Any, path: Path, shots: Path) -> None:  # noqa: F811
    """At a phone's and a laptop's width: no console error, no sideways scrolling of the page,
    every link within it leads somewhere; a screenshot of each kept."""
    for width in WIDTHS:
        opened = browser.open(path, width)
        try:
            assert opened.errors == []
            assert overflow(opened.page) <= 0, f"{path.name} scrolls sideways at {width} px"
            assert broken_links(opened.page) == []
            opened.page.screenshot(path=str(shots / f"{path.stem}-{width}.png"), full_page=True)
        finally:
            opened.page.close()


def _close(shown: str | None, value: float | None) -> bool:
    if value is None:
        return shown is None
    return shown is not None and math.isclose(float(shown), value, rel_tol=1e-12)


def test_a_comparison_page_shows_the_jsons_figures(browser, made, shots):  # noqa: F811
    saved = json.loads((made / "c.json").read_text())
    _usable(browser, made / "c.html", shots)
    opened = browser.open(made / "c.html", 1440)
    page = opened.page
    cells = page.evaluate(
        "[...document.querySelectorAll('table.comparison td[data-row]')].map(td => ({"
        "row: td.dataset.row, option: td.dataset.option, ratio: td.dataset.ratio ?? null,"
        "low: td.dataset.low ?? null, high: td.dataset.high ?? null,"
        "median: td.dataset.median ?? null, queries: td.dataset.queries ?? null,"
        "tied: td.dataset.tied === 'true', background: getComputedStyle(td).backgroundColor}))"
    )
    shown = {(c["row"], int(c["option"])): c for c in cells}
    compared = 0
    for row in saved["table"]["rows"]:
        for option, median in row["medians"].items():
            cell = shown[row["label"], int(option)]
            assert _close(cell["median"], median)
            assert _close(cell["queries"], row["queries"][option])
            if row["role"] in ("study", "listing") and median is not None:
                compared += 1
                assert _close(cell["ratio"], row["ratios"][option])
                interval = row["ratio_ci"][option]
                assert _close(cell["low"], interval and interval[0])
                assert _close(cell["high"], interval and interval[1])
                tied = int(option) in row["tied"] and len(row["tied"]) > 1
                assert cell["tied"] == tied
                # A tie is shaded, as the legend says.
                assert (cell["background"] == "rgb(255, 243, 196)") == tied
    assert compared >= 12  # 3 designs x the study's rows: the test looked at real cells
    totals = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('td[data-field=total]')]"
        ".map(td => [td.dataset.option, td.dataset.value ?? null]))"
    )
    for option, total in saved["table"]["totals"].items():
        assert _close(totals[option], total)
    # Every case's values, round by round, as the JSON has them, in its strip plot.
    drawn = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.case[data-status=ok]')].map(c =>"
        " [c.id, [...c.querySelectorAll('circle[data-value]')].map(d => +d.dataset.value)]))"
    )
    ok = [r for r in saved["results"] if r["status"] == "ok"]
    assert len(drawn) == len(ok)
    assert sorted(map(tuple, drawn.values())) == sorted(tuple(r["times_s"]) for r in ok)
    # Each case's statement shapes with their counts, as saved; a SELECT run about once per
    # row marked N+1 (option 3's naive listing has two).
    shapes = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.case[data-status=ok]')].map(c =>"
        " [c.id, {counts: [...c.querySelectorAll('td[data-field=shape-count]')]"
        ".map(td => +td.dataset.value), flagged: c.querySelectorAll('.badge.bad').length}]))"
    )
    assert sorted(sorted(s["counts"]) for s in shapes.values()) == sorted(
        sorted(r["fingerprints"].values()) for r in ok
    )
    flagged = {
        (r["option"], r["op"], r["method"], r["rows"]): sum(
            about_once_per_row(shape, count, r["rows"])
            for shape, count in r["fingerprints"].items()
        )
        for r in ok
    }
    assert flagged[3, "select", "all_roads_naive", int(ROWS)] == 2
    assert sorted(s["flagged"] for s in shapes.values()) == sorted(flagged.values())
    # A cell links to its case: clicking it scrolls the case into view.
    page.click("table.comparison td[data-row='select (few)'][data-option='3'] a")
    assert page.evaluate("location.hash").startswith("#case-option-3-select-")
    assert opened.errors == []
    page.close()


def test_a_run_page_shows_statements_explain_and_the_profile(browser, made, shots):  # noqa: F811
    saved = json.loads((made / "r.json").read_text())
    statements = json.loads((made / "q.json").read_text())["cases"][0]
    _usable(browser, made / "r.html", shots)
    opened = browser.open(made / "r.html", 1440)
    page = opened.page
    case = saved["results"][0]
    card = page.locator(".case[data-status=ok]")
    assert _close(card.get_attribute("data-median"), case["median_s"])
    assert _close(card.get_attribute("data-queries"), case["queries"])
    counts = page.evaluate(
        "[...document.querySelectorAll('td[data-field=statement-count]')]"
        ".map(td => +td.dataset.value)"
    )
    assert counts == [f["count"] for f in statements["fingerprints"]]
    # Option 3's naive listing loads each child row by row: the N+1 is marked.
    flagged = page.locator("tr:has(.badge.bad)")
    assert flagged.count() == sum(1 for f in statements["fingerprints"] if f["n_plus_one"]) > 0
    plans = [f for f in statements["fingerprints"] if f["plan"]]
    assert plans and page.locator("h4:has-text('EXPLAIN')").count() == len(plans)
    assert "SCAN" in page.locator("section#cases").inner_text() or "SEARCH" in (
        page.locator("section#cases").inner_text()
    )
    # The profile opens in place, pyinstrument's own page, offline.
    page.click("#profiles summary")
    frame = page.locator("iframe.profile").element_handle().content_frame()
    frame.wait_for_function("document.body && document.body.textContent.includes('select.py')")
    assert opened.errors == []
    page.screenshot(path=str(shots / "r-profile-open.png"), full_page=True)
    page.close()


def test_a_scaling_page_draws_its_points(browser, made, shots):  # noqa: F811
    saved = json.loads((made / "s.json").read_text())
    _usable(browser, made / "s.html", shots)
    opened = browser.open(made / "s.html", 1440)
    drawn = opened.page.evaluate(
        "[...document.querySelectorAll('#growth-time g.series')].map(g => ({name: "
        "g.dataset.series, points: [...g.querySelectorAll('circle')].map(c => "
        "[+c.dataset.x, +c.dataset.y])}))"
    )
    expected = [
        {
            "name": f"option {s['option']}",
            "points": [[p["rows"], p["median_s"]] for p in s["points"] if p["median_s"]],
        }
        for s in saved["series"]
    ]
    assert drawn == expected
    queries = opened.page.evaluate(
        "[...document.querySelectorAll('#growth-queries circle')].map(c => +c.dataset.y)"
    )
    assert queries == [p["queries"] for s in saved["series"] for p in s["points"] if p["queries"]]
    assert opened.errors == []
    opened.page.close()


def test_text_from_a_file_never_runs_as_script(browser, made, tmp_path):  # noqa: F811
    """A saved file is anybody's input: a design, a method, a reason, a warning, a URL and
    SQL holding markup are shown as text, and nothing of theirs runs."""
    hostile = "<script>window.rbtestOwned=1</script><img src=x onerror=window.rbtestOwned=2>"
    saved = json.loads((made / "r.json").read_text())
    case = saved["results"][0]
    case.update(design=hostile, method=hostile, warnings=[hostile])
    saved["results"].append({**case, "status": "unsupported", "reason": hostile, "times_s": []})
    saved["environment"]["database_url"] = hostile
    (tmp_path / "x.json").write_text(json.dumps(saved))
    statements = json.loads((made / "q.json").read_text())
    statements["cases"][0].update(design=hostile, method=hostile)
    statements["cases"][0]["fingerprints"][0]["example_sql"] = hostile
    statements["cases"][0]["fingerprints"][0]["plan"] = [hostile]
    (tmp_path / "q.json").write_text(json.dumps(statements))
    result = roadbench(
        "report",
        str(tmp_path / "x.json"),
        "--html",
        str(tmp_path / "x.html"),
        "--queries",
        str(tmp_path / "q.json"),
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "x.html").read_text()
    assert "<script" not in text and "<img" not in text
    opened = browser.open(tmp_path / "x.html", 1440)
    assert opened.page.evaluate("window.rbtestOwned") is None
    shown = opened.page.locator("body").inner_text()
    assert shown.count(hostile) >= 5  # heading, method, warning, reason, URL, ...
    opened.page.close()


def test_a_comparison_of_every_design_weighs_under_a_megabyte(browser, tmp_path):  # noqa: F811
    page = tmp_path / "all.html"
    result = roadbench(
        "compare", "--options", "all", "--rows", "40", "--fast", "--html", str(page), timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert page.stat().st_size < 1_000_000
    opened = browser.open(page, 375)
    assert opened.errors == [] and overflow(opened.page) <= 0
    opened.page.close()


def test_a_diff_page_shows_each_change(browser, made, tmp_path, shots):  # noqa: F811
    again = tmp_path / "again.json"
    result = roadbench(
        "run", "--op", "select", "-o", "3", "-m", "naive", "--rows", ROWS, "--repeat", "5",
        "--save", str(again),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = tmp_path / "d.html"
    result = roadbench("diff", str(made / "r.json"), str(again), "--json", "--html", str(page))
    assert result.returncode == 0, result.stderr
    cases = json.loads(result.stdout)["cases"]
    _usable(browser, page, shots)
    opened = browser.open(page, 1440)
    shown = opened.page.evaluate(
        "[...document.querySelectorAll('td[data-field=change]')]"
        ".map(td => [td.dataset.case, td.dataset.value ?? null])"
    )
    assert len(shown) == len(cases) == 1
    assert _close(shown[0][1], cases[0]["change"])
    assert opened.page.locator(".badge").first.inner_text() == cases[0]["verdict"]
    opened.page.close()


PLUGIN = """
from django.db import models
from roadbench.designs.shapes import single_table, study_of


class Item(models.Model):
    name = models.CharField(max_length=100)
    count = models.IntegerField()
    weight = models.FloatField()

    class Meta:
        abstract = True


class Kind(models.Model):
    size = models.IntegerField()

    class Meta:
        abstract = True


STUDY = study_of("thing", {plural!r}, common=Item, types={{"kind": (Kind, 1)}})
OPTIONS = [single_table(STUDY, number=231, key="rbtest-xss")]
"""


def test_a_plugin_naming_its_entities_in_markup_is_shown_as_text(browser, tmp_path):  # noqa: F811
    """A plugin's study names what it stores (the page's title says it): markup there is
    text on the page, and its script never runs."""
    plural = "<script>window.rbtestOwned=1</script><img src=x onerror=window.rbtestOwned=2>"
    (tmp_path / "rbtest_xss.py").write_text(PLUGIN.format(plural=plural))
    script = Path(sys.executable).parent / "roadbench"
    result = subprocess.run(
        [str(script), "--plugin", "rbtest_xss", "compare", "--options", "rbtest-xss", "--ops",
         "select", "--rows", "20", "--fast", "--html", "x.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    opened = browser.open(tmp_path / "x.html", 1440)
    assert (
        opened.page.locator("h1").inner_text()
        == f"roadbench compare · few scale · 20 {plural} per design"
    )
    assert opened.page.evaluate("window.rbtestOwned") is None
    assert opened.errors == []
    opened.page.close()
