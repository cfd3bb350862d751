"""Instruction counts under valgrind: the op alone, repeatable, and a clear message without it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.api import run
from roadbench.measuring.measure import Timing

SCRIPT = str(Path(sys.executable).parent / "roadbench")
QUICK = Timing(warmup=0, repeat=1, loops=1)

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")


@needs_valgrind
@pytest.mark.slow
def test_counts_are_repeatable_and_grow_with_the_op():
    from roadbench.measuring.instructions import count

    keys = [(2, "create", "atomic", 10), (2, "create", "atomic", 40), (3, "create", "bulk", 10)]
    first, scope = count(keys)
    second, _ = count(keys)
    assert scope == "Django, the driver and SQLite itself (in-process)"
    small, large = first[keys[0]], first[keys[1]]
    assert small is not None and large is not None and second[keys[0]] is not None
    # Repeatable: the same op counted in two processes differs by far less than 0.5%.
    assert abs(second[keys[0]] - small) / small < 0.005
    # The op alone: 4 times the rows is close to 4 times the instructions (no fixed start-up).
    assert 3.0 < large / small < 4.5
    assert first[keys[2]] is None  # bulk_create on multi-table inheritance: unsupported


@needs_valgrind
@pytest.mark.slow
def test_run_reports_instructions_in_its_json():
    report = run(option=1, op="select", rows=10, timing=QUICK, instructions=True)
    (result,) = report.results
    assert result.instructions is not None and result.instructions > 10_000
    assert "SQLite itself" in (result.instructions_counted or "")


def test_without_valgrind_the_command_says_what_is_missing(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()  # a PATH with Python's own directory but no valgrind
    env = {"PATH": f"{Path(sys.executable).parent}:{bin_dir}", "HOME": str(tmp_path)}
    result = subprocess.run(
        [SCRIPT, "run", "-o", "1", "--op", "select", "--rows", "10", "--instructions"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 4, result.stderr
    assert result.stderr.strip().splitlines() == [
        "roadbench: error: --instructions needs valgrind (Debian/Ubuntu: apt-get install valgrind)"
    ]
    assert result.stdout == ""
