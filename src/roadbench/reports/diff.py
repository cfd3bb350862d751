"""Compare two saved runs: what changed, whether it is more than noise, and the CI verdict.

Time changes are judged with Mann-Whitney U (valid for unequal sample sizes), a minimum
effect size, and the noise both runs show (the width of their medians' 95% intervals). In two
comparisons, each case is judged on its paired values: its time in each round divided by the
other options' (geometric mean) in the same round, so a machine that runs slower or faster as
a whole cancels out, while one method that got slower still shows. Query and instruction
counts are deterministic, so any change in them is real.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.stats import mann_whitney_u, median_interval, relative_half_width
from roadbench.reports.results import SCHEMA_VERSION, CaseResult, case_from_dict, design_heading
from roadbench.reports.shape import ShapeChange, attach_shapes, shape_failures, shape_undecided

# Environment fields whose difference can explain a change by itself.
COMPARED_ENVIRONMENT = (
    "database_vendor",
    "database_version",
    "database_driver",
    "django",
    "python",
    "roadbench",
    "cpu",
    "cores",
    "os",
    "machine",
)
FASTER, SLOWER, SAME, ADDED, REMOVED, NOT_COMPARABLE = (
    "faster",
    "slower",
    "no significant change",
    "added",
    "removed",
    "not comparable",
)
# The verdicts of a case measured in both files: the only ones a --fail-on rule can judge.
COMPARED = (FASTER, SLOWER, SAME)


@dataclass
class CaseDiff:
    option: int
    op: str
    method: str
    rows: int
    verdict: str
    base_median_s: float | None = None
    new_median_s: float | None = None
    ratio: float | None = None
    change: float | None = None  # (new - base) / base
    p_value: float | None = None
    test: str | None = None
    significant: bool = False
    base_queries: int | None = None
    new_queries: int | None = None
    # What the verdict was judged on: "paired ratios" (within each round, against the row's
    # other options: machine drift cancels) or "times".
    basis: str | None = None
    time_change: float | None = None  # of the medians of the raw times, for reference
    noise: float | None = None  # the change the two runs' own spread could explain
    base_instructions: int | None = None
    new_instructions: int | None = None
    design: str = ""  # a design not roadbench's own, by its name (see CaseResult.design)
    # The statements' shapes in both runs (reports.shape); None unless measured in both.
    shape: ShapeChange | None = None

    @property
    def name(self) -> str:
        heading = design_heading(self.option, self.design)
        return f"{heading} · {self.op} · {self.method} · {self.rows:,} rows"

    @property
    def query_change(self) -> int | None:
        if self.base_queries is None or self.new_queries is None:
            return None
        return self.new_queries - self.base_queries

    @property
    def instruction_change(self) -> float | None:
        if not self.base_instructions or self.new_instructions is None:
            return None
        return self.new_instructions / self.base_instructions - 1


@dataclass
class FailRule:
    kind: str  # "time", "queries", "instructions" or "shape"
    # time, instructions: a fraction (0.10); queries: extra statements allowed (0); shape: 0
    threshold: float
    text: str


@dataclass
class DiffReport:
    base_environment: dict[str, Any]
    new_environment: dict[str, Any]
    environment_changes: list[tuple[str, Any, Any]]
    cases: list[CaseDiff]
    min_change: float
    failures: list[str] = field(default_factory=list)
    # In two comparisons: the median change of all paired cases' times (1.10 = the machine
    # ran 10% slower as a whole); paired verdicts are corrected for it.
    machine_drift: float | None = None
    # What a rule could not judge, and why (shape: a file without fingerprints): never a pass.
    inconclusive: list[str] = field(default_factory=list)
    kind: str = "diff"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for case, raw in zip(self.cases, data["cases"], strict=True):
            raw["query_change"] = case.query_change
            raw["instruction_change"] = case.instruction_change
        data["environment_changes"] = [
            {"field": f, "base": b, "new": n} for f, b, n in self.environment_changes
        ]
        return data


Key = tuple[int, str, str, int]


def _results(data: dict[str, Any]) -> dict[Key, CaseResult]:
    cases = [case_from_dict(r) for r in data.get("results", [])]
    return {(c.option, c.op, c.method, c.rows): c for c in cases}


def paired_values(data: dict[str, Any]) -> dict[Key, list[float]]:
    """A comparison's cases as paired values: each round's time over the geometric mean of
    the row's other options in the same round. Only rows whose options took the same rounds.
    """
    if data.get("kind") != "compare":
        return {}
    results = _results(data)
    rows: dict[str, list[Key]] = {}
    for p in data.get("planned", []):
        key = (p["option"], p["op"], p["method"], p["rows"])
        if key in results and results[key].ok:
            rows.setdefault(p["row"], []).append(key)
    paired: dict[Key, list[float]] = {}
    for keys in rows.values():
        times = [results[k].times_s for k in keys]
        if len(keys) < 2 or len({len(t) for t in times}) != 1 or min(map(min, times)) <= 0:
            continue
        for i, key in enumerate(keys):
            others = [t for j, t in enumerate(times) if j != i]
            paired[key] = [
                times[i][r] / math.exp(statistics.fmean(math.log(t[r]) for t in others))
                for r in range(len(times[i]))
            ]
    return paired


def _noise(base: Sequence[float], new: Sequence[float]) -> float:
    """The relative change the two runs' spreads could explain by themselves: the half-widths
    of their medians' 95% intervals, combined as independent errors."""
    widths = [relative_half_width(median_interval(v), statistics.median(v)) for v in (base, new)]
    return math.hypot(*widths)


