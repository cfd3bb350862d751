"""Timing passes and the query-counting pass for one case.

Every timed value: prepare (untimed, the database's fast path) -> run the op (timed) ->
verify (untimed). Query counting runs in a pass of its own, never inside a timed value.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from roadbench.database.fastpath import analyze, clear_roads, insert_entities
from roadbench.designs.base import RoadOption
from roadbench.errors import PluginFailed, RoadbenchError, Unsupported
from roadbench.measuring.counting import QueryCount, count_method_queries
from roadbench.measuring.memory import MemoryPeak, trace_memory
from roadbench.measuring.phases import CHECK, CLOCK, COUNT, MEMORY, PREPARE, TIMED
from roadbench.measuring.stats import calibrate_loops, summarize, widest_interval
from roadbench.ops.base import CHANGED, EMPTY, LOADED, Method, Operation
from roadbench.reports.results import UNSUPPORTED, CaseResult


@dataclass(frozen=True)
class Timing:
    """How many values: ``warmup`` untimed, then rounds of one timed value per case.

    ``repeat`` rounds at least; while ``max_repeat`` is larger, rounds are added until every
    interval is narrower than ``precision`` (relative half-width) or ``budget_s`` seconds
    (of one group of interleaved cases, preparation included) are spent. ``budget_caps_all``
    (a ``--budget`` the user gave: "seconds at most") makes the budget end the least rounds
    too; a preset's budget bounds only the added rounds, since fewer than its least cannot
    give the interval it promises.
    ``loops=None`` calibrates: a run shorter than ``stats.MIN_VALUE_S`` is repeated inside one
    value (each run with fresh, untimed state) and the value is reported per loop.
    ``long_value_s``: a case whose first value takes at least this long gets no more values
    (at many scale one such value costs more than the spread it would measure).
    """

    warmup: int = 1
    repeat: int = 5
    loops: int | None = None
    max_repeat: int | None = None
    precision: float = 0.05
    budget_s: float | None = None
    budget_caps_all: bool = False
    long_value_s: float | None = None

    @property
    def most_rounds(self) -> int:
        return max(self.repeat, self.max_repeat or 0)


PRESETS = {
    "fast": Timing(warmup=0, repeat=3),
    "default": Timing(warmup=1, repeat=6, max_repeat=40, budget_s=6.0),
    "rigorous": Timing(warmup=2, repeat=15, max_repeat=200, budget_s=60.0, precision=0.02),
}


@dataclass
class TableState:
    """What each option's tables hold now, so a value is prepared only when it must be."""

    held: dict[int, tuple[str, int]] = field(default_factory=dict)
    # Per option: how to take back the last verified op cheaper than a reload (Operation.undo).
    undo: dict[int, Callable[[RoadOption, int], bool]] = field(default_factory=dict)

    def prepare(self, option: RoadOption, needs: str, rows: int) -> None:
        current = self.held.get(option.number, (CHANGED, 0))
        undo = self.undo.pop(option.number, None)
        if needs == EMPTY and current[0] != EMPTY:
            clear_roads(option)
        elif (
            needs == LOADED
            and current != (LOADED, rows)
            and not (undo and current == (CHANGED, rows) and undo(option, rows))
        ):
            clear_roads(option)
            insert_entities(option, option.study.split(rows))
            analyze(option)
        self.held[option.number] = (needs, rows if needs == LOADED else 0)

    def mark(
        self,
        option: RoadOption,
        state: str,
        rows: int,
        undo: Callable[[RoadOption, int], bool] | None = None,
    ) -> None:
        # A state that can be undone is only good for the same number of rows.
        known_rows = state == LOADED or undo is not None
        self.held[option.number] = (state, rows if known_rows else 0)
        self.undo.pop(option.number, None)
        if undo:
            self.undo[option.number] = undo


def prepare_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState
) -> None:
    """Everything before a run of the op: untimed, never instrumented."""
    with CLOCK.phase(PREPARE):
        state.prepare(option, op.needs, rows)
        state.mark(option, CHANGED, rows)  # unknown until the op has been verified
        if method.prepare:
            method.prepare(option, rows)


def finish_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState, affected: int
) -> None:
    """Everything after a run: the check (an error if the op lied), then the method's cleanup."""
    with CLOCK.phase(CHECK):
        try:
            (method.verify or op.verify)(option, rows, affected)
        finally:
            if method.cleanup:
                method.cleanup(option, rows)
    # Only a verified run can be undone: its tables hold exactly what the op promised.
    state.mark(option, op.leaves, rows, undo=op.undo)


