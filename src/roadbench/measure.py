"""Timing passes and the query-counting pass for one case.

Every timed value: prepare (untimed, the database's fast path) -> run the op (timed) ->
verify (untimed). Query counting runs in a pass of its own, never inside a timed value.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roadbench.counting import QueryCount, count_queries
from roadbench.data import split
from roadbench.fastpath import analyze, clear_roads, insert_roads
from roadbench.models.base import RoadOption
from roadbench.ops.base import CHANGED, EMPTY, LOADED, Method, Operation
from roadbench.results import OK, UNSUPPORTED, CaseResult


@dataclass(frozen=True)
class Timing:
    warmup: int = 1
    repeat: int = 5


@dataclass
class TableState:
    """What each option's tables hold now, so a value is prepared only when it must be."""

    held: dict[int, tuple[str, int]] = field(default_factory=dict)

    def prepare(self, option: RoadOption, needs: str, rows: int) -> None:
        current = self.held.get(option.number, (CHANGED, 0))
        if needs == EMPTY and current[0] != EMPTY:
            clear_roads(option)
        elif needs == LOADED and current != (LOADED, rows):
            clear_roads(option)
            insert_roads(option, *split(rows))
            analyze(option)
        self.held[option.number] = (needs, rows if needs == LOADED else 0)

    def mark(self, option: RoadOption, state: str, rows: int) -> None:
        self.held[option.number] = (state, rows if state == LOADED else 0)


def prepare_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState
) -> None:
    """Everything before a run of the op: untimed, never instrumented."""
    state.prepare(option, op.needs, rows)
    state.mark(option, CHANGED, rows)  # unknown until the op has been verified
    if method.prepare:
        method.prepare(option, rows)


def finish_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState, affected: int
) -> None:
    """Everything after a run: the check (an error if the op lied), then the method's cleanup."""
    try:
        (method.verify or op.verify)(option, rows, affected)
    finally:
        if method.cleanup:
            method.cleanup(option, rows)
    state.mark(option, op.leaves, rows)


def _one_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState
) -> tuple[float, int]:
    prepare_value(option, op, method, rows, state)
    gc.collect()
    start = time.perf_counter()
    affected = method.run(option, rows)
    elapsed = time.perf_counter() - start
    finish_value(option, op, method, rows, state, affected)
    return elapsed, affected


def count_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    state: TableState,
    capture: bool = False,
) -> tuple[QueryCount, int]:
    """The counting pass: same preparation, same op, instrumented, untimed."""
    prepare_value(option, op, method, rows, state)
    with count_queries(capture=capture) as counted:
        affected = method.run(option, rows)
    finish_value(option, op, method, rows, state, affected)
    return counted, affected


def measure_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    timing: Timing,
    state: TableState,
    on_value: Callable[[], None] | None = None,
) -> CaseResult:
    """Measure one case on the active connection; the option's tables must exist."""
    result = CaseResult(
        option=option.number,
        op=op.name,
        method=method.name,
        rows=rows,
        technique=method.technique,
        warmup=timing.warmup,
        repeat=timing.repeat,
    )
    reason = method.unsupported_reason(option)
    if reason:
        result.status, result.reason = UNSUPPORTED, reason
        return result

    affected = 0
    for index in range(timing.warmup + timing.repeat):
        elapsed, affected = _one_value(option, op, method, rows, state)
        if index >= timing.warmup:
            result.times_s.append(elapsed)
        if on_value:
            on_value()

    counted, _ = count_case(option, op, method, rows, state)

    result.status = OK
    result.rows_affected = affected
    result.median_s = statistics.median(result.times_s)
    result.min_s = min(result.times_s)
    result.max_s = max(result.times_s)
    result.rows_per_s = affected / result.median_s if result.median_s > 0 else None
    result.queries = counted.total
    result.queries_by_kind = counted.as_dict()
    result.queries_per_row = counted.total / affected if affected else None
    return result
