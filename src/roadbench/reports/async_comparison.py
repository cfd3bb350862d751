"""compare --async: each async method beside the sync method it mirrors, at concurrency 1 and
N, and the thread-hop cost per call.

The hop cost is taken within each round, as every ratio of roadbench is: (the async value -
the sync value) / the async method's calls that hopped to the ORM's thread, one difference per
round, summarised as its median with a distribution-free 95% interval. Concurrency N is shown
as a multiple of concurrency 1, also per round.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from roadbench.measuring.stats import median_interval
from roadbench.reports.results import (
    SCHEMA_VERSION,
    CaseResult,
    Environment,
    case_from_dict,
    environment_from_dict,
    from_fields,
)


@dataclass(frozen=True)
class RoundSummary:
    """A per-round quantity: its median and 95% interval, over the rounds measured."""

    median: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, values: Sequence[float]) -> RoundSummary | None:
        if not values:
            return None
        low, high = median_interval(values)
        return cls(statistics.median(values), low, high, len(values))


def per_round(a: CaseResult, b: CaseResult) -> list[tuple[float, float]]:
    """Value i of two cases measured in the same rounds, paired."""
    return list(zip(a.times_s, b.times_s, strict=False))


@dataclass
class AsyncRow:
    """One async method on one design: itself, its sync mirror and itself at N tasks."""

    option: int
    design: str
    op: str
    sync: CaseResult
    async_one: CaseResult
    async_many: CaseResult | None
    concurrency: int
    # Its calls that hop to the ORM's thread in one run (the counting pass); None: not run.
    thread_hops: int | None = None
    hop_s: RoundSummary | None = None
    many_vs_one: RoundSummary | None = None

    @property
    def method(self) -> str:
        return self.async_one.method

    @property
    def reason(self) -> str | None:
        for result in (self.async_one, self.sync, self.async_many):
            if result is not None and not result.ok:
                return f"{result.method}: {result.reason}"
        return None

    @property
    def same_queries(self) -> bool:
        return self.sync.queries == self.async_one.queries


def async_row(
    option: int,
    design: str,
    op: str,
    results: Sequence[CaseResult],
    concurrency: int,
    thread_hops: int | None,
) -> AsyncRow:
    sync, async_one, *many = results
    row = AsyncRow(
        option, design, op, sync, async_one, many[0] if many else None, concurrency, thread_hops
    )
    if row.reason is None and thread_hops:
        row.hop_s = RoundSummary.of([(a - s) / thread_hops for s, a in per_round(sync, async_one)])
        if row.async_many is not None:
            row.many_vs_one = RoundSummary.of(
                [n / one for one, n in per_round(async_one, row.async_many) if one > 0]
            )
    return row


@dataclass
class AsyncComparisonReport:
    environment: Environment
    rows: int
    concurrency: int
    entries: list[AsyncRow]
    elapsed_s: float = 0.0
    kind: str = "compare-async"
    schema_version: int = SCHEMA_VERSION
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, row in zip(data["entries"], self.entries, strict=True):
            entry["method"] = row.method
            entry["reason"] = row.reason
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AsyncComparisonReport:
        """The report a saved file (checked by ``reports.saved.load_saved``) was made from;
        an entry's ``method`` and ``reason`` are its cases', as when it was saved."""
        return cls(
            environment=environment_from_dict(data["environment"]),
            rows=data["rows"],
            concurrency=data["concurrency"],
            entries=[_row_from_dict(entry) for entry in data["entries"]],
            elapsed_s=data.get("elapsed_s", 0.0),
            notes=list(data.get("notes", [])),
        )


def _summary(data: dict[str, Any] | None) -> RoundSummary | None:
    return None if data is None else from_fields(RoundSummary, data)


def _row_from_dict(data: dict[str, Any]) -> AsyncRow:
    many = data.get("async_many")
    return AsyncRow(
        option=data["option"],
        design=data["design"],
        op=data["op"],
        sync=case_from_dict(data["sync"]),
        async_one=case_from_dict(data["async_one"]),
        async_many=None if many is None else case_from_dict(many),
        concurrency=data["concurrency"],
        thread_hops=data.get("thread_hops"),
        hop_s=_summary(data.get("hop_s")),
        many_vs_one=_summary(data.get("many_vs_one")),
    )
