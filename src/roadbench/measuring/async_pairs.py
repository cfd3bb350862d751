"""compare --async's measuring: for each async method of each op on each design, the sync
method it mirrors, the async method at concurrency 1 and at N, measured together in
interleaved rounds (one value of each per round, the order rotated), then the counting pass
of each and the async method's thread hops."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from roadbench.designs.base import RoadOption
from roadbench.measuring.measure import CaseRunner, TableState, Timing, count_case
from roadbench.measuring.measure import measure_interleaved as interleaved
from roadbench.ops.asynchronous import async_methods
from roadbench.ops.base import Method, Operation, at_concurrency
from roadbench.reports.async_comparison import AsyncRow, async_row

Progress = Callable[[str, int, int], None]


def planned(
    options: Sequence[RoadOption], ops: Sequence[Operation]
) -> list[tuple[RoadOption, Operation, Method]]:
    return [
        (option, op, method)
        for option in options
        for op in ops
        for method in async_methods(op.methods.values())
    ]


def measure_async_rows(
    options: Sequence[RoadOption],
    ops: Sequence[Operation],
    rows: int,
    timing: Timing,
    state: TableState,
    concurrency: int,
    progress: Progress | None = None,
) -> list[AsyncRow]:
    cases = planned(options, ops)
    found = []
    for done, (option, op, method) in enumerate(cases):
        label = f"{option.label} · {op.name} · {method.name}"
        if progress:
            progress(label, done, len(cases))
        variants = [op.method(method.mirrors or ""), method]
        if concurrency > 1:
            variants.append(at_concurrency(method, concurrency))
        runners = [CaseRunner(option, op, m, rows, timing, state) for m in variants]
        results = interleaved(runners, timing)
        hops = None
        if all(r.ok for r in results):
            counted, _ = count_case(option, op, method, rows, state)
            hops = counted.thread_hops
        design = option.key if option.origin != "roadbench" else ""
        found.append(async_row(option.number, design, op.name, results, concurrency, hops))
    return found
