"""Same-session A/B: several environments measured in interleaved, rotated rounds.

Each environment (a Django version, a revision of the user's code) gets long-lived child
processes (``roadbench.ab_worker``), each with its own throwaway database. Row by row, every
child starts the row's cases (calibration and warm-up, untimed); then each round asks every
environment's child for one value of each case, the environments' order rotated round by
round, so that the machine's drift hits every environment alike and a ratio can be taken
within a round (DESIGN.md, rule 7). With ``processes`` > 1, round i goes to child i mod N of
each environment: a process's own luck (address layout, allocator, caches) then varies from
round to round and lands in the interval instead of in the verdict.

Children end with the session: asked to quit (they drop their databases), and on an error or
a stop signal sent SIGTERM, given time to clean up, then SIGKILL (``signals.stop_child``).
A child that gives no sign of life for ``timeout`` seconds (a case that hangs) is an error
too (``WorkerHung``): it notes each case as it begins one, so the error names the case.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import (
    BadInput,
    DatabaseUnavailable,
    Interrupted,
    PluginFailed,
    RoadbenchError,
    Unsupported,
    VerificationFailed,
    WorkerHung,
)
from roadbench.measuring.ab_workers import DEFAULT_TIMEOUT_S, named_sqlite, worker_databases
from roadbench.measuring.measure import Timing
from roadbench.measuring.stats import summarize, widest_interval
from roadbench.reports.ab import ABSection, ABSide, ab_cases
from roadbench.reports.comparison import DEFAULT_MIN_EFFECT
from roadbench.reports.results import design_heading
from roadbench.signals import CHILD_STOP_S, signals_deferred, signals_held, stop_child

# A child's documented exit code is the session's: the same error, named by environment.
CHILD_ERRORS: dict[int, type[RoadbenchError]] = {
    error.exit_code: error
    for error in (BadInput, DatabaseUnavailable, Unsupported, VerificationFailed, Interrupted)
}
# A worker's exit code when its Python cannot import roadbench.ab_worker (see matrix.WORKER).
NO_WORKER = 97
# How long a child asked to quit has to drop its database before it is stopped.
QUIT_WAIT_S = CHILD_STOP_S
# What a child was asked, as its hang is told.
DOING = {
    "start": "starting it (calibration and warm-up)",
    "round": "taking one of its values",
    "finish": "finishing it (counting its queries)",
}
ROW_DOING = {
    "start": "starting a row's cases",
    "round": "taking a round of values",
    "finish": "finishing a row's cases",
}


@dataclass(frozen=True)
class Side:
    """One environment: how to start its worker, and what to call it."""

    label: str  # "Django 6.1", "head (working tree)"
    argv: tuple[str, ...]  # the worker's command: python -m roadbench.ab_worker
    python: str
    env: dict[str, str] | None = None  # the child's environment variables (None: ours)
    revision: str | None = None  # the git commit measured, for ab
    # Where the worker runs: a revision's own files (``--plugin mine`` finds mine.py in the
    # current directory first, so the user's directory would shadow every revision's).
    cwd: str | None = None


@dataclass
class Measured:
    """One environment's session: what its child reported, its cases' results in plan order."""

    side: Side
    environment: dict[str, Any]
    planned: list[dict[str, Any]]
    results: list[dict[str, Any]] = field(default_factory=list)


class Child:
    """One worker process of one environment, asked one line at a time."""

    def __init__(
        self,
        side: Side,
        spec: dict[str, Any],
        started: list[Child],
        what: str = "ab",
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.side = side
        self.named = f"{what}: under {side.label}"  # how its errors begin
        self.timeout = timeout
        self.planned: list[dict[str, Any]] = []
        self.at: int | None = None  # the planned case it said it began last
        self._unread = b""
        with signals_deferred():  # noted in ``started`` before any signal can act
            self.proc = subprocess.Popen(
                list(side.argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=side.env,
                cwd=side.cwd,
            )
            started.append(self)
        # "notes": it says each case it begins (a worker of an older revision does not).
        self.hello = self.ask({**spec, "notes": True})
        self.planned = self.hello["planned"]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # it ended: its exit code says why, below
        self.at = None
        while (line := self._line(message.get("do"))) is not None:
            answer: dict[str, Any] = json.loads(line)
            if "at" not in answer:
                break
            self.at = answer["at"]  # a case begun: a sign of life
        else:
            code = self.proc.wait()
            if code == NO_WORKER:
                raise RoadbenchError(
                    f"{self.named}: its Python has no roadbench with an A/B worker "
                    "(roadbench.ab_worker; a roadbench older than ab)"
                )
            error = CHILD_ERRORS.get(code, RoadbenchError)
            raise error(f"{self.named}: its worker process ended (exit code {code})")
        if "error" in answer:
            error = CHILD_ERRORS.get(answer.get("exit_code", 1), RoadbenchError)
            if "PluginFailed" in answer["error"]:
                error = PluginFailed
            raise error(f"{self.named}: {answer['error']}")
        return answer

    def _line(self, doing: str | None) -> bytes | None:
        """Its next line (None at its end), waited for ``timeout`` seconds at most."""
        assert self.proc.stdout is not None
        channel = self.proc.stdout.fileno()  # read here, never through the text buffer
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._unread:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._hung(doing)
            if select.select([channel], [], [], None if math.isinf(left) else left)[0]:
                chunk = os.read(channel, 1 << 16)
                if not chunk:
                    return None
                self._unread += chunk
        line, _, self._unread = self._unread.partition(b"\n")
        return line

    def _hung(self, doing: str | None) -> WorkerHung:
        if doing is None:
            where = "while opening its database and loading its code"
        elif self.at is not None and 0 <= self.at < len(self.planned):
            case = self.planned[self.at]
            named = f"{design_heading(case['option'])} · {case['op']} · {case['method']}"
            where = f"at {named} · {case['rows']:,} rows, {DOING.get(doing, doing)}"
        else:  # a worker that does not note its cases
            where = f"while {ROW_DOING.get(doing, doing)}"
        return WorkerHung(
            f"{self.named}: no sign of life for {self.timeout:g} s {where}; every worker "
            "was ended ({timeout} sets the wait)",
            "timeout",
        )

    def quit(self) -> None:
        """Ask it to end (it drops its database); stopped if it does not in time."""
        if self.proc.poll() is None and self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write(json.dumps({"do": "quit"}) + "\n")
                self.proc.stdin.flush()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=QUIT_WAIT_S)
        self.stop()

    def stop(self) -> None:
        stop_child(self.proc)  # type: ignore[arg-type]


def measure_sides(
    sides: Sequence[Side],
    spec: dict[str, Any],
    processes: int = 1,
    notify: Callable[[str], None] | None = None,
    started: list[Child] | None = None,
    what: str = "ab",
    timeout: float = DEFAULT_TIMEOUT_S,
) -> list[Measured]:
    """Every environment's cases, measured in interleaved rounds; each ``Measured`` holds
    its results as saved ``CaseResult`` dicts whose value i belongs to round i.

    ``started``: the children as they start (a test reads their pids); all are ended before
    this returns or raises. ``timeout``: the seconds a child may give no sign of life before
    the session ends as hung (``WorkerHung``)."""
    if processes < 1:
        raise BadInput("{processes} must be 1 or more", "processes")
    if not timeout > 0:
        raise BadInput(f"{{timeout}} must be more than 0 seconds, not {timeout}", "timeout")
    say = notify or (lambda _msg: None)
    databases = worker_databases(spec.get("database"), len(sides) * processes)
    if databases is not None and len(databases) > 1:
        first, last = (named_sqlite(d) for d in (databases[0], databases[-1]))
        say(f"{what}: each worker process opens an SQLite file of its own: {first} to {last}")
    children: list[Child] = [] if started is None else started
    try:
        pools: list[list[Child]] = []
        for s, side in enumerate(sides):
            say(f"{side.label}: starting {processes} worker process(es)")
            pool = []
            for p in range(processes):
                own = dict(spec)
                if databases is not None:
                    own["database"] = databases[s * processes + p]
                pool.append(Child(side, own, children, what, timeout))
            pools.append(pool)
        measured = [
            Measured(side, pool[0].hello["environment"], pool[0].hello["planned"])
            for side, pool in zip(sides, pools, strict=True)
        ]
        timing = asdict(Timing(**spec["timing"]))  # every field, its default where not given
        for label in dict.fromkeys(p["row"] for m in measured for p in m.planned):
            say(f"measuring {label}")
            _measure_row(label, measured, pools, timing)
        for pool in pools:
            for child in pool:
                child.quit()
    except BaseException:
        with signals_held():
            for child in children:
                child.stop()
        raise
    return measured


Key = tuple[int, str, str, int]


def case_key(case: dict[str, Any]) -> Key:
    return (case["option"], case["op"], case["method"], case["rows"])


def _measure_row(
    label: str, measured: list[Measured], pools: list[list[Child]], timing: dict[str, Any]
) -> None:
    indexes = [[i for i, p in enumerate(m.planned) if p["row"] == label] for m in measured]
    wants: list[list[dict[str, bool]]] = []
    for pool, cases in zip(pools, indexes, strict=True):
        wants.append([child.ask({"do": "start", "cases": cases})["wants"] for child in pool])
    times: list[dict[str, list[float]]] = [{str(i): [] for i in cases} for cases in indexes]
    cpu: list[dict[str, list[float]]] = [{str(i): [] for i in cases} for cases in indexes]
    started = time.perf_counter()
    budget = timing.get("budget_s")
    most = max(timing["repeat"], timing.get("max_repeat") or 0)
    rounds = 0
    while rounds < most:
        process = rounds % len(pools[0])
        shift = rounds % len(pools)
        took = False
        for s in [*range(shift, len(pools)), *range(shift)]:
            if not any(wants[s][process].values()):
                continue
            answer = pools[s][process].ask({"do": "round"})
            wants[s][process] = answer["wants"]
            for index, (wall, spent) in answer["values"].items():
                times[s][index].append(wall)
                cpu[s][index].append(spent)
                took = True
        if not took:
            break
        rounds += 1
        spent_all = budget is not None and time.perf_counter() - started >= budget
        if spent_all and timing.get("budget_caps_all"):
            break
        if rounds < timing["repeat"]:
            continue
        if spent_all or _precise(measured, indexes, times, timing["precision"]):
            break
    for s, pool in enumerate(pools):
        for p, child in enumerate(pool):
            results = child.ask({"do": "finish", "count": p == 0})["results"]
            if p:
                continue
            for index in indexes[s]:
                case = results[str(index)]
                if case.get("status") == "ok":
                    merged(case, times[s][str(index)], cpu[s][str(index)])
                measured[s].results.append(case)


def _precise(
    measured: list[Measured],
    indexes: list[list[int]],
    times: list[dict[str, list[float]]],
    precision: float,
) -> bool:
    """Every case's ratios between the environments (or its median, where one environment
    alone measured it) as precise as asked."""
    by_key: dict[Key, dict[int, Sequence[float]]] = {}
    for s, cases in enumerate(indexes):
        for index in cases:
            values = times[s][str(index)]
            if values:
                by_key.setdefault(case_key(measured[s].planned[index]), {})[s] = values
    widths = []
    for by_side in by_key.values():
        lengths = {len(v) for v in by_side.values()}
        if len(lengths) != 1 or min(lengths) < 2:
            continue  # a case with one value (a long case) or uneven rounds: nothing to add
        widths.append(widest_interval(by_side))
    return bool(widths) and max(widths) <= precision


def merged(case: dict[str, Any], times: list[float], cpu: list[float]) -> None:
    """A saved case with the values of every process, in round order, and its summary
    recomputed from them (as ``CaseRunner`` summarises its own)."""
    import statistics

    summary = summarize(times, case.get("loops", 1))
    case["times_s"], case["cpu_times_s"] = list(times), list(cpu)
    case["repeat"] = len(times)
    case["median_s"], case["min_s"], case["max_s"] = summary.median, summary.min, summary.max
    case["q1_s"], case["q3_s"], case["iqr_s"] = summary.q1, summary.q3, summary.iqr
    case["mad_s"], case["mean_s"], case["stdev_s"] = summary.mad, summary.mean, summary.stdev
    case["cpu_median_s"] = statistics.median(cpu)
    case["warnings"] = summary.warnings
    affected = case.get("rows_affected") or 0
    case["rows_per_s"] = affected / summary.median if summary.median > 0 else None


def side_report(command: dict[str, Any], measured: Measured) -> dict[str, Any]:
    """One environment's results as its own ``run --save`` or ``compare --save`` file."""
    from roadbench.reports.comparison import ComparisonReport
    from roadbench.reports.results import SCHEMA_VERSION, RunReport

    data: dict[str, Any] = {
        "environment": measured.environment,
        "results": measured.results,
        "kind": command["command"],
        "schema_version": SCHEMA_VERSION,
    }
    if command["command"] == "compare":
        timing = asdict(Timing(**command["timing"]))
        data |= {
            "scale": command["scale"],
            "rows": command["rows"],
            "warmup": timing["warmup"],
            "repeat": timing["repeat"],
            "precision": timing["precision"],
            "min_effect": command["min_effect"],
            "planned": measured.planned,
        }
        return ComparisonReport.from_dict(data).to_dict()
    return RunReport.from_dict(data).to_dict()


