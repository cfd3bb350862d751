"""``roadbench matrix``: the same ``run`` or ``compare`` under several Django versions.

Each Django gets a virtual environment of its own, made with a Python that supports it (found
through pyenv or on PATH) and cached between runs under the user's cache directory. Each
version's results are saved as JSON (``roadbench diff`` reads them) and shown side by side.
A Django can also be a path to a local checkout (control vs experiment, as djangobench does).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import roadbench
from roadbench.database.urls import mask_url
from roadbench.errors import (
    BadInput,
    RoadbenchError,
    Unsupported,
)
from roadbench.measuring.ab import NO_WORKER, Side, ab_section, measure_sides, side_report
from roadbench.measuring.ab_workers import DEFAULT_TIMEOUT_S
from roadbench.reports.ab import ABSection
from roadbench.reports.output import check_output, check_output_dir, write_text
from roadbench.reports.results import design_heading, dump_json
from roadbench.signals import run_child

# The oldest Django roadbench supports (pyproject.toml: django>=5.2).
MIN_DJANGO = (5, 2)
# The oldest Python each Django series supports (Django's own release notes).
MIN_PYTHON = {(5, 2): (3, 10), (6, 0): (3, 12), (6, 1): (3, 12)}
COMMANDS = ("run", "compare")
# The setup steps whose "not found" is about the Django asked for.
FIND_DJANGO, INSTALL_DJANGO = "find Django", "install Django"


@dataclass(frozen=True)
class Target:
    """One Django to run under: a series (``6.1``), an exact version, or a checkout's path."""

    label: str
    requirement: str  # what pip installs
    min_python: tuple[int, int]
    checkout: bool = False  # a local checkout, installed editable: its changes show at once


@dataclass
class MatrixResult:
    label: str
    python: str
    saved: Path
    report: dict[str, Any] = field(default_factory=dict)


def parse_targets(spec: str) -> list[Target]:
    """The Djangos of ``--django``, each checked before any environment is made: a release
    roadbench supports, or a checkout of one; one named again is numbered (``5.2 #2``)."""
    targets = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        path = Path(item).expanduser()
        if os.sep in item or path.is_dir():
            if not (path / "django" / "__init__.py").is_file():
                raise BadInput(f"--django {item}: not a Django checkout (no django/__init__.py)")
            _check_supported(item, _checkout_series(path))
            targets.append(
                Target(f"checkout {path.name}", str(path.resolve()), _this_python(), True)
            )
            continue
        match = re.fullmatch(r"(\d+)\.(\d+)(\.\d+)?", item)
        if not match:
            raise BadInput(
                f"--django {item!r}: give a series (5.2, 6.1), a version (5.2.19) or the path "
                "of a Django checkout"
            )
        series = (int(match.group(1)), int(match.group(2)))
        _check_supported(item, series)
        requirement = (
            f"django=={item}" if match.group(3) else f"django>={item},<{series[0]}.{series[1] + 1}"
        )
        targets.append(Target(item, requirement, MIN_PYTHON.get(series, (3, 12))))
    if not targets:
        raise BadInput("--django needs at least one version, e.g. --django 5.2,6.1")
    # A version named again is measured again (an A/A run: the harness's own noise, the
    # floor any version-to-version difference must clear), as its own side with its own
    # results file: "5.2 #2" saves to django-5.2_2.json. Two names of one saved file (a
    # checkout named as a series, say) stay refused.
    seen: dict[str, Target] = {}
    numbered: list[Target] = []
    for target in targets:
        name = _saved_name(target)
        if name in seen and seen[name].label != target.label:
            raise BadInput(
                f"--django names {target.label} and {seen[name].label}: both would save to {name}"
            )
        again = sum(t.label.split(" #")[0] == target.label for t in numbered)
        if again:
            target = dataclasses.replace(target, label=f"{target.label} #{again + 1}")
            name = _saved_name(target)
        seen[name] = target
        numbered.append(target)
    targets = numbered
    return targets


def _check_supported(item: str, series: tuple[int, int] | None) -> None:
    if series is not None and series < MIN_DJANGO:
        oldest = ".".join(map(str, MIN_DJANGO))
        raise BadInput(
            f"--django {item}: Django {series[0]}.{series[1]} is older than roadbench supports "
            f"({oldest} and later)"
        )


