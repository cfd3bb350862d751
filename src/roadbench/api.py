"""The library API: ``run`` one case, ``compare`` the three options. The CLI only calls these.

>>> from roadbench.api import run
>>> report = run(option=3, op="create", method="atomic", rows=200)
>>> report.results[0].median_s
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from roadbench.compare import SCALES, ComparisonReport, PlannedCase, plan_cases
from roadbench.database import bench_database, configure_django, option_tables
from roadbench.errors import BadInput
from roadbench.measure import TableState, Timing, measure_case
from roadbench.results import RunReport, current_environment

MIN_ROWS = 2
# compare at "many" scale: one value per case, as in the seed study (each takes seconds).
MANY_TIMING = Timing(warmup=0, repeat=1)
FEW_TIMING = Timing(warmup=1, repeat=5)

Notify = Callable[[str], None]
Progress = Callable[[str, int, int], None]


def check_rows(rows: int) -> int:
    if rows < MIN_ROWS:
        raise BadInput(
            f"--rows must be at least {MIN_ROWS} (one freeway and one tollroad), not {rows}"
        )
    return rows


def check_timing(timing: Timing) -> Timing:
    if timing.repeat < 1:
        raise BadInput(f"--repeat must be at least 1, not {timing.repeat}")
    if timing.warmup < 0:
        raise BadInput(f"--warmup must be 0 or more, not {timing.warmup}")
    return timing


def run(
    option: int,
    op: str,
    method: str | None = None,
    rows: int = SCALES["few"],
    timing: Timing = FEW_TIMING,
    database: str | None = None,
    keep: bool = False,
    notify: Notify | None = None,
) -> RunReport:
    """Measure one case (option, op, method, rows) in a throwaway database."""
    configure_django()
    from roadbench.models import get_option
    from roadbench.ops import get_op

    road_option = get_option(option)
    operation = get_op(op)
    chosen = operation.method(method or operation.default_method)
    check_rows(rows)
    check_timing(timing)
    with bench_database(database, keep=keep, notify=notify) as bench:
        environment = current_environment(bench)
        with option_tables(road_option.models) if not keep else _tables_kept(road_option.models):
            result = measure_case(road_option, operation, chosen, rows, timing, TableState())
    return RunReport(environment=environment, results=[result])


def _tables_kept(models: Any) -> Any:
    """With --keep the tables stay for inspection, with the data the last pass left."""
    import contextlib

    from roadbench.database import create_tables

    create_tables(models)
    return contextlib.nullcontext()


def compare(
    scale: str = "few",
    rows: int | None = None,
    timing: Timing | None = None,
    database: str | None = None,
    options: list[int] | None = None,
    keep: bool = False,
    notify: Notify | None = None,
    progress: Progress | None = None,
) -> ComparisonReport:
    """Run every op on every option at one scale and build the seed study's table."""
    configure_django()
    from roadbench.models import OPTIONS, get_option
    from roadbench.ops import get_op

    if scale not in SCALES:
        raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rows = check_rows(rows if rows is not None else SCALES[scale])
    timing = check_timing(timing or (MANY_TIMING if scale == "many" else FEW_TIMING))
    numbers = options or list(OPTIONS)
    road_options = [get_option(n) for n in numbers]

    started = time.perf_counter()
    with bench_database(database, keep=keep, notify=notify) as bench:
        environment = current_environment(bench)

        def choose(number: int, op_name: str, candidates: tuple[str, ...]) -> tuple[str, str]:
            # The first candidate this option supports; a substitute says why it was needed.
            op = get_op(op_name)
            skipped: list[str] = []
            for name in candidates:
                reason = op.method(name).unsupported_reason(get_option(number))
                if reason is None:
                    note = f"{candidates[0]} is unsupported ({skipped[0]})" if skipped else ""
                    return name, note
                skipped.append(reason)
            return candidates[0], ""

        planned = plan_cases(scale, rows, numbers, choose)
        total_values = len(planned) * (timing.warmup + timing.repeat)
        done = 0
        results = []
        models = [m for o in road_options for m in o.models]
        tables = option_tables(models) if not keep else _tables_kept(models)
        with tables:
            state = TableState()
            for case in planned:
                label = f"option {case.option} · {case.op} {case.method} · {case.rows:,} rows"

                def tick(label: str = label) -> None:
                    nonlocal done
                    done += 1
                    if progress:
                        progress(label, done, total_values)

                if progress:
                    progress(label, done, total_values)
                op = get_op(case.op)
                result = measure_case(
                    get_option(case.option),
                    op,
                    op.method(case.method),
                    case.rows,
                    timing,
                    state,
                    on_value=tick,
                )
                if not result.ok:
                    done += timing.warmup + timing.repeat
                results.append(result)
    return ComparisonReport(
        environment=environment,
        scale=scale,
        rows=rows,
        warmup=timing.warmup,
        repeat=timing.repeat,
        planned=planned,
        results=results,
        elapsed_s=time.perf_counter() - started,
    )


__all__ = ["FEW_TIMING", "MANY_TIMING", "PlannedCase", "Timing", "compare", "run"]
