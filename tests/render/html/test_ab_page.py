"""The page of a combined A/B (``ab --html``, ``report --html`` of its file): a real ``ab``
on two revisions of a tiny plugin (its sources on PYTHONPATH, ``--no-install``), opened in
a real headless Chromium; the ratios, intervals and per-round ratios on the page are the
JSON's, read back from the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import roadbench
from tests.measuring.test_ab import RUN, _ab, make_plugin_repo

from .browser import WIDTHS, artifacts_dir, broken_links, browser, overflow  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ab --save --html`` of a revision that pauses 250 ms per call against its base."""
    work = tmp_path_factory.mktemp("ab-html")
    repo = make_plugin_repo(work / "project")
    done = _ab(
        repo,
        work / "cache",
        *("--base", "HEAD~1", "--head", "HEAD", "--no-install"),
        *("--save", str(work / "ab.json"), "--html", str(work / "ab.html")),
        *RUN,
        "--repeat",
        "6",
    )
    assert done.returncode == 0, done.stderr
    assert f"roadbench: wrote {work / 'ab.html'}" in done.stderr.splitlines()
    return work


def _read(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => ({
              ratios: [...document.querySelectorAll('td[data-field="ratio"]')].map(td => ({
                side: td.dataset.side, value: td.dataset.value,
                drawn: td.querySelector('svg') && td.querySelector('svg').dataset.ratio,
                low: td.querySelector('rect') && td.querySelector('rect').dataset.low,
                high: td.querySelector('rect') && td.querySelector('rect').dataset.high})),
              intervals: [...document.querySelectorAll('td[data-field="interval"]')].map(
                td => [td.dataset.low, td.dataset.high]),
              verdicts: [...document.querySelectorAll('td[data-field="verdict"]')].map(
                td => td.textContent),
              rounds: [...document.querySelectorAll('figure[data-side] circle')].map(
                c => c.dataset.value),
              cards: [...document.querySelectorAll('.case[id^="env-"]')].map(d => d.id),
              title: document.title,
            })"""
        )
    )


@pytest.mark.parametrize("source", ["ab", "report"])
def test_the_page_shows_the_jsons_ratios(made, browser, tmp_path_factory, source):  # noqa: F811
    saved = json.loads((made / "ab.json").read_text())
    section = saved["ab"]
    page_path = made / "ab.html"
    if source == "report":  # the same file's page, written again by report
        page_path = made / "again.html"
        done = roadbench("report", str(made / "ab.json"), "--html", str(page_path))
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == f"roadbench: wrote {page_path}" and done.stdout == ""
    (case,) = section["cases"]
    assert case["verdict"] == "slower" and len(case["per_round"]) == 6
    for width in WIDTHS:
        opened = browser.open(page_path, width)
        try:
            assert opened.errors == []
            assert overflow(opened.page) == 0, f"scrolls sideways at {width} px"
            assert broken_links(opened.page) == []
            shown = _read(opened.page)
            shot = artifacts_dir(tmp_path_factory) / f"ab-{source}-{width}.png"
            opened.page.screenshot(path=str(shot), full_page=True)
        finally:
            opened.page.close()
        head = section["sides"][1]["label"]
        assert shown["ratios"] == [
            {
                "side": head,
                "value": repr(case["ratio"]),
                "drawn": repr(case["ratio"]),
                "low": repr(case["interval"][0]),
                "high": repr(case["interval"][1]),
            }
        ]
        assert shown["intervals"] == [[repr(v) for v in case["interval"]]]
        assert shown["verdicts"] == ["slower"]
        assert shown["rounds"] == [repr(v) for v in case["per_round"]]
        # Every environment's own case, each card with an id of its own.
        assert len(shown["cards"]) == 2 and len(set(shown["cards"])) == 2
        assert shown["title"].startswith("roadbench ab run")


def test_what_came_from_the_file_is_escaped(made, tmp_path):
    data = json.loads((made / "ab.json").read_text())
    label = '<img src=x onerror="alert(1)">'
    data["ab"]["sides"][1]["label"] = label
    data["ab"]["cases"][0]["side"] = label
    (tmp_path / "odd.json").write_text(json.dumps(data))
    done = roadbench("report", str(tmp_path / "odd.json"), "--html", str(tmp_path / "odd.html"))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "odd.html").read_text()
    assert "<img" not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text


def test_ab_and_matrix_refuse_an_html_path_before_any_work(tmp_path):
    run = ["run", "-o", "1", "--op", "select", "--rows", "20"]
    ab = ["ab", "--base", "HEAD", "--repo", str(tmp_path)]
    done = roadbench(*ab, "--html", str(tmp_path / "x.png"), *run)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "--html" in done.stderr and ".html" in done.stderr and "Traceback" not in done.stderr
    out = tmp_path / "out"
    for html in (tmp_path / "none" / "m.html", tmp_path / "m.txt"):
        matrix = ["matrix", "--django", "5.2", "--save-dir", str(out)]
        done = roadbench(*matrix, "--html", str(html), *run)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "--html" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing made: no worktree, no venv, no page
    # Given to the wrapped run, it is still refused, with the way out.
    done = roadbench(*ab, *run, "--html", str(tmp_path / "m.html"))
    assert done.returncode == 2 and "give --html to ab, before run" in done.stderr