def _one_value(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState, loops: int = 1
) -> tuple[float, float, int]:
    """One value: the op's wall and CPU time per loop; preparation and checks untimed."""
    wall = cpu = 0.0
    affected = 0
    for _ in range(loops):
        prepare_value(option, op, method, rows, state)
        with CLOCK.phase(TIMED):
            gc.collect()
            cpu_start = time.process_time()
            start = time.perf_counter()
            affected = method.run(option, rows)
            wall += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
        finish_value(option, op, method, rows, state, affected)
    return wall / loops, cpu / loops, affected


def count_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    state: TableState,
    capture: bool = False,
    phase: str = COUNT,
) -> tuple[QueryCount, int]:
    """The counting pass: same preparation, same op, instrumented, untimed."""
    prepare_value(option, op, method, rows, state)
    with CLOCK.phase(phase), count_method_queries(method, capture=capture) as counted:
        affected = method.run(option, rows)
    finish_value(option, op, method, rows, state, affected)
    return counted, affected


def memory_case(
    option: RoadOption, op: Operation, method: Method, rows: int, state: TableState
) -> MemoryPeak:
    """The memory pass: same preparation, same op, traced, untimed (tracing slows it)."""
    prepare_value(option, op, method, rows, state)
    with CLOCK.phase(MEMORY), trace_memory() as peak:
        affected = method.run(option, rows)
    finish_value(option, op, method, rows, state, affected)
    return peak


class CaseRunner:
    """One case's values, taken one at a time so that several cases can take turns."""

    def __init__(
        self,
        option: RoadOption,
        op: Operation,
        method: Method,
        rows: int,
        timing: Timing,
        state: TableState,
        memory: bool = False,
    ) -> None:
        self.option, self.op, self.method, self.rows = option, op, method, rows
        self.timing, self.state = timing, state
        self.memory = memory  # a memory pass after the counting pass
        self.affected = 0
        self.result = CaseResult(
            option=option.number,
            op=op.name,
            method=method.name,
            rows=rows,
            technique=method.technique,
            warmup=timing.warmup,
            design=option.design_name,
            entity=option.study.plural,
        )
        reason = method.unsupported_reason(option)
        if reason:
            self._refuse(reason)

    @property
    def live(self) -> bool:
        return self.result.ok

    @property
    def wants_values(self) -> bool:
        """Live, and not a long case that already has its one value."""
        long = self.timing.long_value_s
        times = self.result.times_s
        return self.live and not (
            long is not None and times and times[0] * self.result.loops >= long
        )

    def _refuse(self, reason: str) -> None:
        self.result.status, self.result.reason = UNSUPPORTED, reason
        self.result.times_s, self.result.cpu_times_s = [], []

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Unsupported as exc:
            # Raised by the op at run time: the database refused what Django sent here.
            self._refuse(str(exc))
        except RoadbenchError:
            raise
        except Exception as exc:
            plugin = plugin_origin(self.option, self.op)
            if plugin is None:
                raise  # roadbench's own design and op: roadbench's bug
            raise PluginFailed(
                f"{plugin}: {self.option.name} ({self.option.label}) · {self.op.name} · "
                f"{self.method.name} raised {type(exc).__name__}: {' '.join(str(exc).split())}; "
                f"{_hint(exc)}"
            ) from exc

    def start(self) -> None:
        """Calibrate the loops and run the warm-up values (untimed)."""
        if self.live:
            self._guarded(self._start)

    def _start(self) -> None:
        loops, warmup = self.timing.loops, self.timing.warmup
        if loops is None:
            # Calibrate on one untimed run (the first warm-up value when there is one).
            elapsed, _, _ = _one_value(self.option, self.op, self.method, self.rows, self.state)
            loops = calibrate_loops(elapsed)
            warmup = max(0, warmup - 1)
        self.result.loops = loops
        for _ in range(warmup):
            _one_value(self.option, self.op, self.method, self.rows, self.state, loops)

    def take_value(self) -> None:
        if self.live:
            self._guarded(self._take_value)

    def _take_value(self) -> None:
        wall, cpu, self.affected = _one_value(
            self.option, self.op, self.method, self.rows, self.state, self.result.loops
        )
        self.result.times_s.append(wall)
        self.result.cpu_times_s.append(cpu)

    def finish(self) -> CaseResult:
        """The counting pass and the summary."""
        if self.live:
            self._guarded(self._finish)
        return self.result

    def _finish(self) -> None:
        result = self.result
        counted, _ = count_case(self.option, self.op, self.method, self.rows, self.state)
        summarize_result(result, counted, self.affected)
        if self.memory:
            peak = memory_case(self.option, self.op, self.method, self.rows, self.state)
            result.memory_peak_bytes = peak.python_bytes
            result.rss_peak_bytes = peak.rss_bytes


