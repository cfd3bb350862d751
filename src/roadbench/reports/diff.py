"""Compare two saved runs: what changed, whether it is more than noise, and the CI verdict.

Time changes are judged with Mann-Whitney U (valid for unequal sample sizes), its p-values
corrected for the number of cases tested at once (Holm by default), a minimum effect size, and
the noise both runs show (the width of their medians' 95% intervals). In two comparisons, each
case is judged on its paired values: its time in each round divided by the other options'
(geometric mean) in the same round, so what slowed a round hits every option alike.

Two runs saved in two sessions cannot tell a slower machine from slower code: when the whole
run moved beyond its noise, every time verdict is "inconclusive" unless the user asks for the
drift to be corrected (``assume_drift``). So is a case flagged unstable in either run whose
change would count, and one whose values are too few for any p-value to reach ``alpha``. A
gate never passes what it could not judge (DESIGN.md rule 10). Query and instruction counts
are deterministic, so any change in them is real.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.multiplicity import (
    CORRECTION_NAMES,
    HOLM,
    adjust,
    reachable,
    smallest_mann_whitney_p,
)
from roadbench.measuring.stats import mann_whitney_u, median_interval, relative_half_width
from roadbench.reports.drift import Drift, whole_run_drift
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
FASTER, SLOWER, SAME, INCONCLUSIVE, ADDED, REMOVED, NOT_COMPARABLE = (
    "faster",
    "slower",
    "no significant change",
    "inconclusive",
    "added",
    "removed",
    "not comparable",
)
# The verdicts of a case measured in both files: the only ones a --fail-on rule can judge.
COMPARED = (FASTER, SLOWER, SAME, INCONCLUSIVE)
# What a gate concluded (DiffReport.gate): every rule judged and none broken; a rule broken;
# or some rule could not judge (and none was broken).
PASSED, FAILED, UNDECIDED = "passed", "failed", "inconclusive"
# The significance level and correction, chosen by measurement (benchmarks/diff_false_alarms.py,
# docs/comparing-runs.md): p < ALPHA after CORRECTION over the cases of the diff.
ALPHA = 0.05
CORRECTION = HOLM
# Why a case is inconclusive (CaseDiff.inconclusive_because).
DRIFT, TOO_FEW, UNSTABLE = "drift", "too few values", "unstable"


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
    # The p-value corrected for the cases tested together, which decides significance.
    p_adjusted: float | None = None
    base_values: int | None = None  # how many values were judged on each side
    new_values: int | None = None
    # The runs ("base", "new") whose values for this case were flagged unstable when measured.
    unstable_in: list[str] = field(default_factory=list)
    # Why the verdict is inconclusive: DRIFT, TOO_FEW or UNSTABLE (None otherwise).
    inconclusive_because: str | None = None

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
    # The median change of all compared cases' times (1.10 = the whole run ran 10% slower),
    # with at least 3 such cases; see ``drift`` for its interval and whether it is beyond the
    # noise.
    machine_drift: float | None = None
    drift: Drift | None = None
    # True when the user asked for the drift to be taken as the machine's and corrected.
    assume_drift: bool = False
    alpha: float = ALPHA
    correction: str = CORRECTION
    tested: int = 0  # cases whose times were tested together (the correction's m)
    # What a rule could not judge, one line each (the gate is then inconclusive; shape: a
    # file without fingerprints): never a pass.
    inconclusive: list[str] = field(default_factory=list)
    # With --fail-on rules: PASSED, FAILED or UNDECIDED ("inconclusive"); None without rules.
    gate: str | None = None
    kind: str = "diff"
    schema_version: int = SCHEMA_VERSION
    # A matrix or ab file's first and last environments, as their labels ("Django 5.2").
    sides: list[str] | None = None

    @property
    def drift_unexplained(self) -> bool:
        """The whole run moved beyond its noise and the user did not say it was the machine."""
        return self.drift is not None and self.drift.beyond_noise and not self.assume_drift

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


@dataclass
class _Tested:
    """A case whose times are tested: the values judged and the test's outcome."""

    case: CaseDiff
    base: list[float]
    new: list[float]
    own_change: float | None = None  # paired: the case's own time change, for agreement


