"""Ten real saved comparisons as a history: measured here (SQLite, 50 roads, the select op on
options 1 and 3: six cases), then given commits and commit dates, with a slowdown injected
from one commit and a changed query count from another. Built once per test session.

Every case's times in every run are its first run's real times, each value x a seeded jitter
within ±JITTER, and the slowed case's x 1.5 from SLOW_FROM on; the summary fields are recomputed
from them. While the suite runs beside others on a shared machine, one case's median moved by up
to ±60% from one run to the next here, which hid the step of 1.5 and made history find steps in
the other cases (the test became a test of the machine). The environment, plan, statuses and
query counts stay as measured in each run.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from roadbench.measuring.ab import merged

SCRIPT = str(Path(sys.executable).parent / "roadbench")
COMPARE = ["--rows", "50", "--options", "1,3", "--ops", "select", "--repeat", "6"]
RUNS = 10
SLOWED = (3, "select", "all_roads_naive")  # its times x 1.5 from SLOW_FROM on
SLOW_FROM = 5
SLOWED_NAME = "option 3 · select · all_roads_naive · 50 rows"
MORE_QUERIES = (1, "select", "objects")  # +2 queries from QUERIES_FROM on
QUERIES_FROM = 7
MORE_QUERIES_NAME = "option 1 · select · objects · 50 rows"
JITTER = 0.02  # a quiet machine's run-to-run spread, far below history's 10% minimum change


def commit(index: int) -> str:
    return f"{index:x}{'a1b2c3d4e5' * 4}"[:40]


@dataclass
class History:
    folder: Path
    commits: list[str]  # oldest first


_built: dict[str, History] = {}


def ten_runs(tmp_path_factory) -> History:
    if "history" in _built:
        return _built["history"]
    folder = tmp_path_factory.mktemp("history")
    (folder / "older").mkdir()
    first_times: dict[tuple[int, str, str], list[float]] = {}
    for index in range(RUNS):
        # As a user (or CI) makes them: the command, in a process of its own (which also keeps
        # Django out of any event loop the test process runs, as the browser tests' does).
        saved = folder / "measured.json"
        done = subprocess.run(
            [SCRIPT, "compare", *COMPARE, "--save", str(saved)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        data = json.loads(saved.read_text())
        saved.unlink()
        data["environment"]["git_commit"] = commit(index)
        data["environment"]["git_commit_date"] = f"2026-11-{index + 1:02d}T09:30:00+01:00"
        for position, case in enumerate(data["results"]):
            key = (case["option"], case["op"], case["method"])
            first = first_times.setdefault(key, case["times_s"])
            if not (first and case["times_s"]):
                continue  # a case that failed has no times to replace
            rng = random.Random(index * 1000 + position)
            slowed = 1.5 if key == SLOWED and index >= SLOW_FROM else 1.0
            times = [t * slowed * (1 + rng.uniform(-JITTER, JITTER)) for t in first]
            merged(case, times, case["cpu_times_s"])
            if key == MORE_QUERIES and index >= QUERIES_FROM:
                case["queries"] += 2
        # File names that sort against the commits' order, half of them in a subfolder (as a
        # branch of results keeps them): history orders by commit date, not by name.
        where = folder / "older" if index < RUNS // 2 else folder
        (where / f"run-{RUNS - index:02d}.json").write_text(json.dumps(data))
    (folder / "notes.json").write_text('{"note": "not a result"}')
    (folder / "README.md").write_text("results of the nightly job\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "packed.json").write_text("{}")
    _built["history"] = History(folder, [commit(i) for i in range(RUNS)])
    return _built["history"]