def summarize_result(result: CaseResult, counted: QueryCount, affected: int) -> None:
    """Fill in a measured case's statistics from its values, and its counting pass's counts."""
    summary = summarize(result.times_s, result.loops)
    result.repeat = len(result.times_s)
    result.rows_affected = affected
    result.median_s = summary.median
    result.min_s = summary.min
    result.max_s = summary.max
    result.q1_s, result.q3_s, result.iqr_s = summary.q1, summary.q3, summary.iqr
    result.mad_s, result.mean_s, result.stdev_s = summary.mad, summary.mean, summary.stdev
    result.cpu_median_s = statistics.median(result.cpu_times_s)
    result.warnings = summary.warnings
    result.rows_per_s = affected / summary.median if summary.median > 0 else None
    result.queries = counted.total
    result.queries_by_kind = counted.as_dict()
    result.fingerprints = counted.shapes.as_dict()
    result.queries_per_row = counted.total / affected if affected else None


def plugin_origin(option: RoadOption, op: Operation) -> str | None:
    """The plugin a case's code comes from (its design's, else its op's); None for roadbench's."""
    for origin in (option.origin, op.origin):
        if origin != "roadbench":
            return origin
    return None


def _hint(exc: Exception) -> str:
    """Where a plugin's author looks first, by what went wrong."""
    from django.core.exceptions import FieldDoesNotExist, FieldError

    if isinstance(exc, (FieldError, FieldDoesNotExist, AttributeError, KeyError)):
        return (
            "look at the design's path(), value(), expression() or queryset(), or the roles its "
            "study names (docs/extending.md)"
        )
    return "look at the design's or the op's own code (roadbench check-plugin runs every case)"


class Runner(Protocol):
    """What ``measure_interleaved`` drives: a case's runner (``CaseRunner``, or a scenario's)."""

    result: CaseResult

    @property
    def wants_values(self) -> bool: ...

    def start(self) -> None: ...

    def take_value(self) -> None: ...

    def finish(self) -> CaseResult: ...


def measure_interleaved(
    runners: Sequence[Runner],
    timing: Timing,
    on_round: Callable[[int], None] | None = None,
) -> list[CaseResult]:
    """Measure cases in rounds: one value of each per round, the order rotated each round.

    A slow drift of the machine then hits every case alike instead of the one that happened
    to run last, and value i of every case belongs to round i (ratios are taken within a
    round). Rounds are added, up to ``timing.most_rounds``, while the widest interval is wider
    than ``timing.precision`` and the budget lasts (a user's budget ends even the least rounds).
    """
    started = time.perf_counter()
    for runner in runners:
        runner.start()
    rounds = 0
    while rounds < timing.most_rounds:
        live = [r for r in runners if r.wants_values]
        if not live:
            break
        shift = rounds % len(live)
        for runner in live[shift:] + live[:shift]:
            runner.take_value()
        rounds += 1
        if on_round:
            on_round(rounds)
        spent = timing.budget_s is not None and time.perf_counter() - started >= timing.budget_s
        if spent and timing.budget_caps_all:
            break
        if rounds < timing.repeat:
            continue
        if spent:
            break
        live = [r for r in runners if r.wants_values]
        if not live:
            break
        if widest_interval({i: r.result.times_s for i, r in enumerate(live)}) <= (timing.precision):
            break
    return [runner.finish() for runner in runners]


def measure_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    timing: Timing,
    state: TableState,
    on_value: Callable[[], None] | None = None,
    memory: bool = False,
) -> CaseResult:
    """Measure one case on the active connection; the option's tables must exist."""
    runner = CaseRunner(option, op, method, rows, timing, state, memory)
    (result,) = measure_interleaved(
        [runner], timing, on_round=(lambda _: on_value()) if on_value else None
    )
    return result
