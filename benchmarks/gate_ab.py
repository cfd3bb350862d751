"""The `roadbench ab` gate for benchmarks/gate.py: a temporary git repository holding a small
plugin op, one commit per injected change, each measured against the base by the real `ab`
command (``--no-install``: each revision's source on PYTHONPATH of this Python, as
tests/measuring/test_ab.py does), and the exit codes kept."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

# The checkout's root, for the git repository builder the tests use too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.plugin_repo import build_plugin_repo, count_op_plugin, git

ROADBENCH = [sys.executable, "-m", "roadbench"]
MODULE = "rbbench_gateop"

# Two cases (options 1 and 2, one method): each pauses a whole number of 20 ms units and then
# counts the roads of each type (the same statements whatever the pause, so that only the time
# rules can catch a time injection). The pauses are most of a case's time (the counts take
# about 2 ms at 20 rows): x3 = three times every case's pauses, +50% = option 2's two units
# become three, so the cases themselves change a little less (about x2.8 and +45%).
PLUGIN = count_op_plugin(
    "gatecount",
    "count (gate benchmark)",
    """
PAUSES = {1: 1, 2: 2}
EXTRA_QUERY = False


def count(option, rows):
    time.sleep(0.02 * PAUSES[option.number])
    found = sum(option.queryset(t).count() for t in ROAD_TYPES)
    if EXTRA_QUERY and option.number == 2:  # one statement of a shape the base never runs
        option.queryset(ROAD_TYPES[0]).order_by("-pk").exists()
    return found
""",
)

# injection: (the assignment that makes the change, or None for A/A; the --fail-on rules; the
# case a catch must name, or None). ab commits the assignment appended to PLUGIN; the matrix
# gate (gate_matrix.py) applies it under Django 6.1 only.
TIME_RULES = ["--fail-on", "time:10%", "--fail-on", "queries:+0"]
INJECTIONS: dict[str, tuple[str | None, list[str], str | None]] = {
    "A/A": (None, [*TIME_RULES, "--fail-on", "shape"], None),
    "x3 everything": ("PAUSES = {1: 3, 2: 6}", TIME_RULES, "option 1 · gatecount"),
    "one case +50%": ("PAUSES = {1: 1, 2: 3}", TIME_RULES, "option 2 · gatecount"),
    "extra statement shape": ("EXTRA_QUERY = True", ["--fail-on", "shape"], "option 2 · gatecount"),
}


def plugin_source(change: str | None, only_under: str | None = None) -> str:
    """PLUGIN with ``change`` applied, everywhere or only where ``only_under`` (a Python
    condition, e.g. ``django.VERSION[:2] >= (6, 1)``) holds."""
    if change is None:
        return PLUGIN
    if only_under is None:
        return f"{PLUGIN}\n{change}\n"
    return f"{PLUGIN}\nimport django\n\nif {only_under}:\n    {change}\n"


def plugin_repo(folder: Path) -> tuple[Path, str, dict[str, str]]:
    """The repository, its base commit, and one commit per injection (each a child of the
    base; A/A's is an empty commit, so that both sides are revisions of their own)."""
    repo = folder / "gate-project"
    revisions = {name: plugin_source(change) for name, (change, _r, _c) in INJECTIONS.items()}
    base, commits = build_plugin_repo(repo, MODULE, PLUGIN, revisions)
    git(repo, "checkout", "-q", "--detach", base)
    return repo, base, commits


def ab_gate(folder: Path, args: argparse.Namespace) -> dict[str, list[tuple[int, bool]]]:
    """``args.pairs`` `ab` sessions per injection: (exit code, whether a failure named the
    injected case) each."""
    repo, base, commits = plugin_repo(folder / f"ab-{os.getpid()}-{len(list(folder.iterdir()))}")
    # The worktrees ab makes go to a cache of this run's own, and the plugin imports from
    # the repository (ab loads --plugin itself before the revisions' workers do).
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(repo.parent / "cache"),
        "PYTHONPATH": str(repo),
        "COLUMNS": "200",
    }
    outcomes: dict[str, list[tuple[int, bool]]] = {}
    for _trial in range(args.pairs):
        for name, (_change, rules, case) in INJECTIONS.items():
            command = [*ROADBENCH, "--plugin", MODULE, "ab", "--base", base]
            command += ["--head", commits[name], "--no-install", *rules]
            command += ["compare", "--ops", "gatecount", "--options", "1,2"]
            command += ["-n", str(args.rows), "--repeat", str(args.repeat)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=repo)
            if done.returncode not in (0, 6, 8):
                sys.exit(f"ab failed (exit {done.returncode}): {done.stderr[-2000:]}")
            named = case is not None and case in done.stderr
            outcomes.setdefault(name, []).append((done.returncode, named))
    return outcomes
