"""Result objects: what measuring gives, saved to and loaded from JSON (schema in docs/)."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from roadbench import __version__
from roadbench.database import sqlite_settings
from roadbench.errors import BadInput

# 2: a case says its design's name and its entities' plural (files of 1 still load).
# 3: a case keeps its statements' fingerprints with their counts (files of 1 and 2 still load,
# without them: a shape gate cannot decide on them).
SCHEMA_VERSION = 3
OK = "ok"
UNSUPPORTED = "unsupported"


@dataclass
class Environment:
    python: str
    django: str
    database_vendor: str
    database_version: str
    database_driver: str
    database_url: str  # masked: never holds a password
    roadbench: str
    os: str
    machine: str
    cpu: str
    cores: int
    date: str
    git_commit: str | None = None
    # When that commit was made (its committer date, ISO 8601): history orders runs by it.
    git_commit_date: str | None = None
    # SQLite only: what a commit waits for (Django's default: the file's own settings).
    sqlite_journal_mode: str | None = None
    sqlite_synchronous: str | None = None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit(cwd: Path | None = None) -> str | None:
    return _git(["rev-parse", "HEAD"], cwd)


def git_commit_date(cwd: Path | None = None) -> str | None:
    """The committer date of HEAD in the working directory's repository, ISO 8601."""
    return _git(["log", "-1", "--format=%cI", "HEAD"], cwd)


def _git(args: list[str], cwd: Path | None) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def current_environment(bench: Any) -> Environment:
    """The environment of a run on ``bench`` (a ``database.BenchDatabase``)."""
    import django

    return Environment(
        python=platform.python_version(),
        django=django.get_version(),
        database_vendor=bench.vendor,
        database_version=bench.version,
        database_driver=bench.driver,
        database_url=bench.url.masked,
        roadbench=__version__,
        os=f"{platform.system()} {platform.release()}",
        machine=platform.machine(),
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        git_commit=git_commit(),
        git_commit_date=git_commit_date(),
        **sqlite_settings.read(bench.vendor),
    )


@dataclass
class CaseResult:
    """One measured case: (option, op, method, rows)."""

    option: int
    op: str
    method: str
    rows: int
    status: str = OK
    reason: str | None = None
    technique: str = "django"
    warmup: int = 0
    repeat: int = 0
    loops: int = 1  # runs per value; times are per run
    # Value i of every case measured together belongs to round i (see measure_interleaved).
    times_s: list[float] = field(default_factory=list)
    # The process's CPU time in each value (time.process_time): far below the wall time, the
    # case mostly waits (for the disk's fsync, or the database server).
    cpu_times_s: list[float] = field(default_factory=list)
    cpu_median_s: float | None = None
    median_s: float | None = None
    min_s: float | None = None
    max_s: float | None = None
    q1_s: float | None = None
    q3_s: float | None = None
    iqr_s: float | None = None
    mad_s: float | None = None
    mean_s: float | None = None
    stdev_s: float | None = None
    warnings: list[str] = field(default_factory=list)
    rows_affected: int = 0
    rows_per_s: float | None = None
    queries: int | None = None
    queries_by_kind: dict[str, int] = field(default_factory=dict)
    queries_per_row: float | None = None
    # How the query count grows with rows (constant, per-batch, per-row), from a second,
    # smaller counting pass; compare fills it in.
    query_growth: str | None = None
    # CPU instructions of one run of the op alone, counted under valgrind (run --instructions).
    instructions: int | None = None
    instructions_counted: str | None = None  # what the count covers (client only on a server)
    # With --memory, from a pass of its own: the peak of Python's allocations during one run
    # (tracemalloc), and the process's resident high-water mark during it (Linux; elsewhere
    # the process's peak so far).
    memory_peak_bytes: int | None = None
    rss_peak_bytes: int | None = None
    # A plugin's design by its key ("" for roadbench's own, shown as "option N"), and what
    # the design stores, in the plural: absent from files saved before schema 2.
    design: str = ""
    entity: str = "roads"
    # The statements of the counting pass by shape (measuring.fingerprints): shape -> count,
    # exact at any scale. None where not counted: unsupported, or saved before schema 3.
    fingerprints: dict[str, int] | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def heading(self) -> str:
        return design_heading(self.option, self.design)


def design_heading(number: int, design: str = "") -> str:
    """How outputs name a design: roadbench's own by number (``option 3``), a plugin's by its
    key (``shop-mti``), as ``roadbench options`` lists them."""
    return design or f"option {number}"


def design_names(results: Iterable[CaseResult]) -> dict[int, str]:
    """Each design's short name, as verdicts and csv cells give it: roadbench's own by number
    (``3``), a plugin's by its key, the user's hierarchy by what --model named."""
    return {r.option: r.design or str(r.option) for r in results}


def design_headings(results: Iterable[CaseResult]) -> dict[int, str]:
    """Each design's heading (``option 3``, ``shop-mti``, ``shop.Product``)."""
    return {r.option: r.heading for r in results}


def entity_plural(results: list[CaseResult]) -> str:
    """What the cases' designs store, in the plural ("roads"; "entities" when they differ)."""
    found = {r.entity for r in results}
    return found.pop() if len(found) == 1 else "entities"


@dataclass
class RunReport:
    """What ``run`` gives: the environment and one or more case results."""

    environment: Environment
    results: list[CaseResult]
    kind: str = "run"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        try:
            return cls(
                environment=environment_from_dict(data["environment"]),
                results=[case_from_dict(r) for r in data.get("results", [])],
            )
        except (KeyError, TypeError) as exc:
            raise BadInput(f"not a complete roadbench run (missing {exc})") from None


def from_fields(cls: type[Any], data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def case_from_dict(data: dict[str, Any]) -> CaseResult:
    return from_fields(CaseResult, data)  # type: ignore[no-any-return]


def environment_from_dict(data: dict[str, Any]) -> Environment:
    return from_fields(Environment, data)  # type: ignore[no-any-return]


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, default=str)


def save_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as JSON, atomically: an existing file is replaced only by a complete one."""
    from roadbench.reports.output import write_text

    write_text(path, dump_json(data) + "\n")
