"""`roadbench doctor` and `roadbench cleanup --dry-run` as a user reads them at 60 and 80
columns: a database's URL and a leftover's path whole, folded onto the next line when longer
than their column (they were cut: '/tmp/w80/a_rather_long_d…')."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from roadbench.database.ownership import hold_directory
from tests.render.printed import printed


def roadbench(*args: str, columns: int, temp: Path) -> str:
    """The command's stdout, with ``temp`` as its temporary directory (where leftovers are)."""
    out = printed(*args, columns=columns, env={"TMPDIR": str(temp)})
    assert "…" not in out
    assert all(len(line) <= columns for line in out.splitlines()), out
    return out


def rows(out: str) -> dict[str, list[str]]:
    """Each table row by its first cell: its other cells, each one's lines run together (a
    folded path has no spaces to put back)."""
    found: dict[str, list[str]] = {}
    row: list[str] = []
    for line in out.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.split("│")[1:-1]]
            if cells[0]:
                row = found.setdefault(cells[0], ["" for _ in cells[1:]])
            for i, cell in enumerate(cells[1:]):
                row[i] += cell
    return found


@pytest.fixture
def long_temp(tmp_path: Path) -> tuple[Path, Path]:
    """A temporary directory with a long name, holding a killed run's directory (marked, its
    lock held by nobody)."""
    temp = tmp_path / ("a_temporary_directory_with_a_rather_long_name_" * 2).rstrip("_")
    leftover = temp / "roadbench_leftover_of_a_killed_run"
    leftover.mkdir(parents=True)
    os.close(hold_directory(leftover))  # as its process's death would
    return temp, leftover


@pytest.mark.parametrize("columns", [60, 80])
def test_doctor_shows_the_url_and_leftovers_whole(long_temp, columns):
    temp, leftover = long_temp
    url = f"sqlite:///{temp}/bench.sqlite3"
    shown = rows(roadbench("doctor", "-d", url, columns=columns, temp=temp))
    assert shown["url"] == [url]
    assert shown["leftovers"] == [f"directory{leftover}"]
    assert shown["connect"] == ["ok"]


def columns_text(out: str) -> list[str]:
    """Each table column's cells run together, top to bottom (for a table whose rows fold)."""
    found: list[str] = []
    for line in out.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.split("│")[1:-1]]
            found = found or ["" for _ in cells]
            for i, cell in enumerate(cells):
                found[i] += cell
    return found


@pytest.mark.parametrize("columns", [60, 80])
def test_cleanup_dry_run_shows_each_leftover_whole(long_temp, columns):
    temp, leftover = long_temp
    out = roadbench("cleanup", "--dry-run", columns=columns, temp=temp)
    # Too narrow for four columns beside a long path: the kind above the name, what it holds
    # above the status.
    kind_and_name, holds_and_status = columns_text(out)
    assert kind_and_name == f"directory{leftover}"  # a path has no spaces to put back
    assert holds_and_status.replace(" ", "") == "0files,0Bwouldberemoved"
    title = out[: out.index("┏")]
    expected = (
        "roadbench cleanup --dry-run · embedded SQLite (temporary file) · temporary files in "
        f"{temp}"
    )
    assert "".join(title.split()) == "".join(expected.split())
    assert leftover.exists()


def test_cleanup_with_nothing_left_says_so(tmp_path):
    out = roadbench("cleanup", "--dry-run", columns=60, temp=tmp_path)
    expected = (
        "roadbench cleanup --dry-run · embedded SQLite (temporary file) · temporary files in "
        f"{tmp_path} nothing left behind"
    )
    assert "".join(out.split()) == "".join(expected.split())
