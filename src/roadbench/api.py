"""The library API: ``run`` one case, ``compare`` the three options. The CLI only calls these.

>>> from roadbench.api import run
>>> report = run(option=3, op="create", method="atomic", rows=200)
>>> report.results[0].median_s
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import django

from roadbench.errors import BadInput, Unsupported
from roadbench.measuring.measure import (
    PRESETS,
    CaseRunner,
    TableState,
    Timing,
    count_case,
    measure_case,
    measure_interleaved,
    prepare_value,
)
from roadbench.measuring.phases import CLOCK, GROWTH
from roadbench.measuring.queries import CaseQueries, QueriesReport
from roadbench.plugins import load_registries
from roadbench.reports.comparison import (
    DEFAULT_MIN_EFFECT,
    SCALES,
    STUDY,
    ComparisonReport,
    PlannedCase,
    check_min_effect,
    plan_cases,
)
from roadbench.reports.plugin_check import PluginCase, PluginCheck
from roadbench.reports.results import (
    RunReport,
)
from roadbench.reports.scaling import (
    ScalingPoint,
    ScalingReport,
    ScalingSeries,
    scaling_points,
)
from roadbench.session import open_session

MIN_ROWS = 2
# compare at "many" scale: three values per case, one for a case that takes 30 s or more.
MANY_TIMING = Timing(warmup=0, repeat=3, loops=1, long_value_s=30.0)
FEW_TIMING = PRESETS["default"]
SCALING_TIMING = replace(PRESETS["default"], budget_s=4.0)

Notify = Callable[[str], None]
Progress = Callable[[str, int, int], None]


# Memory a road takes while an op holds a pass's roads (model instances, their values): about
# 450 bytes measured with `run -o 2 --op create -m bulk -n 100000` (peak RSS); rounded up.
BYTES_PER_ROW = 1000


def check_rows(rows: int, flag: str = "--rows") -> int:
    """At least one road of each type, and no more than this machine's memory can hold."""
    if rows < MIN_ROWS:
        raise BadInput(
            f"{flag} must be at least {MIN_ROWS} (one freeway and one tollroad), not {rows}"
        )
    memory = _physical_memory()
    if memory and rows * BYTES_PER_ROW > memory:
        raise BadInput(
            f"{flag} {rows:,} needs about {_gigabytes(rows * BYTES_PER_ROW)} of memory "
            f"(about {BYTES_PER_ROW} bytes a road); this machine has {_gigabytes(memory)}"
        )
    return rows


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None  # not told (Windows): no limit is checked


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:,.1f} GB"


def check_timing(timing: Timing) -> Timing:
    if timing.repeat < 1:
        raise BadInput(f"--repeat must be at least 1, not {timing.repeat}")
    if timing.warmup < 0:
        raise BadInput(f"--warmup must be 0 or more, not {timing.warmup}")
    if not 0 < timing.precision < 1:
        raise BadInput(f"--precision must be between 0 and 100 (%), not {timing.precision * 100:g}")
    if timing.budget_s is not None and not 0 < timing.budget_s < math.inf:
        raise BadInput(f"--budget must be more than 0 seconds, not {timing.budget_s:g}")
    return timing


def run(
    option: int | str,
    op: str,
    method: str | None = None,
    rows: int = SCALES["few"],
    timing: Timing = FEW_TIMING,
    database: str | None = None,
    keep: bool = False,
    notify: Notify | None = None,
    sqlite: str | None = None,
    instructions: bool = False,
    cache: str | None = None,
    memory: bool = False,
) -> RunReport:
    """Measure one case (option, op, method, rows) in a throwaway database.

    ``memory``: add a memory pass (peak Python allocation and resident high-water mark).
    ``cache``: a ``redis://`` URL for Django's cache instead of its in-process LocMemCache.
    """
    load_registries()
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    road_option = get_option(option)
    operation = get_op(op)
    chosen = operation.method(operation.default_method if method is None else method)
    check_rows(rows)
    check_timing(timing)
    if instructions:
        from roadbench.measuring.instructions import valgrind

        valgrind()  # missing: say so before measuring anything
    from roadbench.database.cache import cache_server

    with (
        cache_server(cache, notify),
        open_session([road_option], database, notify, keep, sqlite) as (_bench, environment, state),
    ):
        result = measure_case(road_option, operation, chosen, rows, timing, state, memory=memory)
    if instructions and result.ok:
        _count_instructions([result], database, sqlite, notify)
    return RunReport(environment=environment, results=[result])


