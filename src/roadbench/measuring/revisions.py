"""``roadbench ab``: two revisions of a git repository, each in an environment of its own.

A revision given by a ref is checked out as a detached git worktree under roadbench's cache
directory, one per commit, reused while it still holds that commit unchanged (and made again
otherwise). Without ``--head`` the head is the repository's working tree as it is, uncommitted
changes included. Each revision gets a virtual environment (cached by commit) with roadbench
and the revision installed: the user's plugin or project, or roadbench itself when the
repository is roadbench's. ``install=False`` skips the environments: each revision's source
(its ``src/`` if it has one) is put on ``PYTHONPATH`` of this Python, for code that needs
nothing new installed (and for tests).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadbench.errors import BadInput, RoadbenchError
from roadbench.measuring.ab import Side, ab_section, measure_sides, side_report
from roadbench.measuring.ab_workers import DEFAULT_TIMEOUT_S
from roadbench.measuring.matrix import WORKER, _last_error, _roadbench_source, extras_for
from roadbench.reports.ab import ABSection
from roadbench.signals import run_child

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class Revision:
    role: str  # "base" or "head"
    ref: str  # as given ("main", "HEAD~3"), or WORKING_TREE
    commit: str | None  # None: the working tree, as it is
    source: Path  # where its files are: a cached worktree, or the repository itself

    @property
    def label(self) -> str:
        if self.commit is None:
            return f"{self.role} (working tree)"
        return f"{self.role} {self.commit[:10]} ({self.ref})"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "roadbench" / "ab"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return run_child(["git", "-C", str(repo), *args])
    except FileNotFoundError:
        raise RoadbenchError("ab needs git, and found no git command on PATH") from None


def repository(start: Path) -> Path:
    """The top of the git repository ``start`` is in."""
    if not start.is_dir():
        raise BadInput(f"ab: {start} is not a directory")
    done = _git(start, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise BadInput(
            f"ab: {start} is not in a git repository (run ab inside your project's "
            "repository, or give --repo)"
        )
    return Path(done.stdout.strip())


def resolve(repo: Path, ref: str, flag: str) -> str:
    """The commit a ref names, or one line saying it names none."""
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0 or not done.stdout.strip():
        raise BadInput(f"ab: {flag} {ref}: no such revision in {repo}")
    return done.stdout.strip()


def is_dirty(repo: Path) -> bool:
    """Uncommitted changes to tracked files (untracked files are not the revision's)."""
    return bool(_git(repo, "status", "--porcelain", "--untracked-files=no").stdout.strip())


def revisions(
    repo: Path, base: str, head: str | None, notify: Callable[[str], None]
) -> tuple[Revision, Revision]:
    """Base and head, their refs checked before anything is made."""
    base_commit = resolve(repo, base, "--base")
    if head is None:
        changes = "with its uncommitted changes" if is_dirty(repo) else "(clean)"
        notify(f"ab: no --head: the head is {repo}'s working tree as it is, {changes}")
        head_revision = Revision("head", WORKING_TREE, None, repo)
    else:
        head_revision = Revision("head", head, resolve(repo, head, "--head"), repo)
    return Revision("base", base, base_commit, repo), head_revision


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One roadbench at a time makes a cached worktree or environment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def checkout(revision: Revision, notify: Callable[[str], None]) -> Revision:
    """The revision with its files: a cached detached worktree for a commit."""
    if revision.commit is None:
        return revision
    repo = revision.source
    key = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:12]
    path = cache_dir() / "worktrees" / key / revision.commit
    with _locked(path.with_suffix(".lock")):
        if not _holds(path, revision.commit):
            if path.exists():
                # Not the commit, or changed by hand: made again, never measured as it is.
                _git(repo, "worktree", "remove", "--force", str(path))
                shutil.rmtree(path, ignore_errors=True)
            _git(repo, "worktree", "prune")
            notify(f"ab: checking out {revision.label} in {path}")
            done = _git(repo, "worktree", "add", "--detach", str(path), revision.commit)
            if done.returncode != 0:
                raise RoadbenchError(
                    f"ab: cannot check out {revision.label}: {_last_error(done.stderr)}"
                )
    return Revision(revision.role, revision.ref, revision.commit, path)