def _checkout_series(path: Path) -> tuple[int, int] | None:
    """A checkout's Django series, from ``VERSION = (5, 2, ...)`` in django/__init__.py."""
    found = re.search(
        r"^VERSION\s*=\s*\(\s*(\d+)\s*,\s*(\d+)",
        (path / "django" / "__init__.py").read_text(errors="replace"),
        re.MULTILINE,
    )
    return (int(found.group(1)), int(found.group(2))) if found else None


def _this_python() -> tuple[int, int]:
    return (sys.version_info[0], sys.version_info[1])


def find_pythons() -> dict[tuple[int, int], str]:
    """Python interpreters on this machine by version: this one, pyenv's, PATH's python3.X."""
    found: dict[tuple[int, int], str] = {}
    candidates = [sys.executable]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        candidates += sorted(str(p) for p in Path(root, "versions").glob("3.*/bin/python3"))
    candidates += [p for minor in range(10, 20) if (p := shutil.which(f"python3.{minor}"))]
    for candidate in candidates:
        result = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            major, minor = (int(x) for x in result.stdout.split())
            found.setdefault((major, minor), candidate)
    return found


def choose_python(target: Target, pythons: dict[tuple[int, int], str]) -> str:
    """This Python if it supports the target, else the newest one found that does."""
    here = _this_python()
    if here >= target.min_python and here in pythons:
        return pythons[here]
    usable = sorted(v for v in pythons if v >= target.min_python)
    if not usable:
        have = ", ".join(f"{a}.{b}" for a, b in sorted(pythons)) or "none"
        need = f"{target.min_python[0]}.{target.min_python[1]}"
        raise Unsupported(
            f"Django {target.label} needs Python {need} or later; found only {have} "
            f"(through pyenv and on PATH): install one, e.g. pyenv install {need}"
        )
    return pythons[usable[-1]]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "roadbench" / "matrix"


