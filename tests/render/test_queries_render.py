"""`roadbench queries` side by side, as a user reads it at 80 columns: whole headers, one line
per design, and an unsupported case's whole reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).parent / "roadbench")
HEADERS = ("design", "queries", "per row", "shapes", "N+1", "duplicates", "db time")


def queries(*args: str, columns: int) -> str:
    done = subprocess.run(
        [SCRIPT, "queries", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_the_summary_fits_with_every_header_whole(columns):
    out = queries("create", "-m", "bulk", "-o", "1,2,3", "-n", "20", columns=columns)
    assert "roadbench queries · create · bulk · 20 rows" in out
    assert "…" not in out
    header = next(line for line in out.splitlines() if "design" in line)
    assert all(f" {h} " in header for h in HEADERS), header
    assert all(len(line) <= columns for line in out.splitlines())
    rows = {
        line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│ option")
    }
    assert list(rows) == ["option 1", "option 2", "option 3"]
    assert "unsupported" in rows["option 3"]
    # The reason follows the table, whole (joined: it wraps at the console's width).
    joined = " ".join(out.split())
    assert (
        "option 3 · create · bulk: unsupported: Django: Can't bulk create a multi-table "
        "inherited model" in joined
    )