def _judge(case: CaseDiff, base: Sequence[float], new: Sequence[float], min_change: float) -> None:
    """Slower or faster only when significant, beyond the minimum change and beyond the noise."""
    ratio = statistics.median(new) / statistics.median(base)
    test = mann_whitney_u(base, new)
    case.ratio, case.change = ratio, ratio - 1
    case.p_value, case.test = test.p_value, test.method
    case.noise = _noise(base, new)
    case.significant = test.p_value < ALPHA and abs(ratio - 1) >= max(min_change, case.noise)


ALPHA = 0.05


def _drift(before: dict[Key, CaseResult], after: dict[Key, CaseResult], keys: set[Key]) -> float:
    """How much slower the machine ran as a whole: the median change of the medians."""
    changes = [
        statistics.median(after[k].times_s) / statistics.median(before[k].times_s) for k in keys
    ]
    return statistics.median(changes) if changes else 1.0


def diff(base: dict[str, Any], new: dict[str, Any], min_change: float = 0.05) -> DiffReport:
    """Case by case, matched on (option, op, method, rows)."""
    base_env, new_env = base.get("environment", {}), new.get("environment", {})
    changes = [
        (name, base_env.get(name), new_env.get(name))
        for name in COMPARED_ENVIRONMENT
        if base_env.get(name) != new_env.get(name)
    ]
    before, after = _results(base), _results(new)
    paired_before, paired_after = paired_values(base), paired_values(new)
    drift = _drift(before, after, set(paired_before) & set(paired_after))
    cases = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, now = before.get(key), after.get(key)
        case = CaseDiff(*key, verdict=NOT_COMPARABLE)
        either = now if now is not None else old
        case.design = either.design if either is not None else ""
        if old is None:
            case.verdict = ADDED
        elif now is None:
            case.verdict = REMOVED
        if old is not None and old.ok:
            case.base_median_s, case.base_queries = old.median_s, old.queries
            case.base_instructions = old.instructions
        if now is not None and now.ok:
            case.new_median_s, case.new_queries = now.median_s, now.queries
            case.new_instructions = now.instructions
        if (
            old is not None
            and now is not None
            and old.ok
            and now.ok
            and old.times_s
            and now.times_s
        ):
            case.time_change = statistics.median(now.times_s) / statistics.median(old.times_s) - 1
            if key in paired_before and key in paired_after:
                case.basis = "paired ratios"
                _judge(case, paired_before[key], paired_after[key], min_change)
                # When one option slows down, the others look faster against it; their own
                # times (corrected for the whole machine's drift) say whose change it is.
                own = (1 + case.time_change) / drift - 1
                if (case.change or 0) * own <= 0 or abs(own) < min_change:
                    case.significant = False
            else:
                case.basis = "times"
                _judge(case, old.times_s, now.times_s, min_change)
            case.verdict = (
                (SLOWER if (case.change or 0) > 0 else FASTER) if case.significant else SAME
            )
        cases.append(case)
    report = DiffReport(base_env, new_env, changes, cases, min_change)
    attach_shapes(report.cases, base, new)
    if paired_before and paired_after:
        report.machine_drift = drift
    return report


_RULE = re.compile(r"^(time|instructions):(\d+(?:\.\d+)?)%$|^(queries):\+(\d+)$|^(shape)$")


def parse_fail_on(text: str) -> FailRule:
    match = _RULE.match(text.strip())
    if not match:
        raise BadInput(
            f"{{fail_on}} {text!r}: use time:N% (a significant slowdown beyond N%), "
            "instructions:N% (more CPU instructions, from run --instructions), "
            "queries:+N (more than N extra queries in any case) or shape (a statement "
            "shape appeared or disappeared in any case)",
            "fail_on",
        )
    if match.group(5):
        return FailRule("shape", 0, text)
    if match.group(1):
        return FailRule(match.group(1), float(match.group(2)) / 100, text)
    return FailRule("queries", float(match.group(4)), text)


def check(report: DiffReport, rules: list[FailRule]) -> list[str]:
    """The reasons a CI gate fails: a significant slowdown or extra queries beyond a rule."""
    failures = []
    for rule in rules:
        if rule.kind == "shape":
            failures.extend(shape_failures(report.cases))
            undecided = shape_undecided(report.cases)
            report.inconclusive += [u for u in undecided if u not in report.inconclusive]
        for case in report.cases:
            if rule.kind == "time" and case.significant and (case.change or 0) > rule.threshold:
                failures.append(
                    f"{case.name}: {case.change:+.1%} slower (p = {case.p_value:.3f}), "
                    f"beyond {rule.text}"
                )
            more = case.instruction_change
            if rule.kind == "instructions" and more is not None and more > rule.threshold:
                failures.append(
                    f"{case.name}: {case.base_instructions:,} → {case.new_instructions:,} "
                    f"instructions ({more:+.2%}), beyond {rule.text}"
                )
            extra = case.query_change
            if rule.kind == "queries" and extra is not None and extra > rule.threshold:
                failures.append(
                    f"{case.name}: {case.base_queries:,} → {case.new_queries:,} queries "
                    f"({extra:+,}), beyond {rule.text}"
                )
    report.failures = failures
    return failures
