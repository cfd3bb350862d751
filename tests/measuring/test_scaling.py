"""`roadbench scaling`: intervals and ties per point, as compare shows them, in the table and
the saved JSON; files saved before these fields existed still load."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from roadbench.errors import BadInput
from roadbench.measuring.stats import median_interval, relative_half_width
from roadbench.render.console import ratio_cell, ratio_lines, seconds_within
from roadbench.reports.saved import load_saved

SCRIPT = str(Path(sys.executable).parent / "roadbench")
# Exactly 6 rounds per size (--repeat alone): the fewest with a 95% order-statistic interval.
SMALL = ["--repeat", "6", "--warmup", "0"]
NEW_FIELDS = ("interval_s", "ratio", "ratio_ci", "rank", "unstable")


def scaling(
    tmp_path: Path, *args: str, op: str = "select", sizes: str = "4,8", columns: int = 120
) -> tuple[dict[str, Any], str]:
    """A real run on an embedded SQLite file: (the saved JSON, the table as printed)."""
    saved = tmp_path / "scaling.json"
    done = subprocess.run(
        [SCRIPT, "scaling", op, "--sizes", sizes, *SMALL, *args, "--save", str(saved)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    assert all(len(line) <= columns for line in done.stdout.splitlines())
    return json.loads(saved.read_text()), done.stdout


def words(text: str) -> str:
    """The text with its line breaks as spaces: the legend wraps at the console's width."""
    return " ".join(text.split())


def saved_before_the_intervals(path: Path, folder: Path) -> Path:
    """The scaling file at ``path`` as roadbench saved it before the intervals existed."""
    old = json.loads(path.read_text())
    for key in ("precision", "min_effect"):
        del old[key]
    for series in old["series"]:
        for point in series["points"]:
            for key in NEW_FIELDS:
                del point[key]
    old_file = folder / "old.json"
    old_file.write_text(json.dumps(old))
    return old_file


