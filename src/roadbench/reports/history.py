"""The history of many saved runs: per case its time and query count over commits, and the
changes found by step detection (see ``steps.py``, asv's method).

Runs are ordered by the date of the commit they measured (``environment.git_commit_date``),
then by when they ran. Three things keep noise from reading as a change:

1. **The whole machine's drift is taken out.** Each run's times are divided by its machine
   factor: the median, over the cases it measured, of each case's time relative to that case's
   median over the history. A CI runner that is 20% slower moves every case; one case's code
   that got slower moves one. A case whose own times move from run to run clearly less than
   the corrected ones keeps its own (on a machine whose load moves each case on its own, the
   correction would add the other cases' noise to a steady case). A step in the machine
   factor itself is reported on its own line (``every case``): the machine, or a change that
   slowed everything alike, which one history cannot tell apart (``roadbench ab`` measures two
   revisions in one session for that).
2. **A segment holds at least two runs** (``steps.MIN_SIZE``): one slow run is an outlier.
3. **A step must be beyond the runs' own spread**: the change between two segments' medians
   is reported only when it is at least ``min_change`` and its 95% interval (from the
   order-statistic intervals of both segments' run medians) excludes zero; otherwise the two
   segments are merged and the fit is judged again.

Query counts are exact: every change from one run to the next is a step.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.stats import median_interval
from roadbench.reports.diff import FailRule
from roadbench.reports.results import SCHEMA_VERSION, design_heading
from roadbench.reports.steps import Segment, fit

KINDS = ("run", "compare", "scaling")
TIME, QUERIES = "time", "queries"
# Below this many cases in a run, its machine factor is not taken: one case's own change
# would be most of it.
MIN_CASES_FOR_DRIFT = 3
# A case keeps its own times when they move from run to run by less than this share of what
# the corrected ones move.
STEADIER = 0.5


@dataclass
class HistoryRun:
    path: str  # relative to the folder
    kind: str
    commit: str | None
    commit_date: str | None
    date: str | None
    django: str | None = None
    database: str | None = None
    # This run's times relative to the history's, over all its cases (1.10: 10% slower).
    machine_factor: float = 1.0

    @property
    def label(self) -> str:
        """The commit's first 9 characters, else the file's name."""
        return self.commit[:9] if self.commit else Path(self.path).name


@dataclass
class HistoryPoint:
    run: int  # index into HistoryReport.runs
    status: str
    median_s: float | None = None
    interval_s: list[float] | None = None  # the 95% interval of the median
    queries: int | None = None


@dataclass
class Step:
    kind: str  # "time" or "queries"
    run: int  # the first run after the step
    commit: str | None
    # time: the median seconds of the runs before and after; queries: the counts
    before: float
    after: float
    # time: the relative change (0.23 = +23%), drift taken out, with its 95% interval;
    # queries: the number of statements more (negative: fewer), exact.
    change: float
    interval: list[float] | None = None
    regression: bool = False

    def describe(self, label: str) -> str:
        if self.kind == QUERIES:
            return (
                f"from {label}: {self.before:,.0f} → {self.after:,.0f} queries "
                f"({self.change:+,.0f}, exact)"
            )
        low, high = self.interval or (self.change, self.change)
        return f"from {label}: {self.change:+.0%} (interval {low:+.0%} to {high:+.0%})"


@dataclass
class CaseHistory:
    name: str
    design: str
    op: str
    method: str
    rows: int
    points: list[HistoryPoint]
    # The fitted levels of the time (seconds, before drift is taken out): start, end, level.
    segments: list[list[float]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    # Whether the time steps were looked for with each run's machine factor taken out.
    drift_corrected: bool = True

    def latest(self, kind: str) -> Step | None:
        found = [s for s in self.steps if s.kind == kind]
        return found[-1] if found else None


@dataclass
class HistoryReport:
    folder: str
    runs: list[HistoryRun]
    cases: list[CaseHistory]
    machine_steps: list[Step]
    skipped: list[dict[str, str]]
    min_change: float
    failures: list[str] = field(default_factory=list)
    kind: str = "history"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for run, raw in zip(self.runs, data["runs"], strict=True):
            raw["label"] = run.label
        for case, raw in zip(self.cases, data["cases"], strict=True):
            for step, raw_step in zip(case.steps, raw["steps"], strict=True):
                raw_step["text"] = self.describe(step)
        for step, raw_step in zip(self.machine_steps, data["machine_steps"], strict=True):
            raw_step["text"] = self.describe(step)
        return data

    def describe(self, step: Step) -> str:
        return step.describe(self.runs[step.run].label)


# --- reading the folder -------------------------------------------------------------------


Loaded = list[tuple[HistoryRun, list[tuple[tuple[str, str, str, int], HistoryPoint]]]]


def load_history(folder: Path) -> tuple[Loaded, list[dict[str, str]]]:
    """The saved runs, comparisons and scalings in ``folder`` (and below it), ordered by the
    date of the commit they measured, then by when they ran; and the other JSON files, each
    with why it was skipped."""
    from roadbench.reports.saved import load_report

    if not folder.exists():
        raise BadInput(f"no such folder: {folder}")
    if not folder.is_dir():
        raise BadInput(f"{folder} is a file; history reads a folder of saved runs")
    loaded: Loaded = []
    skipped: list[dict[str, str]] = []
    for path in sorted(p for p in folder.rglob("*.json") if ".git" not in p.parts):
        try:
            kind, report = load_report(path, KINDS)
        except BadInput as exc:
            skipped.append({"path": str(path.relative_to(folder)), "reason": str(exc)})
            continue
        env = report.environment
        run = HistoryRun(
            path=str(path.relative_to(folder)),
            kind=kind,
            commit=env.git_commit,
            commit_date=env.git_commit_date,
            date=env.date,
            django=env.django,
            database=f"{env.database_vendor} {env.database_version}",
        )
        loaded.append((run, _points(kind, report)))
    if not loaded:
        seen = f"; skipped {skipped[0]['path']}: {skipped[0]['reason']}" if skipped else ""
        more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
        raise BadInput(
            f"{folder} holds no saved run, comparison or scaling (roadbench run/compare/scaling "
            f"--save FILE.json){seen}{more}"
        )
    loaded.sort(key=lambda item: _order(item[0]))
    return loaded, skipped


def _order(run: HistoryRun) -> tuple[datetime, datetime, str]:
    ran = _when(run.date)
    return (_when(run.commit_date) if run.commit_date else ran, ran, run.path)


def _when(text: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Key = tuple[str, str, str, int]


def _points(kind: str, report: Any) -> list[tuple[Key, HistoryPoint]]:
    points: list[tuple[Key, HistoryPoint]] = []
    if kind == "scaling":
        for series in report.series:
            for p in series.points:
                key = (design_heading(series.option), report.op, report.method, p.rows)
                points.append(
                    (key, HistoryPoint(-1, p.status, p.median_s, p.interval_s, p.queries))
                )
        return points
    for case in report.results:
        point = HistoryPoint(-1, case.status, queries=case.queries)
        if case.ok and case.times_s:
            point.median_s = statistics.median(case.times_s)
            point.interval_s = list(median_interval(case.times_s))
        points.append(((case.heading, case.op, case.method, case.rows), point))
    return points


# --- the analysis ---------------------------------------------------------------------------


def history(
    folder: Path, min_change: float = 0.10, notify: Callable[[str], None] | None = None
) -> HistoryReport:
    """Every case's history in ``folder`` and the steps in its time and query count; each file
    skipped is told to ``notify``."""
    loaded, skipped = load_history(folder)
    for skip in skipped:
        if notify:
            notify(f"skipped {skip['path']}: {skip['reason']}")
    runs = [run for run, _points in loaded]
    cases: dict[Key, CaseHistory] = {}
    for index, (_run, points) in enumerate(loaded):
        for key, point in points:
            point.run = index
            if key not in cases:
                design, op, method, rows = key
                name = f"{design} · {op} · {method} · {rows:,} rows"
                cases[key] = CaseHistory(name, design, op, method, rows, [])
            cases[key].points.append(point)
    timed = {key: _timed(case) for key, case in cases.items()}
    factors = _machine_factors(timed, len(runs))
    # The drift is taken out only where it explains the cases' moves: on a machine whose load
    # moves each case on its own, dividing by the others' median adds their noise instead.
    for run, factor in zip(runs, factors, strict=True):
        run.machine_factor = factor
    for key, case in cases.items():
        case.drift_corrected = _drift_explains(timed[key], factors)
        used = factors if case.drift_corrected else [1.0] * len(runs)
        case.steps = _time_steps(case, runs, timed[key], used, min_change)
        case.steps += _query_steps(case, runs)
        case.steps.sort(key=lambda s: (s.run, s.kind))
    machine_steps = _steps_of([(f, None) for f in factors], min_change)[1]
    for step in machine_steps:
        step.commit = runs[step.run].commit
    return HistoryReport(
        folder=str(folder),
        runs=runs,
        cases=list(cases.values()),
        machine_steps=machine_steps,
        skipped=skipped,
        min_change=min_change,
    )


def _timed(case: CaseHistory) -> dict[int, tuple[float, float | None]]:
    """run -> (median relative to the case's median over the history, the point's weight)."""
    measured = [p for p in case.points if p.median_s]
    if not measured:
        return {}
    middle = statistics.median(p.median_s for p in measured if p.median_s)
    timed: dict[int, tuple[float, float | None]] = {}
    for p in measured:
        assert p.median_s
        weight = None
        if p.interval_s and p.interval_s[1] > p.interval_s[0]:
            weight = 2 * p.median_s / (p.interval_s[1] - p.interval_s[0])
        timed[p.run] = (p.median_s / middle, weight)
    return timed


def _machine_factors(
    timed: dict[Key, dict[int, tuple[float, float | None]]], runs: int
) -> list[float]:
    factors = []
    for run in range(runs):
        values = [series[run][0] for series in timed.values() if run in series]
        factors.append(statistics.median(values) if len(values) >= MIN_CASES_FOR_DRIFT else 1.0)
    return factors


def _time_steps(
    case: CaseHistory,
    runs: list[HistoryRun],
    timed: dict[int, tuple[float, float | None]],
    factors: list[float],
    min_change: float,
) -> list[Step]:
    order = sorted(timed)
    values = [timed[run][0] / factors[run] for run in order]
    series = [(value, timed[run][1]) for value, run in zip(values, order, strict=True)]
    raw = {p.run: p.median_s for p in case.points if p.median_s}
    segments, steps = _steps_of(series, min_change)
    case.segments = [
        [
            order[s.start],
            order[s.end - 1],
            statistics.median(raw[r] for r in order[s.start : s.end] if raw[r]),
        ]
        for s in segments
    ]
    for index, step in enumerate(steps):
        step.run = order[step.run]
        step.commit = runs[step.run].commit
        # Shown in seconds: the medians of the runs on either side, as measured.
        step.before, step.after = case.segments[index][2], case.segments[index + 1][2]
    return steps


def _drift_explains(series: dict[int, tuple[float, float | None]], factors: list[float]) -> bool:
    """Whether a case is judged with the drift taken out: unless its own times move clearly
    less from run to run than the corrected ones (see the module's docstring)."""
    order = sorted(series)
    raw = _jumpiness([series[r][0] for r in order])
    corrected = _jumpiness([series[r][0] / factors[r] for r in order])
    return not raw < STEADIER * corrected


def _jumpiness(values: list[float]) -> float:
    """The mean change from one run to the next: a step adds one change, noise adds many."""
    if len(values) < 2:
        return 0.0
    return statistics.fmean(abs(b - a) for a, b in itertools.pairwise(values))


def _steps_of(
    series: list[tuple[float, float | None]], min_change: float
) -> tuple[list[Segment], list[Step]]:
    """The segments of ``series`` (value, weight) and the steps between them that pass the
    checks in the module's docstring; ``Step.run`` is an index into ``series``."""
    values = [v for v, _w in series]
    segments = fit(values, [w if w is not None else 0.0 for _v, w in series])
    while True:
        steps, weakest = [], None
        for before, after in itertools.pairwise(segments):
            step = _step(values[before.start : before.end], values[after.start : after.end])
            step.run = after.start
            passes = abs(step.change) >= min_change and _excludes_zero(step.interval)
            if passes:
                steps.append(step)
            elif weakest is None or abs(step.change) < abs(weakest[1].change):
                weakest = (before, step)
        if weakest is None:
            break
        at = segments.index(weakest[0])
        merged = Segment(segments[at].start, segments[at + 1].end, 0.0)
        segments = [*segments[:at], merged, *segments[at + 2 :]]
    return segments, steps


def _step(before: list[float], after: list[float]) -> Step:
    low_b, high_b = median_interval(before)
    low_a, high_a = median_interval(after)
    b, a = statistics.median(before), statistics.median(after)
    change = a / b - 1
    return Step(
        kind=TIME,
        run=-1,
        commit=None,
        before=b,
        after=a,
        change=change,
        interval=[low_a / high_b - 1, high_a / low_b - 1],
        regression=change > 0,
    )


def _excludes_zero(interval: list[float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def _query_steps(case: CaseHistory, runs: list[HistoryRun]) -> list[Step]:
    counted = [p for p in case.points if p.queries is not None]
    steps = []
    for before, after in itertools.pairwise(counted):
        assert before.queries is not None and after.queries is not None
        if after.queries != before.queries:
            steps.append(
                Step(
                    kind=QUERIES,
                    run=after.run,
                    commit=runs[after.run].commit,
                    before=before.queries,
                    after=after.queries,
                    change=after.queries - before.queries,
                    regression=after.queries > before.queries,
                )
            )
    return steps


# --- the gate -------------------------------------------------------------------------------


def check_rules(rules: list[FailRule]) -> None:
    """History judges time and query counts; instructions are ``diff``'s."""
    for rule in rules:
        if rule.kind not in (TIME, QUERIES):
            raise BadInput(
                f"{{fail_on}} {rule.text!r}: history judges time:N% and queries:+N "
                "(instructions: roadbench diff)",
                "fail_on",
            )


def check(report: HistoryReport, rules: list[FailRule]) -> list[str]:
    """The reasons a CI gate fails: a case's latest time step is a slowdown beyond a time rule,
    or its latest query count change adds more statements than a queries rule allows."""
    check_rules(rules)
    failures = []
    for rule in rules:
        for case in report.cases:
            step = case.latest(rule.kind)
            if step is None or not step.regression or step.change <= rule.threshold:
                continue
            failures.append(f"{case.name}: {report.describe(step)}, beyond {rule.text}")
    report.failures = failures
    return failures
