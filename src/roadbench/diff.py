"""Compare two saved runs: what changed, whether it is more than noise, and the CI verdict.

Time changes are judged with Mann-Whitney U (valid for unequal sample sizes) plus a minimum
effect size; query counts are exact, so any change in them is real.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.errors import BadInput
from roadbench.results import CaseResult, case_from_dict
from roadbench.stats import significant_change

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

    @property
    def name(self) -> str:
        return f"option {self.option} · {self.op} · {self.method} · {self.rows:,} rows"

    @property
    def query_change(self) -> int | None:
        if self.base_queries is None or self.new_queries is None:
            return None
        return self.new_queries - self.base_queries


@dataclass
class FailRule:
    kind: str  # "time" or "queries"
    threshold: float  # time: fraction (0.10); queries: extra statements allowed (0)
    text: str


@dataclass
class DiffReport:
    base_environment: dict[str, Any]
    new_environment: dict[str, Any]
    environment_changes: list[tuple[str, Any, Any]]
    cases: list[CaseDiff]
    min_change: float
    failures: list[str] = field(default_factory=list)
    kind: str = "diff"
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for case, raw in zip(self.cases, data["cases"], strict=True):
            raw["query_change"] = case.query_change
        data["environment_changes"] = [
            {"field": f, "base": b, "new": n} for f, b, n in self.environment_changes
        ]
        return data


def _results(data: dict[str, Any]) -> dict[tuple[int, str, str, int], CaseResult]:
    cases = [case_from_dict(r) for r in data.get("results", [])]
    return {(c.option, c.op, c.method, c.rows): c for c in cases}


def diff(base: dict[str, Any], new: dict[str, Any], min_change: float = 0.05) -> DiffReport:
    """Case by case, matched on (option, op, method, rows)."""
    base_env, new_env = base.get("environment", {}), new.get("environment", {})
    changes = [
        (name, base_env.get(name), new_env.get(name))
        for name in COMPARED_ENVIRONMENT
        if base_env.get(name) != new_env.get(name)
    ]
    before, after = _results(base), _results(new)
    cases = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, now = before.get(key), after.get(key)
        case = CaseDiff(*key, verdict=NOT_COMPARABLE)
        if old is None:
            case.verdict = ADDED
        elif now is None:
            case.verdict = REMOVED
        if old is not None and old.ok:
            case.base_median_s, case.base_queries = old.median_s, old.queries
        if now is not None and now.ok:
            case.new_median_s, case.new_queries = now.median_s, now.queries
        if (
            old is not None
            and now is not None
            and old.ok
            and now.ok
            and old.times_s
            and now.times_s
        ):
            ratio, test, significant = significant_change(old.times_s, now.times_s, min_change)
            case.ratio, case.change = ratio, ratio - 1
            case.p_value, case.test, case.significant = test.p_value, test.method, significant
            case.verdict = (SLOWER if ratio > 1 else FASTER) if significant else SAME
        cases.append(case)
    return DiffReport(base_env, new_env, changes, cases, min_change)


_RULE = re.compile(r"^(time):(\d+(?:\.\d+)?)%$|^(queries):\+(\d+)$")


def parse_fail_on(text: str) -> FailRule:
    match = _RULE.match(text.strip())
    if not match:
        raise BadInput(
            f"--fail-on {text!r}: use time:N% (a significant slowdown beyond N%) or "
            "queries:+N (more than N extra queries in any case)"
        )
    if match.group(1):
        return FailRule("time", float(match.group(2)) / 100, text)
    return FailRule("queries", float(match.group(4)), text)


def check(report: DiffReport, rules: list[FailRule]) -> list[str]:
    """The reasons a CI gate fails: a significant slowdown or extra queries beyond a rule."""
    failures = []
    for rule in rules:
        for case in report.cases:
            if rule.kind == "time" and case.significant and (case.change or 0) > rule.threshold:
                failures.append(
                    f"{case.name}: {case.change:+.1%} slower (p = {case.p_value:.3f}), "
                    f"beyond {rule.text}"
                )
            extra = case.query_change
            if rule.kind == "queries" and extra is not None and extra > rule.threshold:
                failures.append(
                    f"{case.name}: {case.base_queries:,} → {case.new_queries:,} queries "
                    f"({extra:+,}), beyond {rule.text}"
                )
    report.failures = failures
    return failures