def _test(tested: _Tested) -> None:
    case, base, new = tested.case, tested.base, tested.new
    ratio = statistics.median(new) / statistics.median(base)
    test = mann_whitney_u(base, new)
    case.ratio, case.change = ratio, ratio - 1
    case.p_value, case.test = test.p_value, test.method
    case.noise = _noise(base, new)
    case.base_values, case.new_values = len(base), len(new)


def _unstable(result: CaseResult) -> bool:
    return any(w.startswith("unstable") for w in result.warnings)


def diff(
    base: dict[str, Any],
    new: dict[str, Any],
    min_change: float = 0.05,
    *,
    alpha: float = ALPHA,
    correction: str = CORRECTION,
    assume_drift: bool = False,
) -> DiffReport:
    """Case by case, matched on (option, op, method, rows).

    ``alpha`` and ``correction`` ("holm", "bh" or "none"): a change is significant when its
    corrected p-value is below ``alpha`` (and beyond ``min_change`` and the noise).
    ``assume_drift``: take a move of the whole run as the machine's and correct for it, instead
    of calling every time verdict inconclusive.
    """
    base_env, new_env = base.get("environment", {}), new.get("environment", {})
    changes = [
        (name, base_env.get(name), new_env.get(name))
        for name in COMPARED_ENVIRONMENT
        if base_env.get(name) != new_env.get(name)
    ]
    before, after = _results(base), _results(new)
    paired_before, paired_after = paired_values(base), paired_values(new)
    cases: list[CaseDiff] = []
    timed: list[tuple[CaseDiff, CaseResult, CaseResult]] = []
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
            timed.append((case, old, now))
        cases.append(case)
    drift = whole_run_drift(
        [1 + case.time_change for case, _, _ in timed if case.time_change is not None],
        [_noise(old.times_s, now.times_s) for _, old, now in timed],
        min_change,
    )
    correct = drift.factor if drift is not None and assume_drift else 1.0
    tests = []
    for case, old, now in timed:
        key = (case.option, case.op, case.method, case.rows)
        case.unstable_in = [n for n, r in (("base", old), ("new", now)) if _unstable(r)]
        if key in paired_before and key in paired_after:
            case.basis = "paired ratios"
            # When one option slows down, the others look faster against it; their own
            # times (corrected for the drift only when asked) say whose change it is.
            own = (1 + (case.time_change or 0)) / correct - 1
            tests.append(_Tested(case, paired_before[key], paired_after[key], own))
        else:
            case.basis = "times"
            tests.append(_Tested(case, old.times_s, [t / correct for t in now.times_s]))
    for tested in tests:
        _test(tested)
    adjusted = adjust([t.case.p_value or 1.0 for t in tests], correction)
    smallest = [smallest_mann_whitney_p(len(t.base), len(t.new)) for t in tests]
    can_reach = reachable(smallest, alpha, correction)
    unexplained = drift is not None and drift.beyond_noise and not assume_drift
    for tested, p_adjusted, possible in zip(tests, adjusted, can_reach, strict=True):
        case = tested.case
        case.p_adjusted = p_adjusted
        change = case.change or 0
        case.significant = p_adjusted < alpha and abs(change) >= max(min_change, case.noise or 0)
        if tested.own_change is not None and (
            change * tested.own_change <= 0 or abs(tested.own_change) < min_change
        ):
            case.significant = False
        case.verdict = (SLOWER if change > 0 else FASTER) if case.significant else SAME
        if unexplained:
            case.inconclusive_because = DRIFT
        elif not possible:
            case.inconclusive_because = TOO_FEW
        elif case.significant and case.unstable_in:
            case.inconclusive_because = UNSTABLE
        if case.inconclusive_because:
            case.verdict, case.significant = INCONCLUSIVE, False
    report = DiffReport(base_env, new_env, changes, cases, min_change)
    attach_shapes(report.cases, base, new)
    report.drift, report.assume_drift = drift, assume_drift
    report.machine_drift = drift.factor if drift is not None else None
    report.alpha, report.correction, report.tested = alpha, correction, len(tests)
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
    """The reasons a CI gate fails: a significant slowdown or extra queries beyond a rule.

    Also sets ``report.inconclusive`` (what a rule could not judge, one line each) and
    ``report.gate``: FAILED with any failure, else UNDECIDED when a rule could not judge some
    case, else PASSED (None without rules)."""
    failures: list[str] = []
    undecided: list[str] = []
    compared = [case for case in report.cases if case.verdict in COMPARED]
    for rule in rules:
        if rule.kind == "shape":
            failures.extend(shape_failures(report.cases))
            undecided += shape_undecided(report.cases)
        for case in compared:
            if rule.kind == "time" and case.significant and (case.change or 0) > rule.threshold:
                failures.append(
                    f"{case.name}: {case.change:+.1%} slower ({_p_text(report, case)}), "
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
        if rule.kind == "time":
            undecided += _undecided_times(report, rule)
        elif rule.kind == "instructions":
            undecided += _undecided_instructions(compared, rule)
    report.failures = failures
    report.inconclusive = list(dict.fromkeys(undecided))
    report.gate = None if not rules else FAILED if failures else UNDECIDED if undecided else PASSED
    return failures


def _p_text(report: DiffReport, case: CaseDiff) -> str:
    """p = 0.001, and the corrected value when a correction made one."""
    text = f"p = {case.p_value:.3f}" if case.p_value is not None else "p unknown"
    if case.p_adjusted is not None and report.correction != "none" and report.tested > 1:
        text += f", {CORRECTION_NAMES[report.correction]}-adjusted {case.p_adjusted:.3f}"
    return text


def _undecided_times(report: DiffReport, rule: FailRule) -> list[str]:
    """What a time rule could not judge: the whole run's drift, too few values, cases whose
    noise hides a change of the rule's size, unstable cases whose change would break it."""
    cases = [c for c in report.cases if c.verdict == INCONCLUSIVE]
    lines = []
    if report.drift is not None and any(c.inconclusive_because == DRIFT for c in cases):
        lines.append(
            f"{rule.text}: {report.drift.describe()}; two sessions cannot tell a slower "
            "machine from slower code. Measure both in one session, in interleaved rounds "
            "(roadbench ab), or gate on counts (--fail-on instructions:2%, queries:+0); "
            "--assume-drift corrects for it as the machine's"
        )
    few = [c for c in cases if c.inconclusive_because == TOO_FEW]
    if few:
        counts = sorted({_values(c) for c in few})
        lines.append(
            f"{rule.text}: {len(few)} case{'s' if len(few) != 1 else ''} with "
            f"{' / '.join(counts)} values: no p-value can reach {report.alpha:g}"
            f"{_over(report)}; measure more values (--repeat)"
        )
    noisy = [
        c
        for c in report.cases
        if c.verdict == SAME and c.noise is not None and c.noise > rule.threshold
    ]
    if noisy:
        low, high = min(c.noise or 0 for c in noisy), max(c.noise or 0 for c in noisy)
        lines.append(
            f"{rule.text}: {len(noisy)} case{'s' if len(noisy) != 1 else ''} with no "
            f"significant change but noise above {rule.threshold:.0%} (±{low:.0%}"
            + (f" to ±{high:.0%}" if high > low else "")
            + f"), where a {rule.threshold:.0%} slowdown could not be told from noise: "
            f"{noisy[0].name}{' ...' if len(noisy) > 1 else ''}; measure more values "
            "(--repeat, --rigorous), on a quieter machine, or both in one session "
            "(roadbench ab)"
        )
    unstable = [
        c for c in cases if c.inconclusive_because == UNSTABLE and (c.change or 0) > rule.threshold
    ]
    for case in unstable:
        lines.append(
            f"{rule.text}: {case.name}: {case.change:+.1%}, but unstable in the "
            f"{' and '.join(case.unstable_in)} run{'s' if len(case.unstable_in) > 1 else ''}"
            "; measure it again on a quieter machine, or both in one session (roadbench ab)"
        )
    return lines


def _values(case: CaseDiff) -> str:
    return f"{case.base_values} against {case.new_values}"


def _over(report: DiffReport) -> str:
    if report.correction == "none" or report.tested < 2:
        return ""
    return f" after {CORRECTION_NAMES[report.correction]}'s correction over {report.tested} cases"


def _undecided_instructions(compared: list[CaseDiff], rule: FailRule) -> list[str]:
    missing = [c for c in compared if c.instruction_change is None]
    if not missing:
        return []
    sides = sorted(
        {
            side
            for c in missing
            for side, count in (("base", c.base_instructions), ("new", c.new_instructions))
            if not count
        }
    )
    return [
        f"{rule.text}: {len(missing)} of {len(compared)} cases have no instruction counts in "
        f"the {' and '.join(sides)} file{'s' if len(sides) > 1 else ''} (save both runs with "
        "--instructions)"
    ]