def _holds(path: Path, commit: str) -> bool:
    if not (path / ".git").exists():
        return False
    at = _git(path, "rev-parse", "HEAD")
    return (
        at.returncode == 0
        and at.stdout.strip() == commit
        and not _git(path, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    )


def is_roadbench(source: Path) -> bool:
    """Whether the repository is roadbench's own (then it is what each revision installs)."""
    project = source / "pyproject.toml"
    if not project.is_file():
        return False
    found = re.search(r'^name\s*=\s*"([^"]+)"', project.read_text(errors="replace"), re.M)
    return bool(found) and found.group(1).lower() == "roadbench"  # type: ignore[union-attr]


def import_root(source: Path) -> Path:
    return source / "src" if (source / "src").is_dir() else source


def side(
    revision: Revision,
    install: bool,
    extras: Sequence[str],
    notify: Callable[[str], None],
    repo: Path,
) -> Side:
    """How to start the revision's worker: its venv's Python, or this one with its source
    first on PYTHONPATH. Entries of PYTHONPATH inside ``repo`` (the working tree) are left
    out: they would put the working tree's code in front of the revision's."""
    kept = [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and not _inside(p, repo)
    ]
    if not install:
        kept.insert(0, str(import_root(revision.source)))
        python = sys.executable
    else:
        python = str(environment(revision, extras, notify) / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    source = str(revision.source)
    return Side(revision.label, (python, *WORKER), python, env, revision.commit, source)


def _inside(path: str, repo: Path) -> bool:
    return Path(path).resolve().is_relative_to(repo.resolve())


def environment(revision: Revision, extras: Sequence[str], notify: Callable[[str], None]) -> Path:
    """The revision's cached venv: roadbench (this one, unless the revision is roadbench),
    then the revision, installed. The working tree's is installed editable, so its changes
    show without a new environment (a dependency it adds later needs the cached environment
    removed, or a commit)."""
    itself = is_roadbench(revision.source)
    wanted = f"[{','.join(extras)}]" if extras else ""
    source = None if itself else _roadbench_source(extras)
    what = revision.commit or f"{WORKING_TREE}:{revision.source.resolve()}"
    key = hashlib.sha256(f"{what}|{sys.executable}|{source}|{wanted}".encode()).hexdigest()[:16]
    venv = cache_dir() / "venvs" / key
    marker = venv / "roadbench-ab.json"
    with _locked(venv.with_suffix(".lock")):
        if marker.is_file():
            return venv
        notify(f"ab: making the environment of {revision.label} in {venv}")
        shutil.rmtree(venv, ignore_errors=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        project = f"{revision.source}{wanted if itself else ''}"
        steps: list[tuple[list[str], str]] = [
            ([sys.executable, "-m", "venv", str(venv)], "make a virtual environment")
        ]
        if source is not None:
            install = ["-e", source[3:]] if source.startswith("-e ") else [source]
            steps.append(([*pip, *install], f"install {source}"))
        editable = ["-e"] if revision.commit is None else []
        steps.append(([*pip, *editable, project], f"install {revision.label}"))
        for step, doing in steps:
            done = run_child(step)
            if done.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise RoadbenchError(
                    f"ab: cannot set up {revision.label} ({doing}): {_last_error(done.stderr)}"
                )
        marker.write_text(json.dumps({"revision": what}))
    return venv


@dataclass
class ABRun:
    repository: Path
    base: Revision
    head: Revision
    section: ABSection


def run_ab(
    base: str,
    head: str | None,
    command: dict[str, Any],
    args: Sequence[str],
    repo: Path,
    install: bool = True,
    processes: int = 1,
    notify: Callable[[str], None] | None = None,
    started: list[Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> ABRun:
    """The base and head revisions of ``repo``, measured by ``command`` in interleaved rounds;
    ``timeout``: the seconds a worker may give no sign of life (``measure_sides``)."""
    say = notify or (lambda _msg: None)
    if processes < 1:
        raise BadInput("{processes} must be 1 or more", "processes")
    top = repository(repo)
    chosen = [checkout(r, say) for r in revisions(top, base, head, say)]
    extras = extras_for(args)
    sides = [side(r, install, extras, say, top) for r in chosen]
    measured = measure_sides(sides, command, processes, say, started, timeout=timeout)
    reports = [side_report(command, m) for m in measured]
    for revision, report in zip(chosen, reports, strict=True):
        if revision.commit is not None:  # the child saw its own directory's, not the revision's
            report["environment"]["git_commit"] = revision.commit
    section = ab_section("ab", command, processes, measured, reports)
    return ABRun(top, chosen[0], chosen[1], section)