def _roadbench_source(extras: Sequence[str] = ()) -> str:
    """What to install roadbench from: this checkout if running from one, else the index;
    with ``extras`` (``mysql``) as pip spells them for each."""
    wanted = f"[{','.join(extras)}]" if extras else ""
    root = Path(roadbench.__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file():
        return f"-e {root}{wanted}"
    # Installed with `pip install .` from a checkout: pip recorded where from (PEP 610).
    from importlib import metadata

    with contextlib.suppress(metadata.PackageNotFoundError, ValueError, TypeError):
        origin = json.loads(metadata.distribution("roadbench").read_text("direct_url.json") or "")
        if str(origin.get("url", "")).startswith("file://"):
            return f"roadbench{wanted} @ {origin['url']}" if wanted else str(origin["url"])
    return f"roadbench{wanted}=={roadbench.__version__}"


def extras_for(args: Sequence[str]) -> tuple[str, ...]:
    """The extras the child's own arguments need in its environment: the MySQL driver for a
    mysql:// or mariadb:// database (given or from $ROADBENCH_DATABASE_URL), redis-py for
    --cache."""
    from roadbench.database.urls import resolve_url

    database = None
    for i, arg in enumerate(args):
        if arg in ("-d", "--database") and i + 1 < len(args):
            database = args[i + 1]
        elif arg.startswith("--database="):
            database = arg.partition("=")[2]
    scheme = (resolve_url(database) or "").split(":", 1)[0].lower()
    # The designs extra always: its designs (6, 7) are in every "--options all".
    extras = ["designs"]
    if scheme in ("mysql", "mariadb"):
        extras.append("mysql")
    if any(arg == "--cache" or arg.startswith("--cache=") for arg in args):
        extras.append("redis")
    return tuple(extras)


def environment(
    target: Target, python: str, say: Callable[[str], None], extras: Sequence[str] = ()
) -> Path:
    """The cached venv for (target, python, roadbench and its extras): made on first use."""
    source = _roadbench_source(extras)
    key = hashlib.sha256(f"{target.requirement}|{python}|{source}".encode()).hexdigest()[:12]
    # A version named again ("5.2 #2") shares the first one's environment.
    named = target.label.partition(" #")[0]
    venv = cache_dir() / f"django-{re.sub(r'[^0-9A-Za-z.]+', '_', named)}-{key}"
    marker = venv / "roadbench-matrix.json"
    if marker.is_file():
        return venv
    say(f"matrix: making the environment for Django {target.label} with {python} in {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    django = ["-e", target.requirement] if target.checkout else [target.requirement]
    steps = [([python, "-m", "venv", str(venv)], "make a virtual environment")]
    if not target.checkout:
        # A version that does not exist is found in a second, before roadbench is installed.
        steps.append(([*pip, "--dry-run", "--no-deps", *django], FIND_DJANGO))
    install = ["-e", source[3:]] if source.startswith("-e ") else [source]
    steps += [([*pip, *install], f"install {source}"), ([*pip, *django], INSTALL_DJANGO)]
    for step, what in steps:
        result = run_child(step)  # pip ended, not killed, on a stop signal
        if result.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise _setup_failure(target, what, result.stderr)
    marker.write_text(json.dumps({"requirement": target.requirement, "python": python}))
    return venv


# The worker, started so that the current directory is not on its path (as ``-m`` would put
# it first): in a user's repository its working tree would shadow the revision installed.
# Without roadbench's worker (a revision of roadbench from before ab), it exits NO_WORKER.
WORKER = (
    "-c",
    "import sys\ndel sys.path[0]\ntry:\n    from roadbench.ab_worker import main\n"
    f"except ImportError:\n    sys.exit({NO_WORKER})\nsys.exit(main())",
)


@dataclass
class MatrixRun:
    """The versions' results, each saved as its own file, and their same-session A/B."""

    results: list[MatrixResult]
    section: ABSection


def run_matrix(
    spec: str,
    command: dict[str, Any],
    args: Sequence[str],
    save_dir: Path,
    notify: Callable[[str], None] | None = None,
    processes: int = 1,
    started: list[Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> MatrixRun:
    """``command`` (a run or compare, as ``roadbench.ab_worker`` takes it) under each Django,
    in interleaved rounds (``measuring.ab``); each version's report saved under ``save_dir``.

    ``args``: the command's own arguments as typed, for the extras its environments need and
    for the progress line. ``command["plugins"]``: --plugin modules each child loads too.
    ``timeout``: the seconds a worker may give no sign of life (``measure_sides``)."""
    say = notify or (lambda _msg: None)
    if command.get("command") not in COMMANDS:
        raise BadInput("matrix runs a run or a compare: roadbench matrix --django 5.2,6.1 run ...")
    targets = parse_targets(spec)
    # Where the results go, checked before any environment is made (minutes, the first time).
    check_output_dir(save_dir, "--save-dir")
    saved_files = {target: save_dir / _saved_name(target) for target in targets}
    if save_dir.is_dir():
        for path in saved_files.values():
            check_output(path, "--save-dir")
    pythons = find_pythons()
    chosen = [(t, choose_python(t, pythons)) for t in targets]  # all found before any runs
    # Every environment before any run: a version that does not exist fails in seconds, and
    # leaves no save directory behind.
    extras = extras_for(args)
    sides = [
        Side(
            f"Django {target.label}",
            (str(venv / "bin" / "python"), *WORKER),
            python,
        )
        for target, python, venv in (
            (target, python, environment(target, python, say, extras)) for target, python in chosen
        )
    ]
    say(f"matrix: {' '.join(masked_args(args))} under {', '.join(s.label for s in sides)}")
    measured = measure_sides(
        sides, command, processes, say, started, what="matrix", timeout=timeout
    )
    save_dir.mkdir(parents=True, exist_ok=True)
    results = []
    reports = [side_report(command, m) for m in measured]
    for (target, python), report in zip(chosen, reports, strict=True):
        saved = saved_files[target]
        write_text(saved, dump_json(report) + "\n")
        results.append(MatrixResult(target.label, python, saved, report))
    section = ab_section("matrix", command, processes, measured, reports)
    return MatrixRun(results, section)


def _saved_name(target: Target) -> str:
    return f"django-{re.sub(r'[^0-9A-Za-z.]+', '_', target.label)}.json"


def masked_args(args: Sequence[str]) -> list[str]:
    """The child's arguments as they may be shown: a database URL's secrets masked, whether
    given as ``-d URL`` or ``--database=URL``."""
    shown = []
    for arg in args:
        flag, equals, value = arg.partition("=")
        if arg.startswith("-") and equals:
            shown.append(f"{flag}={mask_url(value)}")
        else:
            shown.append(mask_url(arg))
    return shown


# pip's words when the index it reached has no release that matches.
NOT_FOUND = ("No matching distribution found", "Could not find a version that satisfies")


def _setup_failure(target: Target, what: str, stderr: str) -> RoadbenchError:
    """A failed setup step as one line: bad input (exit 2) when pip listed the releases it
    found and none matched (``--django 9.9``); otherwise, as when no index could be reached
    ("from versions: none"), the error it is (exit 1)."""
    found = re.search(r"\(from versions: ([^)]*)\)", stderr)
    releases = [v.strip() for v in found.group(1).split(",")] if found else []
    # Only the Django steps: installing roadbench can miss a package too, but not Django's.
    if what in (FIND_DJANGO, INSTALL_DJANGO) and any(words in stderr for words in NOT_FOUND):
        if releases and releases != ["none"]:
            return BadInput(
                f"--django {target.label}: no Django release matches {target.requirement}; "
                f"{_newest_releases(releases)}"
            )
        return RoadbenchError(
            f"matrix: cannot set up Django {target.label} ({what}): pip found no Django release "
            f"at all (is the network or the package index reachable?): {_last_error(stderr)}"
        )
    return RoadbenchError(
        f"matrix: cannot set up Django {target.label} ({what}): {_last_error(stderr)}"
    )


def _newest_releases(releases: list[str], series: int = 4) -> str:
    """``the newest of each recent series: 6.1.3, 6.0.10, 5.2.19, 5.1.15 (from 1.1.3)``."""
    finals = [v for v in releases if re.fullmatch(r"\d+(\.\d+)+", v)]
    if not finals:
        return f"pip lists {', '.join(releases[-series:])}"
    ordered = sorted(finals, key=lambda v: tuple(int(part) for part in v.split(".")))
    newest: dict[str, str] = {}
    for version in ordered:
        newest[".".join(version.split(".")[:2])] = version
    recent = list(newest.values())[::-1][:series]
    oldest = f" (from {ordered[0]})" if ordered[0] not in recent else ""
    return f"the newest of each recent series: {', '.join(recent)}{oldest}"


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("WARNING")]
    # The child's "roadbench: error: " would follow the parent's own.
    return lines[-1].removeprefix("roadbench: error: ") if lines else "(no output)"


def side_by_side(
    results: list[MatrixResult], section: ABSection | None = None
) -> tuple[list[str], list[list[str]]]:
    """One row per case, one column per version: its median time, queries (and CPU
    instructions where ``run --instructions`` counted them) and, after the first version, the
    time as a multiple of the first's: from ``section``, the median of the per-round ratios
    with its 95% interval and the verdict. A cell is a few short lines, so that a console can
    split the versions into tables that fit (as compare splits its options)."""
    verdicts = {
        (c.side, c.option, c.op, c.method, c.rows): c for c in (section.cases if section else [])
    }
    cases: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
    for result in results:
        for case in result.report.get("results", []):
            # A design not roadbench's own by its name (a --model's as the user named it).
            key = (case["option"], case.get("design", ""), case["op"], case["method"], case["rows"])
            cases.setdefault(key, {})[result.label] = case
    header = ["case"] + [
        # The exact version run, and the number of a version named again (an A/A run).
        f"Django {result.report.get('environment', {}).get('django', result.label)}"
        + (f" #{result.label.partition(' #')[2]}" if " #" in result.label else "")
        for result in results
    ]
    rows = []
    for (option, design, op, method, n), by_version in cases.items():
        row = [f"{design_heading(option, design)}\n{op} · {method}\n{n:,} rows"]
        first = by_version.get(results[0].label, {}).get("median_s")
        for i, result in enumerate(results):
            case = by_version.get(result.label, {})
            median = case.get("median_s")
            if not case:
                row.append("—")
                continue
            if case.get("status", "ok") != "ok" or median is None:
                row.append(str(case.get("status", "—")))
                continue
            queries = case.get("queries")
            lines = [f"{median:.4g} s", f"{queries:,} q" if isinstance(queries, int) else "— q"]
            if case.get("instructions"):
                lines.append(f"{case['instructions']:,} instr")
            verdict = verdicts.get((f"Django {result.label}", option, op, method, n))
            if i and verdict is not None and verdict.ratio is not None:
                lines.append(f"× {verdict.ratio:.3f} vs {results[0].label}")
                if verdict.interval:
                    lines.append(f"({verdict.interval[0]:.3f}–{verdict.interval[1]:.3f})")
                lines.append(verdict.verdict)
            elif i and first:
                lines.append(f"× {median / first:.2f} vs {results[0].label}")
            row.append("\n".join(lines))
        rows.append(row)
    return header, rows
