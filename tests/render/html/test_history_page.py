"""The history page as a person sees it: ten real saved comparisons (one slowed from a given
commit, one with more queries from another, see tests/reports/history_runs.py), opened in a
real headless Chromium: no console error, usable at 375 and 1440 pixels, the figures drawn
are the JSON's, and the steps are marked at their commits and nowhere else."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.reports.history_runs import (
    MORE_QUERIES_NAME,
    QUERIES_FROM,
    SLOW_FROM,
    SLOWED_NAME,
    ten_runs,
)
from tests.reports.test_history import roadbench

from .browser import WIDTHS, artifacts_dir, broken_links, browser, overflow  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_and_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    runs = ten_runs(tmp_path_factory)
    out = tmp_path_factory.mktemp("history-page") / "history.html"
    done = roadbench("history", str(runs.folder), "--html", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stderr
    return out, json.loads(done.stdout)


def test_the_history_page_marks_the_steps_and_draws_the_jsons_figures(
    browser,  # noqa: F811
    page_and_json,
    tmp_path_factory,
):
    path, data = page_and_json
    shots = artifacts_dir(tmp_path_factory)
    for width in WIDTHS:
        opened = browser.open(path, width)
        try:
            assert opened.errors == []
            assert overflow(opened.page) <= 0, f"the page scrolls sideways at {width} px"
            assert broken_links(opened.page) == []
            opened.page.screenshot(path=str(shots / f"history-{width}.png"), full_page=True)
        finally:
            opened.page.close()

    opened = browser.open(path, 1440)
    page = opened.page
    try:
        steps = page.evaluate(
            "[...document.querySelectorAll('li.step')].map(li => ({"
            "case: li.closest('[data-case]').dataset.case, kind: li.dataset.kind,"
            "run: +li.dataset.run, commit: li.dataset.commit, change: +li.dataset.change,"
            "text: li.textContent}))"
        )
        expected = {
            (case["name"], step["kind"]): step for case in data["cases"] for step in case["steps"]
        }
        assert (
            {(s["case"], s["kind"]) for s in steps}
            == set(expected)
            == {
                (SLOWED_NAME, "time"),
                (MORE_QUERIES_NAME, "queries"),
            }
        )
        for shown in steps:
            step = expected[shown["case"], shown["kind"]]
            assert shown["run"] == step["run"] and shown["commit"] == step["commit"]
            assert math.isclose(shown["change"], step["change"], rel_tol=1e-12)
            assert step["text"] in shown["text"]
        commits = [run["commit"] for run in data["runs"]]
        assert expected[SLOWED_NAME, "time"]["commit"] == commits[SLOW_FROM]
        assert expected[MORE_QUERIES_NAME, "queries"]["commit"] == commits[QUERIES_FROM]

        # One marker per step, on its own case's chart, just before the step's run.
        markers = page.evaluate(
            "[...document.querySelectorAll('g.marker')].map(g => ({"
            "case: g.closest('[data-case]').dataset.case, x: +g.dataset.x}))"
        )
        assert sorted((m["case"], m["x"]) for m in markers) == sorted(
            [(SLOWED_NAME, SLOW_FROM - 0.5), (MORE_QUERIES_NAME, QUERIES_FROM - 0.5)]
        )

        # Each case's medians, run by run, as the JSON has them.
        drawn = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('[data-case]')].map(c => [c.dataset"
            ".case, [...c.querySelectorAll('g.series[data-series=median] circle')].map(d => "
            "[+d.dataset.x, +d.dataset.y])]))"
        )
        assert len(drawn) == len(data["cases"]) == 6
        for case in data["cases"]:
            points = [[p["run"], p["median_s"]] for p in case["points"] if p["median_s"]]
            assert drawn[case["name"]] == points
        # The summary table says the same as the JSON, case by case.
        summary = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#changes tbody tr')].map(tr =>"
            " [tr.querySelector('th').textContent, +tr.querySelector('[data-steps]')"
            ".dataset.steps]))"
        )
        assert summary == {case["name"]: len(case["steps"]) for case in data["cases"]}
        assert opened.errors == []
    finally:
        page.close()
