"""Result objects: what measuring gives, saved to and loaded from JSON (schema in docs/)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import subprocess
import time
import types
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from roadbench import __version__
from roadbench.database import sqlite_settings
from roadbench.errors import BadInput

SCHEMA_VERSION = 1
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
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
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

    @property
    def ok(self) -> bool:
        return self.status == OK


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


# --- reading saved files ----------------------------------------------------------------------

# Every kind of file roadbench saves, and the command that makes it.
KINDS = {
    "run": "roadbench run --save",
    "compare": "roadbench compare --save",
    "scaling": "roadbench scaling --save",
    "load": "roadbench load --save",
    "queries": "roadbench queries --json",
    "diff": "roadbench diff --json",
}


def _schema(kind: str) -> type[Any]:
    """The dataclass a saved file of ``kind`` must fit."""
    if kind == "scaling":
        from roadbench.reports.scaling import ScalingReport

        return ScalingReport
    from roadbench.reports.comparison import ComparisonReport

    return {"run": RunReport, "compare": ComparisonReport}[kind]


def load_saved(path: Path, kinds: tuple[str, ...]) -> dict[str, Any]:
    """A saved roadbench file of one of ``kinds``, every field checked against its dataclass.

    Anything else is ``BadInput`` with one line: a missing or unreadable file, no JSON, JSON
    nested too deeply, NaN or Infinity, another kind, a newer schema, a field of the wrong type,
    or no case at all (a diff of nothing must not pass a CI gate).
    """
    data = load_json(path)
    kind = data.get("kind", "run")
    if kind not in kinds:
        made_by = f" (made by {KINDS[kind]})" if isinstance(kind, str) and kind in KINDS else ""
        wanted = " or ".join(f"{k} ({KINDS[k]})" for k in kinds)
        raise BadInput(f"{path} holds a {kind!r} result{made_by}; this needs a {wanted} result")
    problem = fields_problem(_schema(kind), data)
    for listed in ("results", "planned", "series"):  # a compare without its plan shows nothing
        if problem is None and listed in data and not data[listed]:
            problem = f"{listed}: no case at all"
    problem = problem or _times_problem(data.get("results", []))
    if problem is None and kind == "scaling":
        problem = _scaling_problem(data)
    if problem:
        raise BadInput(f"{path} is not a valid roadbench {kind} result: {problem}")
    return data


def load_report(path: Path, kinds: tuple[str, ...]) -> tuple[str, Any]:
    """A saved file of one of ``kinds``, checked by ``load_saved``, as its kind and the report
    object it was saved from (``RunReport``, ``ComparisonReport`` or ``ScalingReport``)."""
    data = load_saved(path, kinds)
    kind = data.get("kind", "run")
    return kind, _schema(kind).from_dict(data)


def load_json(path: Path) -> dict[str, Any]:
    """A JSON object with a schema version this roadbench reads; nothing else is checked."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_no_constant)
    except FileNotFoundError:
        raise BadInput(f"no such file: {path}") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a directory, not a saved roadbench file") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"cannot read {path} as roadbench JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"cannot read {path} as roadbench JSON: nested too deeply") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise BadInput(f"{path} is not a roadbench result (no schema_version)")
    version = data["schema_version"]
    if type(version) is not int or version < 1:
        raise BadInput(f"{path}: schema_version must be a whole number, not {version!r}")
    if version > SCHEMA_VERSION:
        raise BadInput(
            f"{path} uses schema version {version}; this roadbench reads up to "
            f"{SCHEMA_VERSION} (upgrade roadbench)"
        )
    return data  # type: ignore[no-any-return]


def _times_problem(results: list[dict[str, Any]]) -> str | None:
    """Times are what diff divides by: a measured case has some, and each is more than 0."""
    for index, case in enumerate(results):
        times = case.get("times_s", [])
        if case.get("status", OK) == OK and not times:
            return f"results[{index}].times_s: a case with status ok has no times"
        if any(t <= 0 for t in times):
            return f"results[{index}].times_s: every time must be more than 0"
    return None


def _scaling_problem(data: dict[str, Any]) -> str | None:
    """A scaling file's points line up with its sizes (one per size, in order, a series per
    option), and its intervals are [low, high]: the table, markdown, CSV and chart rely on it."""
    sizes = data["sizes"]
    if not sizes:
        return "sizes: no size at all"
    if any(size <= 0 for size in sizes):
        return "sizes: every size must be more than 0"
    for s, series in enumerate(data["series"]):
        points = series["points"]
        if [p["rows"] for p in points] != sizes:
            return f"series[{s}].points: one per size ({len(sizes)}), in the order of sizes"
        for i, point in enumerate(points):
            for name in ("interval_s", "ratio_ci"):
                if point.get(name) is not None and len(point[name]) != 2:
                    return f"series[{s}].points[{i}].{name}: expected [low, high]"
    return None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number roadbench saves")


# --- checking fields against the dataclasses they were saved from ---------------------------


def fields_problem(cls: type[Any], data: Any, where: str = "") -> str | None:
    """What is wrong with ``data`` as a saved ``cls`` (a dataclass), or None.

    Checked from the dataclass's own type hints, so a new field is checked without new code:
    required fields present, every value of its declared type (int is not bool, floats finite,
    dict keys of ``dict[int, ...]`` are numerals as JSON writes them). Unknown fields are
    allowed: a version may add fields.
    """
    if not isinstance(data, dict):
        return f"{where or 'the file'}: expected an object, not {_shown(data)}"
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        name = f"{where}.{spec.name}" if where else spec.name
        if spec.name not in data:
            required = (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            )
            if required:
                return f"{name}: missing"
            continue
        problem = _value_problem(hints[spec.name], data[spec.name], name)
        if problem:
            return problem
    return None


def _value_problem(hint: Any, value: Any, where: str) -> str | None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        problems = [_value_problem(a, value, where) for a in options]
        return None if None in problems else problems[0]
    if dataclasses.is_dataclass(hint):
        return fields_problem(hint, value, where)  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            return f"{where}: expected a list, not {_shown(value)}"
        for index, item in enumerate(value):
            problem = _value_problem(args[0], item, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if origin is dict:
        if not isinstance(value, dict):
            return f"{where}: expected an object, not {_shown(value)}"
        for key, item in value.items():
            if args[0] is int and not _numeral(key):
                return f"{where}: expected whole-number keys, not {key!r}"
            problem = _value_problem(args[1], item, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if _is(hint, value):
        return None
    return f"{where}: expected {_NAMES.get(hint, str(hint))}, not {_shown(value)}"


_NAMES = {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}


def _is(hint: Any, value: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    return isinstance(hint, type) and isinstance(value, hint)


def _numeral(key: Any) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.lstrip("-").isdigit())


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except RecursionError:
        return "a value nested too deeply"
    return text if len(text) <= 40 else text[:37] + "..."
