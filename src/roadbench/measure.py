"""Timing passes and the query-counting pass for one case.

Every timed value: prepare (untimed, the database's fast path) -> run the op (timed) ->
verify (untimed). Query counting runs in a pass of its own, never inside a timed value.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roadbench.counting import QueryCount, count_queries
from roadbench.data import split
from roadbench.errors import Unsupported
from roadbench.fastpath import analyze, clear_roads, insert_roads
from roadbench.models.base import RoadOption
from roadbench.ops.base import CHANGED, EMPTY, LOADED, Method, Operation
from roadbench.results import OK, UNSUPPORTED, CaseResult
from roadbench.stats import calibrate_loops, summarize


@dataclass(frozen=True)
class Timing:
    """How many values: ``warmup`` untimed, ``repeat`` timed, each of ``loops`` runs.

    ``loops=None`` calibrates: a run shorter than ``stats.MIN_VALUE_S`` is repeated inside one
    value (each run with fresh, untimed state) and the value is reported per loop.
    """

    warmup: int = 1
    repeat: int = 5
    loops: int | None = None


PRESETS = {
    "fast": Timing(warmup=0, repeat=3),
    "default": Timing(warmup=1, repeat=5),
    "rigorous": Timing(warmup=2, repeat=15),
}


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
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState, loops: int = 1
) -> tuple[float, int]:
    """One value: the op's run time per loop; preparation and checks between loops untimed."""
    total = 0.0
    affected = 0
    for _ in range(loops):
        prepare_value(option, op, method, rows, state)
        gc.collect()
        start = time.perf_counter()
        affected = method.run(option, rows)
        total += time.perf_counter() - start
        finish_value(option, op, method, rows, state, affected)
    return total / loops, affected


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

    try:
        return _measure(option, op, method, rows, timing, state, result, on_value)
    except Unsupported as exc:
        # Raised by the op at run time: the database refused what Django sent at this scale.
        result.status, result.reason = UNSUPPORTED, str(exc)
        result.times_s = []
        return result


def _measure(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    timing: Timing,
    state: TableState,
    result: CaseResult,
    on_value: Callable[[], None] | None,
) -> CaseResult:
    loops = timing.loops
    if loops is None:
        # Calibrate on one untimed run (the first warm-up value when there is one).
        elapsed, _ = _one_value(option, op, method, rows, state)
        loops = calibrate_loops(elapsed)
        warmup = max(0, timing.warmup - 1)
    else:
        warmup = timing.warmup
    result.loops = loops

    affected = 0
    for index in range(warmup + timing.repeat):
        elapsed, affected = _one_value(option, op, method, rows, state, loops)
        if index >= warmup:
            result.times_s.append(elapsed)
        if on_value:
            on_value()

    counted, _ = count_case(option, op, method, rows, state)

    summary = summarize(result.times_s, loops)
    result.status = OK
    result.rows_affected = affected
    result.median_s = summary.median
    result.min_s = summary.min
    result.max_s = summary.max
    result.q1_s, result.q3_s, result.iqr_s = summary.q1, summary.q3, summary.iqr
    result.mad_s, result.mean_s, result.stdev_s = summary.mad, summary.mean, summary.stdev
    result.warnings = summary.warnings
    result.rows_per_s = affected / result.median_s if result.median_s > 0 else None
    result.queries = counted.total
    result.queries_by_kind = counted.as_dict()
    result.queries_per_row = counted.total / affected if affected else None
    return result
