"""--memory: a pass of its own after the timed values, with two peaks per case."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from roadbench.api import run
from roadbench.cli.app import app
from roadbench.measuring.measure import Timing
from roadbench.measuring.memory import trace_memory

ONE = Timing(warmup=0, repeat=1, loops=1)


def test_trace_memory_sees_what_the_block_allocates():
    with trace_memory() as peak:
        block = bytearray(8 * 2**20)
        del block
    assert peak.python_bytes >= 8 * 2**20
    assert peak.rss_bytes is not None and peak.rss_bytes > 0


def test_objects_cost_more_memory_than_values_list(database_url):
    peaks = {}
    for method in ("objects", "values_list"):
        report = run(1, "select", method, 4000, ONE, database=database_url, memory=True)
        (result,) = report.results
        assert result.ok and len(result.times_s) == 1  # the memory pass is not a value
        peaks[method] = result.memory_peak_bytes
        assert result.rss_peak_bytes and result.rss_peak_bytes > 0
    assert peaks["objects"] > peaks["values_list"] > 0


def test_without_memory_the_fields_are_empty(database_url):
    (result,) = run(1, "select", "objects", 20, ONE, database=database_url).results
    assert result.memory_peak_bytes is None and result.rss_peak_bytes is None


def test_cli_memory_in_json_and_table(tmp_path):
    saved = tmp_path / "run.json"
    args = ["run", "-o", "3", "--op", "create", "-m", "bulk-mti", "-n", "200", "--repeat", "1"]
    result = CliRunner().invoke(app, [*args, "--warmup", "0", "--memory", "--save", str(saved)])
    assert result.exit_code == 0, result.output
    assert "python peak" in result.output and "MiB" in result.output
    (case,) = json.loads(saved.read_text())["results"]
    assert case["memory_peak_bytes"] > 0 and case["rss_peak_bytes"] > 0


def test_compare_memory_fills_every_case_and_shows_it():
    from roadbench.api import compare
    from roadbench.render.console import comparison_table

    report = compare(rows=20, timing=ONE, options=[1, 3], memory=True)
    measured = [r for r in report.results if r.ok]
    assert measured and all(r.memory_peak_bytes and r.rss_peak_bytes for r in measured)
    assert all(len(r.times_s) == 1 for r in measured)  # the memory pass is not a value
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(comparison_table(report))
    shown = console.export_text()
    from roadbench.render.console import byte_size

    # 20 roads: each cell's python peak in the unit that fits, not "py 0.0 MiB".
    assert all(f"py {byte_size(r.memory_peak_bytes)}" in shown for r in measured)
    assert "0.0 MiB" not in shown


def test_byte_size_picks_the_unit_that_fits():
    from roadbench.render.console import byte_size

    assert byte_size(None) == "—" and byte_size(None, missing="") == ""
    assert byte_size(0) == "0 B"
    assert byte_size(1023) == "1,023 B"
    assert byte_size(1024) == "1.0 KiB"
    assert byte_size(42_189) == "41.2 KiB"
    # Rounded to 1,024.0 KiB it is the next unit: never '1,024.0 KiB'.
    assert byte_size(2**20 - 10) == "1.0 MiB"
    assert byte_size(70_988_800) == "67.7 MiB"
    assert byte_size(3 * 2**30 // 2) == "1.5 GiB"
    assert byte_size(5 * 2**40) == "5,120.0 GiB"  # the largest unit


def test_a_small_run_shows_its_python_peak_in_kib_not_0_0_mib(tmp_path):
    # Before, a 20-road select showed 'python peak 0.0 MiB' in the table and markdown.
    import os
    import subprocess
    import sys
    from pathlib import Path

    from roadbench.render.console import byte_size

    script = str(Path(sys.executable).parent / "roadbench")
    saved = tmp_path / "run.json"
    args = ["run", "-o", "1", "--op", "select", "-n", "20", "--repeat", "2", "--warmup", "0"]
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    done = subprocess.run(
        [script, *args, "--memory", "--save", str(saved)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    (case,) = json.loads(saved.read_text())["results"]
    python, rss = case["memory_peak_bytes"], case["rss_peak_bytes"]
    assert 0 < python < 2**20, python  # a small run's own allocations: well under a MiB
    assert byte_size(python).endswith((" B", " KiB"))
    (line,) = [line for line in done.stdout.splitlines() if "python peak" in line]
    assert byte_size(python) in line and "0.0 MiB" not in done.stdout
    assert any("rss peak" in line and byte_size(rss) in line for line in done.stdout.splitlines())
    # The same figures in markdown; csv keeps the bytes, its header says so.
    markdown = subprocess.run(
        [script, "report", str(saved), "-f", "markdown"], capture_output=True, text=True, env=env
    ).stdout
    assert f"| {byte_size(python)} | {byte_size(rss)} |" in markdown
    header, row = subprocess.run(
        [script, "report", str(saved), "-f", "csv"], capture_output=True, text=True, env=env
    ).stdout.splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["memory_peak_bytes"] == str(python) and values["rss_peak_bytes"] == str(rss)
