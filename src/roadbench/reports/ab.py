"""The combined result of a same-session A/B (``matrix``, ``ab``) and its verdicts.

The file is the last environment's (the head's) run or comparison, as ``run --save`` or
``compare --save`` writes it, so ``report``, ``chart`` and ``diff`` read it as they read
any; beside it, ``ab`` holds every environment's own report and, for every case, each
environment's time as a multiple of the first's: the median of the per-round ratios with its
95% interval, and a verdict that names a change only outside the interval and beyond the
minimum effect (a tie otherwise), as ``compare`` judges designs.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.measuring.stats import median_interval
from roadbench.reports.results import OK, design_heading

FASTER, SLOWER, TIE, NOT_COMPARABLE = "faster", "slower", "tie", "not comparable"
SAME_SESSION = "same-session rounds"  # what an A/B's diff judges (CaseDiff.basis)


@dataclass
class ABCase:
    """One case of one environment against the first (the base)."""

    option: int
    op: str
    method: str
    rows: int
    row: str  # the comparison's row label ("run" for a run)
    side: str
    verdict: str
    design: str = ""
    rounds: int = 0
    per_round: list[float] = field(default_factory=list)
    ratio: float | None = None
    interval: list[float] | None = None
    p_value: float | None = None  # two-sided sign test of the per-round ratios against 1
    base_median_s: float | None = None
    median_s: float | None = None
    base_queries: int | None = None
    queries: int | None = None

    @property
    def name(self) -> str:
        heading = design_heading(self.option, self.design)
        return f"{heading} · {self.op} · {self.method} · {self.rows:,} rows"


@dataclass
class ABSide:
    label: str
    python: str
    revision: str | None
    report: dict[str, Any]  # the environment's own run or comparison, as saved


@dataclass
class ABSection:
    command: str  # "run" or "compare"
    what: str  # "matrix" or "ab"
    processes: int
    min_effect: float
    sides: list[ABSide]
    cases: list[ABCase]

    @property
    def labels(self) -> list[str]:
        return [side.label for side in self.sides]


def sign_test(ratios: list[float]) -> float:
    """Two-sided p-value that ratios above and below 1 are equally likely (ties dropped)."""
    above = sum(r > 1 for r in ratios)
    below = sum(r < 1 for r in ratios)
    n = above + below
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, j) for j in range(min(above, below) + 1)) / 2**n
    return min(1.0, 2 * tail)


def judge(ratio: float, interval: list[float] | None, min_effect: float) -> str:
    """Slower or faster only outside the interval and beyond the minimum effect."""
    if interval is not None and interval[0] > 1 and ratio - 1 >= min_effect:
        return SLOWER
    if interval is not None and interval[1] < 1 and 1 - ratio >= min_effect:
        return FASTER
    return TIE


def ab_cases(sides: list[ABSide], min_effect: float) -> list[ABCase]:
    """Every environment's cases after the first, each against the first's same case."""
    base = _by_key(sides[0].report)
    found = []
    for side in sides[1:]:
        for key, (row, case) in _by_key(side.report).items():
            verdict = ABCase(*key, row=row, side=side.label, verdict=NOT_COMPARABLE)
            verdict.design = case.get("design", "")
            first = base.get(key, (row, None))[1]
            if case.get("status", OK) == OK:
                verdict.median_s, verdict.queries = case["median_s"], case.get("queries")
            if first is not None and first.get("status", OK) == OK:
                verdict.base_median_s = first["median_s"]
                verdict.base_queries = first.get("queries")
            if verdict.median_s is not None and verdict.base_median_s is not None and first:
                _ratios(verdict, first["times_s"], case["times_s"], min_effect)
            found.append(verdict)
    return found


def _ratios(verdict: ABCase, base: list[float], new: list[float], min_effect: float) -> None:
    rounds = min(len(base), len(new))
    verdict.rounds = rounds
    if rounds == 0:
        return
    verdict.per_round = [n / b for b, n in zip(base[:rounds], new[:rounds], strict=True)]
    verdict.ratio = statistics.median(verdict.per_round)
    verdict.interval = list(median_interval(verdict.per_round)) if rounds > 1 else None
    verdict.p_value = sign_test(verdict.per_round)
    verdict.verdict = judge(verdict.ratio, verdict.interval, min_effect)


def _by_key(report: dict[str, Any]) -> dict[tuple[int, str, str, int], tuple[str, dict[str, Any]]]:
    rows = {
        (p["option"], p["op"], p["method"], p["rows"]): p["row"] for p in report.get("planned", [])
    }
    found = {}
    for case in report.get("results", []):
        key = (case["option"], case["op"], case["method"], case["rows"])
        found[key] = (rows.get(key, "run"), case)
    return found


def combined(section: ABSection) -> dict[str, Any]:
    """The file: the head's report, with the section beside it."""
    data = dict(section.sides[-1].report)
    data["ab"] = asdict(section)
    return data