@pytest.fixture(scope="module")
def three_options(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    folder = tmp_path_factory.mktemp("scaling")
    data, table = scaling(folder)
    return data, table, folder / "scaling.json"


def test_every_point_has_its_interval_ratio_and_rank(three_options):
    data, table, _path = three_options
    assert data["precision"] == 0.05 and data["min_effect"] == 0.03
    assert [s["option"] for s in data["series"]] == [1, 2, 3]
    for size_index, rows in enumerate(data["sizes"]):
        points = {s["option"]: s["points"][size_index] for s in data["series"]}
        for option, point in points.items():
            assert point["rows"] == rows and point["status"] == "ok"
            low, high = point["interval_s"]
            assert 0 < low <= point["median_s"] <= high
            low, high = point["ratio_ci"]
            assert 0 < low <= point["ratio"] <= high
            width = relative_half_width(point["ratio_ci"], point["ratio"])
            assert point["unstable"] == (point["ratio"] != 1.0 and width > data["precision"])
            # What the table shows: the figures, whole, in the option's cell.
            assert seconds_within(point["median_s"], point["interval_s"]) in table, option
            # The ratio, then its interval as it is (under it: the column stays narrow).
            shown = ratio_lines(point["ratio"], point["ratio_ci"], point["unstable"])
            assert all(line in table for line in shown)
            if point["ratio"] != 1.0:
                assert shown[1] == f"({low:.2f}–{high:.2f})"
        ranks = sorted(p["rank"] for p in points.values())
        # One fastest and the others slower, or two or more tied (and the rest slower).
        counts = (ranks.count("fastest"), ranks.count("tied"))
        assert counts == (1, 0) or (counts[0] == 0 and counts[1] >= 2), ranks
        # The reference of the paired ratios is 1 exactly, and it is never slower.
        reference = [p for p in points.values() if p["ratio"] == 1.0]
        assert reference and all(p["rank"] != "slower" for p in reference)
        fastest = [n for n, p in points.items() if p["rank"] == "fastest"]
        tied = [n for n, p in points.items() if p["rank"] == "tied"]
        verdict = str(fastest[0]) if fastest else "tie " + ",".join(map(str, tied))
        assert any(f"│ {rows:>7,} │" in line and verdict in line for line in table.splitlines())
    assert "median of per-round ratios with its 95% interval (low–high)" in words(table)
    assert "~ = the ratio (alone at a size: the time) is less precise than ±5%" in words(table)


def test_one_option_shows_its_time_interval(tmp_path):
    data, table = scaling(tmp_path, "-o", "2", "--precision", "50")
    (series,) = data["series"]
    for point in series["points"]:
        assert point["ratio"] is None and point["rank"] is None
        low, high = point["interval_s"]
        assert 0 < low <= point["median_s"] <= high
        width = relative_half_width(point["interval_s"], point["median_s"])
        assert point["unstable"] == (width > 0.5)
        shown = seconds_within(point["median_s"], point["interval_s"])
        assert (shown + " ~" if point["unstable"] else shown) in table
    assert "time = median ± half its 95% interval" in words(table)
    assert "~ = the time is less precise than ±50%" in words(table)
    assert "fastest" not in table


def test_two_designs_are_measured_side_by_side_and_judged(tmp_path):
    # -o 2,sibling: exactly those two (before, -o took one design and -o 2 -o 3 kept the last).
    data, table = scaling(tmp_path, "-o", "2,sibling", "--precision", "50")
    assert [s["option"] for s in data["series"]] == [2, 4]
    for size_index in range(len(data["sizes"])):
        points = [s["points"][size_index] for s in data["series"]]
        assert all(p["status"] == "ok" and p["ratio"] is not None for p in points)
        assert min(p["ratio"] for p in points) == 1.0
    assert "option 2" in table and "option 4" in table and "option 3" not in table


def test_the_interval_is_compare_s_order_statistic_interval():
    times = [0.010, 0.012, 0.011, 0.013, 0.030, 0.009]
    assert median_interval(times) == (0.009, 0.030)  # 6 values: the whole range
    assert seconds_within(0.0115, [0.009, 0.030]) == "11.5 ±10.5 ms"
    assert seconds_within(2.5, [2.4, 2.7]) == "2.50 ±0.15 s"
    assert seconds_within(0.0004, [0.0003, 0.0005]) == "400 ±100 µs"


def test_a_scaling_file_saved_before_the_intervals_still_loads(three_options, tmp_path):
    data, _table, path = three_options
    assert load_saved(path, ("scaling",))["series"] == data["series"]
    old_file = saved_before_the_intervals(path, tmp_path)
    assert load_saved(old_file, ("scaling",))["series"][0]["points"][0]["rows"] == 4


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("interval_s", "wide", "series[0].points[0].interval_s: expected a list"),
        ("interval_s", [0.1, None], "series[0].points[0].interval_s[1]: expected a number"),
        ("ratio", "1.2", "series[0].points[0].ratio: expected a number"),
        ("unstable", 1, "series[0].points[0].unstable: expected true or false"),
        ("rank", 3, "series[0].points[0].rank: expected a string"),
    ],
)
def test_a_malformed_interval_is_refused(three_options, tmp_path, field, value, words):
    broken = json.loads(three_options[2].read_text())
    broken["series"][0]["points"][0][field] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    with pytest.raises(BadInput, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_saved(bad, ("scaling",))


@pytest.mark.parametrize("columns", [60, 80])
def test_four_designs_are_split_into_tables_that_fit(tmp_path, columns):
    # Before, at 80 columns the table ran past the edge (the verdicts cut off, 'queries' cut to
    # 'quer…'), and at 60 the sizes' column vanished and the times were cut ('30.1 ±4.6…').
    # Creating 20 and 40 roads takes milliseconds: figures such as '28.1 ±3.4 ms'.
    data, table = scaling(
        tmp_path, "-o", "1,2,3,4", "--precision", "50", op="create", sizes="20,40", columns=columns
    )
    lines = table.splitlines()
    headers = [line for line in lines if line.startswith("┃    rows ┃")]
    assert len(headers) >= 2 and all(line.split("┃")[-2].strip() == "fastest" for line in headers)
    # Each option in exactly one of the tables, in order.
    shown = [word for line in headers for word in line.split("┃") if "option" in word]
    assert [w.strip() for w in shown] == ["option 1", "option 2", "option 3", "option 4"]
    for size_index, rows in enumerate(data["sizes"]):
        points = [s["points"][size_index] for s in data["series"]]
        for point in points:
            # Every figure whole, on one line: not wrapped as '343' above 'µs'.
            assert seconds_within(point["median_s"], point["interval_s"]) in table
            # The ratio, then its interval as it is (under it: the column stays narrow).
            shown = ratio_lines(point["ratio"], point["ratio_ci"], point["unstable"])
            assert all(line in table for line in shown)
        # The size's line, in every table, with the verdict.
        ranks = {s["option"]: p["rank"] for s, p in zip(data["series"], points, strict=True)}
        fastest = [n for n, rank in ranks.items() if rank == "fastest"]
        tied = [n for n, rank in ranks.items() if rank == "tied"]
        verdict = str(fastest[0]) if fastest else "tie " + ",".join(map(str, tied))
        sized = [line for line in lines if line.startswith(f"│ {rows:>7,} │")]
        assert len(sized) == len(headers) and all(verdict in line for line in sized)
    assert sum(line.startswith("│ k (fit) │") for line in lines) == len(headers)
    assert sum(line.startswith("│ queries │") for line in lines) == len(headers)
    assert "time ∝ rows^k: k = 1 grows linearly, k > 1 faster than the rows" in words(table)


def test_a_title_wider_than_the_table_stands_whole_above_it(tmp_path):
    # Before, it wrapped at the one-design table's width, over three lines: 'roadbench scaling ·',
    # 'delete ·', 'delete-mti-fk-once'.
    _data, table = scaling(tmp_path, "-o", "3", "-m", "delete-mti-fk-once", op="delete", columns=80)
    lines = table.splitlines()
    assert lines[0] == "roadbench scaling · delete · delete-mti-fk-once"
    assert lines[1].startswith("┏") and "roadbench scaling" not in table[len(lines[0]) :]


def report(*args: str, columns: int = 120) -> subprocess.CompletedProcess[str]:
    """`roadbench report ...` in a process of its own, as a user runs it."""
    return subprocess.run(
        [SCRIPT, "report", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"},
    )


def test_report_shows_a_saved_scaling_as_scaling_printed_it(three_options):
    # Before, report refused a scaling file: "holds a 'scaling' result ...", exit 2.
    _data, table, path = three_options
    shown = report(str(path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == table  # the same figures, tables and legend, at the same width
    narrow = report(str(path), columns=60)
    assert narrow.returncode == 0 and "…" not in narrow.stdout
    assert all(len(line) <= 60 for line in narrow.stdout.splitlines())


@pytest.mark.parametrize("flags", [["--json"], ["-f", "json"]])
def test_report_of_a_scaling_file_gives_back_its_json(three_options, flags):
    data, _table, path = three_options
    shown = report(str(path), *flags)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == data


def test_report_of_a_scaling_file_as_markdown_and_csv(three_options):
    import csv
    import io

    data, _table, path = three_options
    markdown = report(str(path), "-f", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert "| Rows | Option 1 | Option 2 | Option 3 | Fastest |" in markdown.stdout
    for size_index, rows in enumerate(data["sizes"]):
        (line,) = [x for x in markdown.stdout.splitlines() if x.startswith(f"| {rows:,} |")]
        for series in data["series"]:
            point = series["points"][size_index]
            cell = " · ".join(
                [
                    ratio_cell(point["ratio"], point["ratio_ci"], point["unstable"]),
                    seconds_within(point["median_s"], point["interval_s"]),
                    f"{point['queries']} q",
                ]
            )
            assert f"| {cell} |" in line
    assert "time ∝ rows^k" in markdown.stdout

    table = report(str(path), "-f", "csv")
    assert table.returncode == 0, table.stderr
    lines = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(lines) == len(data["sizes"]) * len(data["series"])
    for line in lines:
        (series,) = [s for s in data["series"] if s["option"] == int(line["option"])]
        (point,) = [p for p in series["points"] if p["rows"] == int(line["rows"])]
        assert float(line["median_s"]) == pytest.approx(point["median_s"], rel=1e-5)
        assert float(line["median_low_s"]) == pytest.approx(point["interval_s"][0], rel=1e-5)
        assert float(line["ratio"]) == pytest.approx(point["ratio"], rel=1e-3)
        assert line["rank"] == point["rank"] and int(line["queries"]) == point["queries"]


@pytest.mark.parametrize("fmt", ["github-benchmark", "github-benchmark-rows"])
def test_report_refuses_a_format_a_scaling_file_cannot_take(three_options, fmt):
    shown = report(str(three_options[2]), "-f", fmt)
    assert shown.returncode == 2 and shown.stdout == ""
    assert shown.stderr.splitlines() == [
        f"roadbench: error: a scaling result cannot be shown as {fmt}; "
        "choose one of table, json, markdown, csv"
    ]


def test_report_of_a_scaling_file_saved_before_the_intervals(three_options, tmp_path):
    from roadbench.render.console import seconds

    data, _table, path = three_options
    old_file = saved_before_the_intervals(path, tmp_path)
    shown = report(str(old_file))
    assert shown.returncode == 0, shown.stderr
    for series in data["series"]:
        for point in series["points"]:
            assert seconds(point["median_s"]) in shown.stdout  # its median, no interval
    # No ratios or verdicts were saved: no column of blanks, no legend claiming them.
    assert "fastest" not in shown.stdout and "±" not in shown.stdout
    assert "time = median (saved without its interval)" in words(shown.stdout)
    for fmt in ("markdown", "csv", "json"):
        assert report(str(old_file), "-f", fmt).returncode == 0, fmt


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("a series a point short", "series[1].points: one per size (2), in the order of sizes"),
        ("a series of no points", "series[0].points: one per size (2), in the order of sizes"),
        ("points in another order", "series[0].points: one per size (2), in the order of sizes"),
        ("no sizes", "sizes: no size at all"),
        ("a size of 0", "sizes: every size must be more than 0"),
        ("an interval of one bound", "series[0].points[0].interval_s: expected [low, high]"),
        ("a ratio interval of three", "series[2].points[1].ratio_ci: expected [low, high]"),
    ],
)
def test_a_scaling_file_whose_points_do_not_fit_its_sizes_is_refused(
    three_options, tmp_path, broken, problem
):
    # Before, report (table, markdown, csv) ended in 'internal error: IndexError', exit 1, and
    # chart drew what it could or failed on unpacking the interval.
    data, _table, _path = three_options
    bad = json.loads(json.dumps(data))
    if broken == "a series a point short":
        del bad["series"][1]["points"][-1]
    elif broken == "a series of no points":
        bad["series"][0]["points"] = []
    elif broken == "points in another order":
        bad["series"][0]["points"].reverse()
    elif broken == "no sizes":
        bad["sizes"] = []
    elif broken == "a size of 0":
        bad["sizes"][0] = 0
        for series in bad["series"]:
            series["points"][0]["rows"] = 0
    elif broken == "an interval of one bound":
        bad["series"][0]["points"][0]["interval_s"] = [0.001]
    else:
        bad["series"][2]["points"][1]["ratio_ci"] = [1.0, 1.1, 1.2]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    expected = f"roadbench: error: {path} is not a valid roadbench scaling result: {problem}"
    for fmt in ("table", "csv"):
        shown = report(str(path), "-f", fmt)
        assert (shown.returncode, shown.stdout) == (2, ""), shown.stderr
        assert shown.stderr.splitlines() == [expected]
    with pytest.raises(BadInput, match=re.escape(problem)):
        load_saved(path, ("scaling",))


def test_markdown_keeps_a_row_per_line_when_a_saved_text_has_line_breaks(three_options, tmp_path):
    # Before, a text with a line break (a hand-edited or foreign file) ended its markdown row
    # midway: the next line had fewer cells than the header. (A status is one of ok and
    # unsupported since, issue 19: its free text is the query growth's.)
    data, _table, _path = three_options
    edited = json.loads(json.dumps(data))
    point = edited["series"][2]["points"][1]
    point.update(median_s=None, queries=None, status="unsupported", interval_s=None)
    point.update(ratio=None, ratio_ci=None, rank=None, unstable=False)
    edited["series"][0]["query_growth"] = "per-row\nper-batch"
    edited["series"][1]["query_growth"] = "error: a|b\nc"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited))
    shown = report(str(path), "-f", "markdown")
    assert shown.returncode == 0, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(edited["sizes"]) + 2  # header, rule, the sizes, k and queries
    cells = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
    assert len(cells) == 1 and all(row.endswith("|") for row in rows)
    assert "| error: a\\|b c |" in shown.stdout and "| per-row per-batch |" in shown.stdout
