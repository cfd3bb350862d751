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

ROADBENCH = [sys.executable, "-m", "roadbench"]
MODULE = "rbbench_gateop"

# Two cases (options 1 and 2, one method): each pauses a whole number of 20 ms units and then
# counts the roads of each type (the same statements whatever the pause, so that only the time
# rules can catch a time injection). The pauses are most of a case's time (the counts take
# about 2 ms at 20 rows): x3 = three times every case's pauses, +50% = option 2's two units
# become three, so the cases themselves change a little less (about x2.8 and +45%).
PLUGIN = """
import time

from roadbench.designs.roads.data import ROAD_TYPES
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.checks import check_affected

PAUSES = {1: 1, 2: 2}
EXTRA_QUERY = False


def count(option, rows):
    time.sleep(0.02 * PAUSES[option.number])
    found = sum(option.queryset(t).count() for t in ROAD_TYPES)
    if EXTRA_QUERY and option.number == 2:  # one statement of a shape the base never runs
        option.queryset(ROAD_TYPES[0]).order_by("-pk").exists()
    return found


def verify(option, rows, affected):
    check_affected("gatecount", option, affected, rows)


OPERATION = Operation(
    name="gatecount",
    description="count (gate benchmark)",
    methods={"count": Method("count", "count() per type", count)},
    needs=LOADED,
    leaves=LOADED,
    verify=verify,
    compare_methods={"few": ("count",), "many": ("count",)},
    default_method="count",
)
"""

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


def _git(repo: Path, *args: str) -> str:
    who = ["-c", "user.email=rbbench@example.com", "-c", "user.name=rbbench"]
    done = subprocess.run(
        ["git", "-C", str(repo), *who, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def plugin_repo(folder: Path) -> tuple[Path, str, dict[str, str]]:
    """The repository, its base commit, and one commit per injection (each a child of the
    base; A/A's is an empty commit, so that both sides are revisions of their own)."""
    repo = folder / "gate-project"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / f"{MODULE}.py").write_text(PLUGIN)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    commits = {}
    for name, (change, _rules, _case) in INJECTIONS.items():
        _git(repo, "checkout", "-q", "--detach", base)
        (repo / f"{MODULE}.py").write_text(plugin_source(change))
        _git(repo, "commit", "-q", "--allow-empty", "-am", name)
        commits[name] = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "--detach", base)
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