def section_of(data: dict[str, Any]) -> ABSection | None:
    """The A/B section of a loaded file, or None for a plain run or comparison."""
    raw = data.get("ab")
    if raw is None:
        return None
    from roadbench.reports.saved import fields_problem

    problem = fields_problem(ABSection, raw, "ab")
    if problem:
        raise BadInput(f"not a valid roadbench A/B result: {problem}")
    if len(raw["sides"]) < 2:
        raise BadInput("not a valid roadbench A/B result: ab.sides: fewer than two")
    return ABSection(
        command=raw["command"],
        what=raw["what"],
        processes=raw["processes"],
        min_effect=raw["min_effect"],
        sides=[ABSide(**side) for side in raw["sides"]],
        cases=[ABCase(**case) for case in raw["cases"]],
    )


def ab_diff(section: ABSection, min_change: float) -> Any:
    """The section as ``diff`` reports it: the first environment against the last, judged
    on the per-round ratios (same session: the machine's drift is in both sides of every
    ratio), so that ``diff``'s ``--fail-on`` rules gate it as they gate two files.

    A change is significant when the ratio's 95% interval is clear of 1, the change is at
    least ``min_change``, and the sign test's p-value, corrected over the cases as ``diff``
    corrects (Holm), is below its alpha; a case whose rounds are too few for any p-value to
    get there is inconclusive, never a pass."""
    from roadbench.measuring.multiplicity import adjust, reachable
    from roadbench.measuring.stats import relative_half_width
    from roadbench.reports import diff

    base, head = section.sides[0], section.sides[-1]
    base_env, new_env = base.report.get("environment", {}), head.report.get("environment", {})
    changes = [
        (name, base_env.get(name), new_env.get(name))
        for name in diff.COMPARED_ENVIRONMENT
        if base_env.get(name) != new_env.get(name)
    ]
    before = _by_key(base.report)
    cases = []
    tested: list[tuple[Any, ABCase]] = []
    for verdict in (c for c in section.cases if c.side == head.label):
        key = (verdict.option, verdict.op, verdict.method, verdict.rows)
        case = diff.CaseDiff(*key, verdict=diff.NOT_COMPARABLE, design=verdict.design)
        case.base_median_s, case.new_median_s = verdict.base_median_s, verdict.median_s
        case.base_queries, case.new_queries = verdict.base_queries, verdict.queries
        if key not in before:
            case.verdict = diff.ADDED
        if verdict.ratio is not None:
            case.basis = SAME_SESSION
            case.ratio, case.change = verdict.ratio, verdict.ratio - 1
            case.time_change = case.change
            case.p_value, case.test = verdict.p_value, "sign"
            case.base_values = case.new_values = verdict.rounds
            if verdict.interval is not None:
                case.noise = relative_half_width(verdict.interval, verdict.ratio)
            tested.append((case, verdict))
        cases.append(case)
    adjusted = adjust([case.p_value or 1.0 for case, _ in tested], diff.CORRECTION)
    smallest = [sign_test([2.0] * verdict.rounds) for _, verdict in tested]
    possible = reachable(smallest, diff.ALPHA, diff.CORRECTION)
    for (case, verdict), p_adjusted, can in zip(tested, adjusted, possible, strict=True):
        case.p_adjusted = p_adjusted
        clear = judge(verdict.ratio or 1.0, verdict.interval, min_change) != TIE
        case.significant = clear and p_adjusted < diff.ALPHA
        case.verdict = (
            (diff.SLOWER if (case.change or 0) > 0 else diff.FASTER)
            if case.significant
            else diff.SAME
        )
        if not can:
            case.verdict, case.significant = diff.INCONCLUSIVE, False
            case.inconclusive_because = diff.TOO_FEW
    now = {(c.option, c.op, c.method, c.rows) for c in section.cases if c.side == head.label}
    for key in before:
        if key not in now:
            cases.append(diff.CaseDiff(*key, verdict=diff.REMOVED))
    report = diff.DiffReport(base_env, new_env, changes, cases, min_change)
    report.tested = len(tested)
    report.sides = [base.label, head.label]
    from roadbench.reports.shape import attach_shapes  # --fail-on shape judges these

    attach_shapes(report.cases, base.report, head.report, (base.label, head.label))
    return report
