"""A git repository of one plugin module and its revisions, for what runs `roadbench ab` on
real commits: tests/measuring/test_ab.py and benchmarks/gate_ab.py (which puts the checkout
on ``sys.path`` to import this; keep it free of roadbench and Django imports)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """``git -C repo ARGS`` with an identity of its own (no user's config needed); its stdout."""
    who = ["-c", "user.email=rbtest@example.com", "-c", "user.name=rbtest"]
    done = subprocess.run(
        ["git", "-C", str(repo), *who, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def build_plugin_repo(
    repo: Path, module: str, base: str, revisions: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """``repo`` (made here) as a git repository of ``module``.py: a commit "base" of the source
    ``base``, and per revision (message: source) a commit of its own that is a child of the
    base (empty where the source is the base's). Left at the last revision (HEAD~1 is the base).
    Returns the base commit and each revision's commit."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / f"{module}.py").write_text(base)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base_commit = git(repo, "rev-parse", "HEAD")
    commits = {}
    for message, source in revisions.items():
        git(repo, "checkout", "-q", "--detach", base_commit)
        (repo / f"{module}.py").write_text(source)
        git(repo, "commit", "-q", "--allow-empty", "-am", message)
        commits[message] = git(repo, "rev-parse", "HEAD")
    return base_commit, commits


def count_op_plugin(op: str, description: str, count: str) -> str:
    """A plugin module's source: its op ``op`` counts the roads of each type with ``count``
    (source defining ``count(option, rows)`` and the names it reads; ``time``, ``ROAD_TYPES``
    are imported) on loaded roads, its one method, checked to have counted every row."""
    return f'''
import time

from roadbench.designs.roads.data import ROAD_TYPES
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.checks import check_affected

{count.strip()}


def verify(option, rows, affected):
    check_affected("{op}", option, affected, rows)


OPERATION = Operation(
    name="{op}",
    description="{description}",
    methods={{"count": Method("count", "count() per type", count)}},
    needs=LOADED,
    leaves=LOADED,
    verify=verify,
    compare_methods={{"few": ("count",), "many": ("count",)}},
    default_method="count",
)
'''