def _count_instructions(
    results: list[Any], database: str | None, sqlite: str | None, notify: Notify | None
) -> None:
    """Fill in each result's instruction count, from a child process under valgrind."""
    from roadbench.measuring import instructions

    if notify:
        notify(f"counting instructions under valgrind ({len(results)} case(s); slow)")
    keys = [(r.option, r.op, r.method, r.rows) for r in results]
    counts, scope = instructions.count(keys, database, sqlite)
    for result, key in zip(results, keys, strict=True):
        result.instructions = counts.get(key)
        result.instructions_counted = scope if result.instructions is not None else None


def _runner(case: PlannedCase, timing: Timing, state: TableState, memory: bool) -> CaseRunner:
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    op = get_op(case.op)
    method = op.method(case.method)
    return CaseRunner(get_option(case.option), op, method, case.rows, timing, state, memory)


def _measure_row(
    label: str,
    cases: list[PlannedCase],
    timing: Timing,
    state: TableState,
    progress: Progress | None,
    done: int,
    total: int,
    memory: bool = False,
) -> list[Any]:
    """A row's cases measured in interleaved rounds (see ``measure.measure_interleaved``)."""

    def on_round(rounds: int) -> None:
        if progress:
            progress(f"{label} · round {rounds}", done, total)

    if progress:
        progress(label, done, total)
    runners = [_runner(c, timing, state, memory) for c in cases]
    return measure_interleaved(runners, timing, on_round)


def _fallback(case: PlannedCase, result: Any, scale: str) -> str | None:
    """The next of the scale's methods for this op, when the chosen one failed at run time."""
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    if result.ok:
        return None
    op = get_op(case.op)
    candidates = op.compare_methods[scale]
    if case.method not in candidates:
        return None
    for name in candidates[candidates.index(case.method) + 1 :]:
        if op.method(name).unsupported_reason(get_option(case.option)) is None:
            return name
    return None


def _choose_method(number: int, op_name: str, candidates: tuple[str, ...]) -> tuple[str, str]:
    """The first candidate the option supports; a substitute says why it was needed.

    Needs the connection: whether a method is supported can depend on the database.
    """
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    op = get_op(op_name)
    skipped: list[str] = []
    for name in candidates:
        reason = op.method(name).unsupported_reason(get_option(number))
        if reason is None:
            note = f"{candidates[0]} is unsupported ({skipped[0]})" if skipped else ""
            return name, note
        skipped.append(reason)
    return candidates[0], ""


def _supports(number: int, op_name: str, method: str) -> bool:
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    return get_op(op_name).method(method).unsupported_reason(get_option(number)) is None