def ab_section(
    what: str,
    command: dict[str, Any],
    processes: int,
    measured: list[Measured],
    reports: list[dict[str, Any]],
) -> ABSection:
    """The A/B of the environments' reports: each case against the first environment's."""
    sides = [
        ABSide(m.side.label, m.side.python, m.side.revision, report)
        for m, report in zip(measured, reports, strict=True)
    ]
    min_effect = command.get("min_effect", DEFAULT_MIN_EFFECT)
    return ABSection(
        command["command"], what, processes, min_effect, sides, ab_cases(sides, min_effect)
    )


# What a child measures: the flags of run and compare it takes, and those it cannot.
NOT_IN_AB = {
    "cache": "--cache",
    "concurrency": "--concurrency",
    "async_orm": "--async",
    "keep": "--keep",
}
OUTPUTS = {"save": "--save", "as_json": "--json", "fmt": "--format", "html": "--html"}


def child_command(
    name: str, params: dict[str, Any], timing: Any, plugins: Sequence[str], what: str
) -> dict[str, Any]:
    """The spec a worker takes, from a run's or compare's parsed parameters (CLI names)."""
    from roadbench.reports.comparison import SCALES

    if name not in ("run", "compare"):
        raise BadInput(f"{what} runs a run or a compare: roadbench {what} ... run ...")
    for param, flag in OUTPUTS.items():
        if params.get(param):
            raise BadInput(
                f"{what} saves and shows the results itself: give {flag} to {what}, before {name}"
            )
    for param, flag in NOT_IN_AB.items():
        if params.get(param):
            raise BadInput(f"{what} does not measure with {flag} yet: leave it out")
    if params.get("instructions") and params.get("model"):
        raise BadInput(f"{what} does not count instructions of --model designs yet")
    spec: dict[str, Any] = {
        "command": name,
        "database": params.get("database"),
        "sqlite": params.get("sqlite"),
        "timing": asdict(timing),
        "plugins": list(plugins),
        "instructions": bool(params.get("instructions")),
        "model": params.get("model"),
        "memory": bool(params.get("memory")),
    }
    if name == "run":
        if params.get("option") is None and params.get("model") is None:
            raise BadInput(f"{what} run needs --option (a design) or --model")
        spec |= {
            "option": params["option"],
            "op": params["op"],
            "method": params.get("method"),
            "rows": params["rows"],
        }
    else:
        scale = params.get("scale") or "few"
        if scale not in SCALES:
            raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        spec |= {
            "scale": scale,
            "rows": params.get("rows") or SCALES[scale],
            "options": params.get("options"),
            "ops": _names(params.get("compared_ops")),
            "min_effect": params.get("min_effect", DEFAULT_MIN_EFFECT * 100) / 100,
        }
    return spec


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None
