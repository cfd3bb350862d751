"""``--html`` on the command line: what it writes, and bad input refused in one line, exit 2,
with nothing written."""

from __future__ import annotations

import html
import json
import re
import shlex
from pathlib import Path

import pytest

from tests.cli.test_cli import roadbench


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("html-cli")
    result = roadbench(
        "run",
        "--op",
        "select",
        "-o",
        "1",
        "-m",
        "objects",
        "--rows",
        "20",
        "--fast",
        "--save",
        str(work / "r.json"),
    )
    assert result.returncode == 0, result.stderr
    return work / "r.json"


def _refused(result, *words: str) -> None:
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_report_writes_the_page_and_prints_nothing_else(saved, tmp_path):
    page = tmp_path / "r.html"
    result = roadbench("report", str(saved), "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == f"roadbench: wrote {page}"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and 'data-kind="run"' in text
    median = json.loads(saved.read_text())["results"][0]["median_s"]
    assert f'data-median="{median!r}"' in text


def test_report_prints_a_format_asked_for_beside_the_page(saved, tmp_path):
    result = roadbench("report", str(saved), "--html", str(tmp_path / "r.html"), "-f", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("option,") and (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--queries", "{saved}"], ["--queries goes with --html"]),
        (["--html", "{tmp}/r.txt"], ["--html", "must end in .html or .htm"]),
        (["--html", "{tmp}/none/r.html"], ["--html", "does not exist"]),
        (["--html", "{tmp}/r.html", "--queries", "{saved}"], ["--queries", "roadbench queries"]),
        (["--html", "{tmp}/r.html", "--profile", "{saved}"], ["--profile", "not an HTML page"]),
        (["--html", "{tmp}/r.html", "--profile", "{tmp}/gone.html"], ["no such file"]),
    ],
)
def test_report_refuses_bad_input_and_writes_nothing(saved, tmp_path, extra, words):
    args = [a.format(saved=saved, tmp=tmp_path) for a in extra]
    _refused(roadbench("report", str(saved), *args), *words)
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_an_html_path_before_any_work(tmp_path):
    result = roadbench(
        "run", "--op", "select", "-o", "1", "-m", "objects", "--html", str(tmp_path / "x.png")
    )
    _refused(result, "--html", ".html")
    assert "took" not in result.stdout and result.stdout == ""


def test_html_and_save_must_not_be_one_file(tmp_path):
    same = str(tmp_path / "r.html")
    result = roadbench("run", "--op", "select", "-o", "1", "--save", same, "--html", same)
    _refused(result, "the same file")


def test_the_command_on_the_page_runs_the_same_case_again(saved, tmp_path):
    page = tmp_path / "r.html"
    assert roadbench("report", str(saved), "--html", str(page)).returncode == 0
    text = page.read_text()
    command = html.unescape(
        re.search(r"<h3>Run it again</h3><pre><code>(.*?)</code></pre>", text, re.S).group(1)
    )
    args = shlex.split(command)
    assert args[:2] == ["roadbench", "run"]
    again = tmp_path / "again.json"
    result = roadbench(*args[1:], "--save", str(again))
    assert result.returncode == 0, result.stderr
    keys = ("option", "design", "op", "method", "rows", "repeat", "warmup")
    before = json.loads(saved.read_text())["results"][0]
    after = json.loads(again.read_text())["results"][0]
    assert {k: after[k] for k in keys} == {k: before[k] for k in keys}