def _query_growth(case: PlannedCase, result: Any, state: TableState) -> str | None:
    """Count the case again at a tenth of the rows: does its query count grow with them?"""
    from roadbench.designs import get_option
    from roadbench.measuring.queries import classify_growth
    from roadbench.ops import get_op

    small = max(MIN_ROWS, case.rows // 10)
    if small >= case.rows:
        return None
    op = get_op(case.op)
    method = op.method(case.method)
    counted, _ = count_case(get_option(case.option), op, method, small, state, phase=GROWTH)
    return classify_growth([(small, counted.total), (case.rows, result.queries)])


def compare(
    scale: str = "few",
    rows: int | None = None,
    timing: Timing | None = None,
    database: str | None = None,
    options: list[int] | str | None = None,
    keep: bool = False,
    notify: Notify | None = None,
    progress: Progress | None = None,
    min_effect: float = DEFAULT_MIN_EFFECT,
    sqlite: str | None = None,
    instructions: bool = False,
    memory: bool = False,
) -> ComparisonReport:
    """Run every op on every option at one scale and build the seed study's table."""
    load_registries()
    from roadbench.designs import get_option, parse_options

    if scale not in SCALES:
        raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rows = check_rows(rows if rows is not None else SCALES[scale])
    check_min_effect(min_effect)
    if instructions:
        from roadbench.measuring.instructions import valgrind

        valgrind()  # missing: say so before measuring anything
    timing = check_timing(timing or (MANY_TIMING if scale == "many" else FEW_TIMING))
    # A list of designs, or the text of --options ("1,2,3", "all", "sibling,json").
    text = options if isinstance(options, str) or options is None else ",".join(map(str, options))
    numbers = parse_options(text)
    road_options = [get_option(n) for n in numbers]

    started = time.perf_counter()
    CLOCK.start(track_rss=True)
    with (
        contextlib.ExitStack() as stop,
        open_session(road_options, database, notify, keep, sqlite) as (_bench, environment, state),
    ):
        stop.callback(CLOCK.stop)
        planned = plan_cases(scale, rows, numbers, _choose_method, _supports)
        labels = list(dict.fromkeys(p.row for p in planned))
        results: list[Any] = []
        for done, label in enumerate(labels):
            cases = [p for p in planned if p.row == label]
            measured = _measure_row(
                label, cases, timing, state, progress, done, len(labels), memory
            )
            substitutes = {
                i: name
                for i, (case, result) in enumerate(zip(cases, measured, strict=True))
                if case.role == STUDY and (name := _fallback(case, result, scale)) is not None
            }
            if substitutes:
                # The database refused a method at this scale: keep that result, and measure
                # the row again with the next method a user would reach for, saying so.
                results.extend(measured[i] for i in substitutes)
                for i, name in substitutes.items():
                    case = cases[i]
                    cases[i] = planned[planned.index(case)] = replace(
                        case,
                        method=name,
                        note=f"{case.method} is unsupported here ({measured[i].reason})",
                    )
                measured = _measure_row(
                    label, cases, timing, state, progress, done, len(labels), memory
                )
            for case, result in zip(cases, measured, strict=True):
                if result.ok and case.role == STUDY:
                    result.query_growth = _query_growth(case, result, state)
                results.append(result)
    if instructions:
        _count_instructions([r for r in results if r.ok], database, sqlite, notify)
    return ComparisonReport(
        environment=environment,
        scale=scale,
        rows=rows,
        warmup=timing.warmup,
        repeat=timing.repeat,
        precision=timing.precision,
        min_effect=min_effect,
        planned=planned,
        results=results,
        elapsed_s=time.perf_counter() - started,
        phases_s=dict(CLOCK.totals),
        phases_cpu_s=dict(CLOCK.cpu_totals),
        phases_rss_peak_bytes=dict(CLOCK.rss_peaks),
    )


# --- seeing the queries ---------------------------------------------------------------------


def designs(option: int | str | list[int] | None) -> list[int]:
    """The numbers of the designs ``option`` names, as queries, profile and scaling take it:
    a design's number, a list of numbers, or text as --option takes it ("3", "2,3",
    "sibling,json", "all"); None: the seed study's three designs."""
    load_registries()
    from roadbench.designs import parse_options

    if isinstance(option, (list, tuple)):
        option = ",".join(map(str, option))
    if option is not None and not str(option).strip():
        raise BadInput("--option names no design (see `roadbench options`)")
    return parse_options(None if option is None else str(option))


def _cases(
    option: int | str | list[int] | None, op: str, method: str | None
) -> list[tuple[Any, Any, Any]]:
    """(option, op, method) for each design asked for (see ``designs``), side by side."""
    from roadbench.designs import OPTIONS
    from roadbench.ops import get_op

    operation = get_op(op)
    chosen = operation.method(operation.default_method if method is None else method)
    return [(OPTIONS[n], operation, chosen) for n in designs(option)]


def queries(
    op: str,
    option: int | str | list[int] | None = None,
    method: str | None = None,
    rows: int = SCALES["few"],
    database: str | None = None,
    explain: bool = False,
    analyze: bool = False,
    scaling: tuple[int, ...] | None = None,
    notify: Notify | None = None,
    fetch_raise: bool = False,
) -> QueriesReport:
    """The SQL one case sends (or each option's, side by side), grouped by fingerprint.

    With ``fetch_raise`` each case runs under Django 6.1's FETCH_RAISE: a method that loads
    anything lazily fails (VerificationFailed) instead of sending the extra queries.
    """
    load_registries()
    from roadbench.measuring.queries import apply_scaling, group, lazy_loading_blocked

    cases = _cases(option, op, method)
    check_rows(rows)
    sizes = sorted({*scaling, rows}) if scaling else [rows]
    for size in scaling or ():
        check_rows(size, "--sizes")
    reports = []
    if fetch_raise and django.VERSION < (6, 1):
        raise Unsupported(
            f"--fetch-raise needs Django 6.1 (fetch modes); this is Django {django.get_version()}"
        )
    with open_session([o for o, _, _ in cases], database, notify) as (bench, environment, state):
        if analyze and bench.vendor == "sqlite":
            raise BadInput(
                "--analyze needs PostgreSQL, MySQL or MariaDB (SQLite has no EXPLAIN ANALYZE)"
            )
        for road_option, operation, chosen in cases:
            reason = chosen.unsupported_reason(road_option)
            if reason:
                reports.append(
                    CaseQueries(
                        road_option.number,
                        operation.name,
                        chosen.name,
                        rows,
                        status="unsupported",
                        reason=reason,
                    )
                )
                continue
            by_size = {}
            captured: dict[int, tuple[int, float]] = {}
            for size in sizes:
                with lazy_loading_blocked(fetch_raise, road_option, operation, chosen):
                    counted, got = count_case(
                        road_option, operation, chosen, size, state, capture=True
                    )
                by_size[size] = group(counted.captured, size)
                captured[size] = (got, sum(q.duration_s for q in counted.captured))
            fingerprints = apply_scaling(by_size, rows) if scaling else by_size[rows]
            if explain:
                _add_plans(road_option, operation, chosen, rows, state, fingerprints, analyze)
            reports.append(
                CaseQueries(
                    road_option.number,
                    operation.name,
                    chosen.name,
                    rows,
                    rows_affected=captured[rows][0],
                    queries=sum(f.count for f in fingerprints),
                    total_s=captured[rows][1],
                    sizes=sizes,
                    fingerprints=fingerprints,
                )
            )
            if fetch_raise and notify:
                notify(
                    f"option {road_option.number} {operation.name} {chosen.name}: "
                    "no lazy loading (ran under FETCH_RAISE)"
                )
    return QueriesReport(environment=environment, cases=reports)


def _add_plans(
    option: Any,
    op: Any,
    method: Any,
    rows: int,
    state: TableState,
    fingerprints: list[Any],
    analyze: bool,
) -> None:
    """Plans are read with the op's data in place: prepared again, untimed, then reset."""
    from roadbench.measuring.queries import explain
    from roadbench.ops.base import CHANGED

    prepare_value(option, op, method, rows, state)
    try:
        explain(fingerprints, analyze=analyze)
    finally:
        if method.cleanup:
            method.cleanup(option, rows)
        state.mark(option, CHANGED, rows)


def profile(
    op: str,
    option: int | str | list[int] | None = None,
    method: str | None = None,
    rows: int = SCALES["few"],
    database: str | None = None,
    notify: Notify | None = None,
) -> tuple[Any, list[Any]]:
    """pyinstrument profiles of one case (or each option's): (environment, [CaseProfile])."""
    load_registries()
    from roadbench.measuring.profiling import profile_case

    cases = _cases(option, op, method)
    check_rows(rows)
    profiles = []
    with open_session([o for o, _, _ in cases], database, notify) as (_bench, environment, state):
        reasons = [chosen.unsupported_reason(road_option) for road_option, _, chosen in cases]
        if all(reasons):
            # As queries and run: no case asked for can run is exit 4, not an empty success.
            road_option, operation, chosen = cases[0]
            more = f" (and {len(cases) - 1} more options)" if len(cases) > 1 else ""
            raise Unsupported(
                f"option {road_option.number} cannot {operation.name} with {chosen.name}: "
                f"{reasons[0]}{more}"
            )
        for (road_option, operation, chosen), reason in zip(cases, reasons, strict=True):
            if reason:
                if notify:
                    notify(f"option {road_option.number}: {chosen.name} is unsupported ({reason})")
                continue
            profiles.append(profile_case(road_option, operation, chosen, rows, state))
    return environment, profiles


# --- growth with rows -----------------------------------------------------------------------


def scaling(
    op: str,
    sizes: tuple[int, ...] = (100, 1000, 10000),
    option: int | str | list[int] | None = None,
    method: str | None = None,
    timing: Timing = SCALING_TIMING,
    database: str | None = None,
    notify: Notify | None = None,
    progress: Progress | None = None,
    min_effect: float = DEFAULT_MIN_EFFECT,
) -> ScalingReport:
    """One op at growing sizes for each option: time and queries, and how fast they grow;
    at each size the options take turns round by round and are judged as compare's rows."""
    load_registries()
    from roadbench.measuring.queries import classify_growth
    from roadbench.measuring.stats import growth_exponent

    check_min_effect(min_effect)

    cases = _cases(option, op, method)
    if len(set(sizes)) < 2:
        raise BadInput("--sizes needs at least two different sizes")
    for size in sizes:
        check_rows(size, "--sizes")
    check_timing(timing)
    series = []
    with open_session([o for o, _, _ in cases], database, notify) as (_bench, environment, state):
        points: dict[int, list[ScalingPoint]] = {o.number: [] for o, _, _ in cases}
        for done, size in enumerate(sorted(sizes)):
            if progress:
                progress(f"{size:,} rows", done, len(sizes))
            # The options at one size take turns, round by round (see measure_interleaved).
            runners = [CaseRunner(o, op_, m, size, timing, state) for o, op_, m in cases]
            measured = measure_interleaved(runners, timing)
            for point, result in zip(
                scaling_points(measured, timing.precision, min_effect), measured, strict=True
            ):
                points[result.option].append(point)
        for road_option, _operation, _chosen in cases:
            series_points = points[road_option.number]
            timed = [(p.rows, p.median_s) for p in series_points if p.median_s]
            counted = [(p.rows, p.queries) for p in series_points if p.queries is not None]
            series.append(
                ScalingSeries(
                    road_option.number,
                    series_points,
                    growth_exponent(timed),
                    classify_growth(counted) if len(counted) >= 2 else None,
                )
            )
    return ScalingReport(
        environment,
        cases[0][1].name,
        cases[0][2].name,
        sorted(sizes),
        series,
        precision=timing.precision,
        min_effect=min_effect,
    )


# --- checking a plugin ----------------------------------------------------------------------

CHECK_ROWS = 20


def check_plugin(
    plugin: str,
    database: str | None = None,
    rows: int = CHECK_ROWS,
    notify: Notify | None = None,
    progress: Progress | None = None,
) -> PluginCheck:
    """Load a plugin (a module or package, as ``--plugin`` takes it) and run each case once:
    every op of roadbench's and the plugin's, every method, on each of the plugin's designs,
    and the plugin's ops on the seed study's designs; on the embedded SQLite file, then on
    ``database`` if given. A case is ok, unsupported (with the reason) or failed (with the
    exception and what to look at); a failure is the result's, never raised.
    """
    load_registries()
    from roadbench.database.urls import EMBEDDED_SQLITE
    from roadbench.designs import OPTIONS, SEED_OPTIONS
    from roadbench.measuring.plugin_check import check_case
    from roadbench.ops import OPS
    from roadbench.plugins import load_plugin

    check_rows(rows)
    contents = load_plugin(plugin)
    if not contents.designs and not contents.ops:
        raise BadInput(
            f"check-plugin {plugin}: it defines no design or op of its own (only roadbench's)"
        )
    # Designs and ops are frozen dataclasses holding dicts: told apart by identity.
    ops = [op for op in OPS.values() if op.origin == "roadbench"]
    ops += [op for op in contents.ops if not any(op is known for known in ops)]
    cases = [
        (option, op, method)
        for option in contents.designs
        for op in ops
        for method in op.methods.values()
    ] + [
        (OPTIONS[number], op, method)
        for op in contents.ops
        for number in SEED_OPTIONS
        for method in op.methods.values()
    ]
    designs: list[Any] = []
    for option, _op, _method in cases:
        if not any(option is known for known in designs):
            designs.append(option)
    files = _plugin_files(plugin)
    check = PluginCheck(
        plugin=plugin,
        rows=rows,
        designs=[option.number for option in contents.designs],
        ops=[op.name for op in contents.ops],
    )
    targets = [EMBEDDED_SQLITE, *([database] if database else [])]
    total = len(cases) * len(targets)
    for target in targets:
        with open_session(designs, target, notify) as (bench, environment, state):
            check.databases.append(environment.database_url)
            for option, op, method in cases:
                label = f"{bench.vendor} · {option.label} · {op.name} {method.name}"
                if progress:
                    progress(label, len(check.cases), total)
                outcome = check_case(option, op, method, rows, state, files, op in contents.ops)
                check.cases.append(
                    PluginCase(
                        database=bench.vendor,
                        design=option.number,
                        design_key=option.key,
                        design_name=option.name,
                        op=op.name,
                        method=method.name,
                        status=outcome.status,
                        reason=outcome.reason,
                        error=outcome.error,
                        hint=outcome.hint,
                    )
                )
    if progress:
        progress("done", total, total)
    return check


def _plugin_files(plugin: str) -> list[str]:
    """The plugin's source: its module's file, or its package's directories."""
    import sys

    module = sys.modules[plugin]
    paths = list(getattr(module, "__path__", None) or [])
    if not paths and getattr(module, "__file__", None):
        paths = [str(module.__file__)]
    return [os.path.abspath(path) for path in paths]
