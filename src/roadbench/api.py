"""The library API: one typed function per command; the CLI only parses, calls these, renders
and maps their errors to exit codes.

>>> from roadbench.api import run
>>> report = run(option=3, op="create", method="atomic", rows=200)
>>> report.results[0].median_s

Errors about an argument name it as the parameter (``rows must be at least 2``); the CLI
words it as its flag (``--rows``), see ``RoadbenchError.worded``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

import django

from roadbench.errors import (
    BadInput,
    DatabaseUnavailable,
    Inconclusive,
    PluginCheckFailed,
    RegressionFound,
    Unsupported,
)
from roadbench.load.runner import LoadSettings, parse_duration, parse_mix
from roadbench.measuring.ab_workers import DEFAULT_TIMEOUT_S
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
from roadbench.plugins import load_plugins, load_registries
from roadbench.reports.advice import AdviceReport, AdvisedDesign
from roadbench.reports.comparison import (
    DEFAULT_MIN_EFFECT,
    SCALES,
    STUDY,
    ComparisonReport,
    PlannedCase,
    check_min_effect,
    plan_cases,
)
from roadbench.reports.output import check_distinct, check_output
from roadbench.reports.plugin_check import PluginCase, PluginCheck
from roadbench.reports.results import RunReport, dump_json, save_json
from roadbench.reports.scaling import (
    ScalingPoint,
    ScalingReport,
    ScalingSeries,
    scaling_points,
)
from roadbench.session import open_session

# Public: the functions the commands call, and what they take and return.
__all__ = [
    "BYTES_PER_ROW",
    "CHECK_ROWS",
    "FEW_TIMING",
    "MANY_TIMING",
    "MIN_ROWS",
    "SCALES",
    "SCALING_TIMING",
    "CaseStatus",
    "ComparisonReport",
    "LoadSettings",
    "Notify",
    "Progress",
    "QueriesReport",
    "RunReport",
    "ScalingReport",
    "ScenarioWhere",
    "Timing",
    "ab",
    "ab_file",
    "ab_gate",
    "ab_section_in",
    "all_removed",
    "case_statuses",
    "chart_reports",
    "check_cache",
    "check_outputs",
    "check_plugin",
    "check_ran",
    "check_rows",
    "check_timing",
    "child_command",
    "cleanup",
    "compare",
    "compare_async",
    "designs",
    "designs_listing",
    "diff",
    "doctor",
    "dump_json",
    "fail_on_rules",
    "gate_outcome",
    "history",
    "load",
    "load_plugins",
    "load_report",
    "load_worker",
    "matrix",
    "matrix_ran",
    "matrix_rows",
    "no_regression",
    "op_or_scenario",
    "ops_listing",
    "parse_duration",
    "parse_mix",
    "plugin_passed",
    "preset_timing",
    "profile",
    "profile_files",
    "profile_scenario",
    "profile_text",
    "queries",
    "registered_designs",
    "registered_ops",
    "run",
    "run_scenario",
    "save_json",
    "scale_timing",
    "scaling",
    "scenario_queries",
    "scenarios",
    "some_case_ran",
    "use_project",
    "write_profile",
]

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


def check_rows(rows: int, parameter: str = "rows") -> int:
    """At least one road of each type, and no more than this machine's memory can hold."""
    name = "{" + parameter + "}"
    if rows < MIN_ROWS:
        raise BadInput(
            f"{name} must be at least {MIN_ROWS} (one freeway and one tollroad), not {rows}",
            parameter,
        )
    memory = _physical_memory()
    if memory and rows * BYTES_PER_ROW > memory:
        raise BadInput(
            f"{name} {rows:,} needs about {_gigabytes(rows * BYTES_PER_ROW)} of memory "
            f"(about {BYTES_PER_ROW} bytes a road); this machine has {_gigabytes(memory)}",
            parameter,
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
        raise BadInput(f"{{repeat}} must be at least 1, not {timing.repeat}", "repeat")
    if timing.warmup < 0:
        raise BadInput(f"{{warmup}} must be 0 or more, not {timing.warmup}", "warmup")
    if not 0 < timing.precision < 1:
        raise BadInput(
            f"{{precision}} must be between 0 and 100 (%), not {timing.precision * 100:g}",
            "precision",
        )
    if timing.budget_s is not None and not 0 < timing.budget_s < math.inf:
        raise BadInput(f"{{budget}} must be more than 0 seconds, not {timing.budget_s:g}", "budget")
    return timing


def preset_timing(
    default: Timing,
    *,
    fast: bool = False,
    rigorous: bool = False,
    repeat: int | None = None,
    warmup: int | None = None,
    precision: float | None = None,
    budget: float | None = None,
) -> Timing:
    """The timing asked for: a preset (``fast``, ``rigorous``, else ``default``) with the
    values given instead of its own. ``precision`` is a fraction (0.05 = 5%).

    ``repeat`` alone asks for that many rounds exactly; ``precision`` asks for more rounds
    until it is met (even with a preset that has none, such as fast). A ``budget`` given caps
    every round of a row, even short of ``repeat``.
    """
    if fast and rigorous:
        raise BadInput(
            "{fast} and {rigorous} contradict each other; choose one", ("fast", "rigorous")
        )
    base = PRESETS["fast"] if fast else PRESETS["rigorous"] if rigorous else default
    if precision is not None:
        most_rounds = base.max_repeat or PRESETS["default"].max_repeat
    else:
        most_rounds = None if repeat is not None else base.max_repeat
    return replace(
        base,
        warmup=base.warmup if warmup is None else warmup,
        repeat=base.repeat if repeat is None else repeat,
        precision=base.precision if precision is None else precision,
        budget_s=base.budget_s if budget is None else budget,
        budget_caps_all=budget is not None,
        max_repeat=most_rounds,
    )


def scale_timing(scale: str) -> Timing:
    """compare's timing at a scale before any preset or value given: three values a case at
    "many", the default preset otherwise."""
    return MANY_TIMING if scale == "many" else FEW_TIMING


def use_model(model: str | None, notify: Notify | None = None) -> int | None:
    """``--model app.Model`` (or ``app.A,app.B``): the user's hierarchy registered as a design
    (``designs.hierarchy``), its number returned; None when no model is named."""
    if model is None:
        return None
    load_registries()
    from roadbench.designs.hierarchy import register_model

    return register_model(model, notify).number


def run(
    option: int | str | None,
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
    model: str | None = None,
    concurrency: int | None = None,
) -> RunReport:
    """Measure one case (option, op, method, rows) in a throwaway database.

    ``memory``: add a memory pass (peak Python allocation and resident high-water mark).
    ``cache``: a ``redis://`` URL for Django's cache instead of its in-process LocMemCache.
    ``model``: the user's hierarchy (``app.Model``), the design measured unless ``option``.
    ``concurrency``: an async method's work as that many tasks on one event loop.
    """
    load_registries()
    _no_instructions_with_model(instructions, model)
    number = use_model(model, notify)
    if option is None:
        if number is None:
            raise BadInput(
                "name a design: {option} (see `roadbench options`) or {model}", ("option", "model")
            )
        option = number
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    road_option = get_option(option)
    operation = get_op(op)
    chosen = operation.method(operation.default_method if method is None else method)
    if concurrency is not None:
        from roadbench.ops.base import at_concurrency

        chosen = at_concurrency(chosen, concurrency)
    if instructions and chosen.arun is not None:
        # callgrind counts around a function called on the main thread; the async ORM's
        # statements run in its own thread, which that count would not cover.
        raise BadInput(
            f"{{instructions}} does not count async methods yet ({chosen.name})", "instructions"
        )
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


def _no_instructions_with_model(instructions: bool, model: str | None) -> None:
    # The child process under valgrind sets Django up from roadbench's settings and knows
    # only the registered designs: the user's models are not there.
    if instructions and model is not None:
        raise BadInput(
            "{instructions} does not measure {model} designs yet", ("instructions", "model")
        )


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
    ops: list[str] | str | None = None,
    model: str | None = None,
) -> ComparisonReport:
    """Run every op on every option at one scale and build the seed study's table.

    ``ops``: the ops to compare, by name (a list, or text as "create,select"); None:
    roadbench's own, so that an installed plugin's op never changes a comparison's totals.
    ``model``: the user's hierarchy (``app.Model``) as a design, compared alone unless
    ``options`` names others (``model`` is its key).
    """
    load_registries()
    _no_instructions_with_model(instructions, model)
    number = use_model(model, notify)
    if options is None and number is not None:
        options = [number]
    from roadbench.designs import get_option, parse_options
    from roadbench.reports.comparison import compared_ops

    if scale not in SCALES:
        raise BadInput(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rows = check_rows(rows if rows is not None else SCALES[scale])
    check_min_effect(min_effect)
    op_names = _op_names(ops)
    compared_ops(op_names)  # an unknown op is refused before any database is made
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
        planned = plan_cases(scale, rows, numbers, _choose_method, _supports, op_names)
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


def compare_async(
    rows: int = SCALES["few"],
    timing: Timing | None = None,
    database: str | None = None,
    options: list[int] | str | None = None,
    ops: list[str] | str | None = None,
    concurrency: int = 8,
    notify: Notify | None = None,
    progress: Progress | None = None,
    sqlite: str | None = None,
) -> Any:
    """compare --async: every async method of the ops beside its sync mirror, at concurrency
    1 and ``concurrency``, in interleaved rounds, with the thread-hop cost per call
    (``reports.async_comparison``)."""
    from roadbench.designs import get_option, parse_options
    from roadbench.measuring.async_pairs import measure_async_rows
    from roadbench.ops import OPS, get_op
    from roadbench.ops.base import check_concurrency
    from roadbench.reports.async_comparison import AsyncComparisonReport

    load_registries()
    check_rows(rows)
    check_concurrency(concurrency)
    names = _op_names(ops) or [o.name for o in OPS.values() if o.origin == "roadbench"]
    operations = [get_op(name) for name in names]
    timing = check_timing(timing or FEW_TIMING)
    text = options if isinstance(options, str) or options is None else ",".join(map(str, options))
    road_options = [get_option(n) for n in parse_options(text)]
    started = time.perf_counter()
    with open_session(road_options, database, notify, False, sqlite) as (_b, environment, state):
        entries = measure_async_rows(
            road_options, operations, rows, timing, state, concurrency, progress
        )
    return AsyncComparisonReport(
        environment, rows, concurrency, entries, elapsed_s=time.perf_counter() - started
    )


def _op_names(ops: list[str] | str | None) -> list[str] | None:
    if ops is None:
        return None
    names = [n.strip() for n in (ops.split(",") if isinstance(ops, str) else ops) if n.strip()]
    if not names:
        raise BadInput("{ops} names no op (see `roadbench ops`)", "ops")
    return names


# --- the designs a project could have -------------------------------------------------------


def advise(
    model: str,
    scale: str = "few",
    rows: int | None = None,
    timing: Timing | None = None,
    database: str | None = None,
    notify: Notify | None = None,
    progress: Progress | None = None,
    min_effect: float = DEFAULT_MIN_EFFECT,
) -> AdviceReport:
    """The user's hierarchy (``app.Model`` or ``app.A,app.B``) beside the five designs it
    could have with the same fields (single table, table per type, multi-table, JSONField,
    one-to-one detail tables), compared as ``compare`` compares designs; and what those
    designs leave out of the user's models."""
    load_registries()
    from roadbench.designs import OPTIONS
    from roadbench.designs.hierarchy import USER_NUMBER, advice_designs

    hierarchy, yours, alternatives = advice_designs(model)
    if USER_NUMBER in OPTIONS and OPTIONS[USER_NUMBER] is not yours:
        OPTIONS.unregister(OPTIONS[USER_NUMBER])  # an earlier --model's, in this process
    designs = [yours, *alternatives]  # the notices are the report's (printed with it)
    with contextlib.ExitStack() as registered:
        for design in designs:
            registered.enter_context(OPTIONS.registered(design))
        comparison = compare(
            scale=scale,
            rows=rows,
            timing=timing,
            database=database,
            options=[d.number for d in designs],
            notify=notify,
            progress=progress,
            min_effect=min_effect,
        )
    return AdviceReport(
        model=hierarchy.label,
        shape=hierarchy.shape,
        designs=[
            # Each by the name its outputs give it: yours as --model named it (shop.Product).
            AdvisedDesign(d.number, d.design_name or d.key, d.name, d.description, yours=d is yours)
            for d in designs
        ],
        notices=list(hierarchy.notices),
        leaves_out=list(hierarchy.behaviour),
        comparison=comparison,
    )


# --- seeing the queries ---------------------------------------------------------------------


def designs(
    option: int | str | list[int] | None,
    model: str | None = None,
    notify: Notify | None = None,
) -> list[int]:
    """The numbers of the designs ``option`` names, as queries, profile and scaling take it:
    a design's number, a list of numbers, or text as --option takes it ("3", "2,3",
    "sibling,json", "all"); None: the seed study's three designs, or the user's own design
    when ``model`` names a hierarchy."""
    load_registries()
    from roadbench.designs import parse_options

    option = _model_or(option, model, notify)
    if isinstance(option, (list, tuple)):
        option = ",".join(map(str, option))
    if option is not None and not str(option).strip():
        raise BadInput("{option} names no design (see `roadbench options`)", "option")
    return parse_options(None if option is None else str(option))


def _model_or(
    option: int | str | list[int] | None, model: str | None, notify: Notify | None
) -> int | str | list[int] | None:
    """The designs asked for: ``option`` as given, else the user's design when ``model``."""
    number = use_model(model, notify)
    return number if option is None and number is not None else option


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
    model: str | None = None,
) -> QueriesReport:
    """The SQL one case sends (or each option's, side by side), grouped by fingerprint.

    With ``fetch_raise`` each case runs under Django 6.1's FETCH_RAISE: a method that loads
    anything lazily fails (VerificationFailed) instead of sending the extra queries.
    """
    if analyze and not explain:
        raise BadInput("{analyze} goes with {explain}", ("analyze", "explain"))
    load_registries()
    from roadbench.measuring.queries import apply_scaling, group, lazy_loading_blocked

    cases = _cases(_model_or(option, model, notify), op, method)
    check_rows(rows)
    sizes = sorted({*scaling, rows}) if scaling else [rows]
    for size in scaling or ():
        check_rows(size, "sizes")
    reports = []
    if fetch_raise and django.VERSION < (6, 1):
        raise Unsupported(
            "{fetch_raise} needs Django 6.1 (fetch modes); this is Django " + django.get_version(),
            "fetch_raise",
        )
    with open_session([o for o, _, _ in cases], database, notify) as (bench, environment, state):
        if analyze and bench.vendor == "sqlite":
            raise BadInput(
                "{analyze} needs PostgreSQL, MySQL or MariaDB (SQLite has no EXPLAIN ANALYZE)",
                "analyze",
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
                        design=_design_key(road_option),
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
                    design=_design_key(road_option),
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


def _design_key(option: Any) -> str:
    """How outputs name the design: a plugin's by its key, the user's hierarchy by what
    --model named, roadbench's own ("") by number."""
    return str(option.design_name)


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
    model: str | None = None,
) -> tuple[Any, list[Any]]:
    """pyinstrument profiles of one case (or each option's): (environment, [CaseProfile])."""
    load_registries()
    from roadbench.measuring.profiling import profile_case

    cases = _cases(_model_or(option, model, notify), op, method)
    check_rows(rows)
    profiles = []
    with open_session([o for o, _, _ in cases], database, notify) as (_bench, environment, state):
        reasons = [chosen.unsupported_reason(road_option) for road_option, _, chosen in cases]
        # As queries and run: no case asked for can run is exit 4, not an empty success.
        some_case_ran(
            [
                CaseStatus(
                    o.number, operation.name, chosen.name, reason is None, reason, o.design_name
                )
                for (o, operation, chosen), reason in zip(cases, reasons, strict=True)
            ]
        )
        for (road_option, operation, chosen), reason in zip(cases, reasons, strict=True):
            if reason:
                if notify:
                    notify(f"option {road_option.number}: {chosen.name} is unsupported ({reason})")
                continue
            case = profile_case(road_option, operation, chosen, rows, state, notify=notify)
            profiles.append(case)
    return environment, profiles


# --- scenarios: the user's own functions -------------------------------------------------


def scenarios(directory: Path | None = None) -> list[Any]:
    """Every scenario found (``roadbench.scenario``): ``bench_*.py`` in ``directory`` (default:
    the config file's ``scenarios``, else ./benchmarks), then installed entry points."""
    load_registries()
    from roadbench.scenario import discover

    return list(discover(directory).values())


def op_or_scenario(op: str | None, scenario: str | None, **op_only: Any) -> None:
    """A command measures an op or a scenario: exactly one of them. ``op_only``: parameters
    given (not None or False) that only an op takes (``method``, ``model``)."""
    if (op is None) == (scenario is None):
        raise BadInput(
            "name an op or a {scenario} (see `roadbench ops`, `roadbench scenarios`)"
            if op is None
            else "an op and a {scenario} contradict each other; choose one",
            "scenario",
        )
    given = [name for name, value in op_only.items() if value not in (None, False)]
    if scenario is not None and given:
        raise BadInput(
            f"{{{given[0]}}} is an op's; a {{scenario}} takes none", (given[0], "scenario")
        )


class ScenarioWhere(TypedDict, total=False):
    """What every scenario call takes (by keyword, each optional) besides the scenario's name:
    ``option``, the design to run it against (default: the scenario's own, else none);
    ``rows`` (default: its own, else "few"'s); the ``database`` URL (default: SQLite);
    ``notify`` for progress; the ``directory`` of bench files (default: as ``scenarios``)."""

    option: int | str | None
    rows: int | None
    database: str | None
    notify: Notify | None
    directory: Path | None


@contextlib.contextmanager
def _scenario_session(
    name: str, where: ScenarioWhere, keep: bool = False, sqlite: str | None = None
) -> Any:
    """(environment, ScenarioCase) in a session: the scenario found before any database is made,
    its design (``option``, else the scenario's own) made and loaded with ``rows``."""
    load_registries()
    from roadbench.designs import get_option
    from roadbench.measuring.scenario import EmptiedTables, ScenarioCase
    from roadbench.scenario import find

    declared = find(name, where.get("directory"))
    option, rows = where.get("option"), where.get("rows")
    chosen = option if option is not None else declared.design
    design = get_option(chosen) if chosen is not None else None
    rows = rows if rows is not None else declared.rows or SCALES["few"]
    if design is not None:
        check_rows(rows)
        if design.unavailable:
            raise Unsupported(f"{design.label}: {design.unavailable}")
    elif rows < 1:
        raise BadInput(f"{{rows}} must be at least 1, not {rows}", "rows")
    database, notify = where.get("database"), where.get("notify")
    with open_session([design] if design else [], database, notify, keep, sqlite) as session:
        _bench, environment, state = session
        yield environment, ScenarioCase(declared, rows, design, state, EmptiedTables(design))


def run_scenario(
    name: str,
    *,
    timing: Timing = FEW_TIMING,
    keep: bool = False,
    sqlite: str | None = None,
    memory: bool = False,
    **where: Unpack[ScenarioWhere],
) -> RunReport:
    """Measure a scenario as ``run`` measures an op: prepared (tables emptied, its setup) and
    verified around every timed value, then an exact query count; op "scenario", method its
    name. ``where``: see ``ScenarioWhere``."""
    from roadbench.measuring.scenario import ScenarioRunner

    check_timing(timing)
    with _scenario_session(name, where, keep, sqlite) as (environment, case):
        (result,) = measure_interleaved([ScenarioRunner(case, timing, memory)], timing)
    return RunReport(environment=environment, results=[result])


def scenario_queries(name: str, **where: Unpack[ScenarioWhere]) -> QueriesReport:
    """The SQL a scenario sends, grouped by fingerprint, as ``queries`` shows an op's."""
    from roadbench.measuring.queries import group
    from roadbench.measuring.scenario import count_scenario, where_ran
    from roadbench.scenario import SCENARIO_OP

    with _scenario_session(name, where) as (environment, case):
        counted, affected = count_scenario(case, capture=True)
    fingerprints = group(counted.captured, case.rows)
    number = case.design.number if case.design is not None else 0
    found = CaseQueries(
        number,
        SCENARIO_OP,
        name,
        case.rows,
        design=where_ran(case.design),
        rows_affected=affected,
        queries=sum(f.count for f in fingerprints),
        total_s=sum(q.duration_s for q in counted.captured),
        sizes=[case.rows],
        fingerprints=fingerprints,
    )
    return QueriesReport(environment=environment, cases=[found])


def profile_scenario(name: str, **where: Unpack[ScenarioWhere]) -> tuple[Any, list[Any]]:
    """A pyinstrument profile of a scenario alone (not its setup or verify), as ``profile``."""
    from roadbench.measuring.profiling import INTERVAL_S, MAX_RUNS, MIN_PROFILED_S, CaseProfile
    from roadbench.measuring.scenario import profile_scenario as profile_it
    from roadbench.measuring.scenario import where_ran
    from roadbench.scenario import SCENARIO_OP

    with _scenario_session(name, where) as (environment, case):
        session, runs, database_s, queries = profile_it(
            case, MIN_PROFILED_S, MAX_RUNS, INTERVAL_S, where.get("notify")
        )
    number = case.design.number if case.design is not None else 0
    profiled = CaseProfile(
        number,
        SCENARIO_OP,
        name,
        case.rows,
        runs,
        session,
        database_s,
        queries,
        design=where_ran(case.design),
    )
    return environment, [profiled]


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
    model: str | None = None,
) -> ScalingReport:
    """One op at growing sizes for each option: time and queries, and how fast they grow;
    at each size the options take turns round by round and are judged as compare's rows."""
    load_registries()
    from roadbench.measuring.queries import classify_growth
    from roadbench.measuring.stats import growth_exponent

    check_min_effect(min_effect)

    cases = _cases(_model_or(option, model, notify), op, method)
    if len(set(sizes)) < 2:
        raise BadInput("{sizes} needs at least two different sizes", "sizes")
    for size in sizes:
        check_rows(size, "sizes")
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
                    design=_design_key(road_option),
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
                plugin_op = any(op is mine for mine in contents.ops)
                outcome = check_case(option, op, method, rows, state, files, plugin_op)
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


def plugin_passed(check: PluginCheck) -> None:
    """PluginCheckFailed (exit 7) when a case of ``check_plugin`` failed: call after showing
    the check, so every case is in the output."""
    if check.failed:
        first = check.failed[0]
        raise PluginCheckFailed(
            f"{len(check.failed)} of {len(check.cases)} cases failed; the first, "
            f"{first.name} on {first.database}: {first.error} ({first.hint})"
        )


def _plugin_files(plugin: str) -> list[str]:
    """The plugin's source: its module's file, or its package's directories."""
    import sys

    module = sys.modules[plugin]
    paths = list(getattr(module, "__path__", None) or [])
    if not paths and getattr(module, "__file__", None):
        paths = [str(module.__file__)]
    return [os.path.abspath(path) for path in paths]


# --- the user's project ---------------------------------------------------------------------


def use_project(settings_module: str | None, pythonpath: str | None) -> None:
    """Run inside a Django project: its settings module, and a directory to put first on the
    Python path (see ``roadbench.database.project``)."""
    from roadbench.database.project import use_project as use

    use(settings_module, pythonpath)


def use_values(values: list[str], factories: list[str]) -> None:
    """``--value app.Model.field=module:function`` and ``--factory app.Model=module:Factory``:
    checked for their shape now, resolved when a ``--model`` design is built (they win over
    roadbench.toml's; see ``roadbench.designs.factories``)."""
    from roadbench.designs.factories import use_command_line

    use_command_line(values, factories)


# --- exit 4: no case asked for could run ----------------------------------------------------


@dataclass(frozen=True)
class CaseStatus:
    """A case asked for, whether it ran, and if not why."""

    option: int | str
    op: str
    method: str
    ran: bool
    reason: str | None = None
    # The design's name when it is not roadbench's own (--model's, a plugin's key).
    design: str = ""


def some_case_ran(cases: Sequence[CaseStatus], under: str = "") -> None:
    """Unsupported (exit 4) when no case asked for could run, with the first one's reason:
    run, queries, profile, scaling, chart and matrix end so, never as an empty success.
    ``under``: what they were tried under (matrix: "Django 5.2 or Django 6.1")."""
    if not cases or any(case.ran for case in cases):
        return
    first = cases[0]
    name = first.design or f"option {first.option}"
    if under:
        raise Unsupported(
            f"{name} cannot {first.op} with {first.method} under {under}: {first.reason}"
        )
    more = f" (and {len(cases) - 1} more options)" if len(cases) > 1 else ""
    raise Unsupported(f"{name} cannot {first.op} with {first.method}: {first.reason}{more}")


def case_statuses(report: RunReport | QueriesReport | ScalingReport) -> list[CaseStatus]:
    """The cases a run, queries or scaling report asked for (see ``some_case_ran``); a
    scaling's option ran if it was measured at some size."""
    if isinstance(report, RunReport):
        return [
            CaseStatus(r.option, r.op, r.method, r.ok, r.reason, r.design) for r in report.results
        ]
    if isinstance(report, QueriesReport):
        return [
            CaseStatus(c.option, c.op, c.method, c.status == "ok", c.reason, c.design)
            for c in report.cases
        ]
    return [
        CaseStatus(
            s.option,
            report.op,
            report.method,
            any(p.status == "ok" for p in s.points),
            "unsupported at every size",
            s.design,
        )
        for s in report.series
    ]


def check_ran(report: RunReport | QueriesReport | ScalingReport) -> None:
    """``some_case_ran`` of a report: call it after showing the report, so the reasons of
    the cases that could not run are in the output too."""
    some_case_ran(case_statuses(report))


# --- outputs --------------------------------------------------------------------------------


def check_outputs(*outputs: tuple[str, Path | None], suffixes: tuple[str, ...] = ()) -> None:
    """Every output path, checked before any work: (the name the caller gave it, the path or
    None). Two outputs naming one file are refused too."""
    check_distinct(outputs)
    for name, path in outputs:
        if path is not None:
            check_output(path, name, suffixes)


def check_cache(url: str | None) -> str | None:
    """A ``cache`` URL roadbench would misread is refused at once (see ``run``)."""
    from roadbench.database.cache import check_cache_url

    return None if url is None else check_cache_url(url)


# --- profiles -------------------------------------------------------------------------------


def profile_files(
    outputs: dict[str, Path | None], numbers: Sequence[int]
) -> list[tuple[str, Path]]:
    """(kind, file) for each profile file ``profile`` writes: one per design asked for when
    there are several (p-option2.html), so named even if one turns out unsupported."""
    from roadbench.measuring.profiling import path_for

    several = len(numbers) > 1
    return [
        (kind, path_for(path, number, several))
        for kind, path in outputs.items()
        if path is not None
        for number in numbers
    ]


def write_profile(case: Any, kind: str, path: Path, several: bool) -> Path:
    """Write one profile (html, speedscope or json) to its file for the case's design."""
    from roadbench.measuring.profiling import path_for
    from roadbench.measuring.profiling import write_profile as write

    target = path_for(path, case.option, several)
    write(case, kind, target)
    return target


# --- saved files ----------------------------------------------------------------------------


def load_report(path: Path, kinds: tuple[str, ...] = ("run", "compare", "scaling")) -> Any:
    """(kind, report) of a file saved with --save: a run, comparison, async comparison
    (``compare-async``) or scaling, of ``kinds``."""
    from roadbench.reports.saved import load_report as load

    return load(path, kinds)


def html_attachments(
    queries: Sequence[Path] = (), profiles: Sequence[Path] = ()
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """What an HTML report shows beside its saved file: the cases of ``queries --json``
    outputs, and (name, HTML) of ``profile --html`` pages; each file checked (BadInput)."""
    from roadbench.reports.attachments import load_profile, load_statements

    cases = [case for path in queries for case in load_statements(path)]
    return cases, [load_profile(path) for path in profiles]


def chart_reports(files: Sequence[Path]) -> tuple[str, list[Any]]:
    """The saved reports a chart draws: ("compare", comparisons) side by side, or
    ("scaling", [one scaling]) alone, of which some point was measured."""
    loaded = [load_report(file, ("compare", "scaling")) for file in files]
    scalings = [
        file for file, (kind, _report) in zip(files, loaded, strict=True) if kind == "scaling"
    ]
    if scalings and len(files) > 1:
        raise BadInput(
            f"chart draws one scaling file alone ({scalings[0]}), or comparisons side by side"
        )
    if scalings:
        check_ran(loaded[0][1])  # nothing to draw: no empty chart
        return "scaling", [loaded[0][1]]
    return "compare", [report for _kind, report in loaded]


def fail_on_rules(texts: Sequence[str]) -> list[Any]:
    """The ``fail_on`` rules of ``diff``: time:N%, instructions:N%, queries:+N or shape each."""
    from roadbench.reports.diff import parse_fail_on

    return [parse_fail_on(text) for text in texts]


def diff(
    base: Path,
    new: Path | None,
    min_change: float = 0.05,
    fail_on: Sequence[Any] = (),
    *,
    assume_drift: bool = False,
) -> tuple[Any, list[str]]:
    """(the diff of two saved runs or comparisons, the ``fail_on`` rules each broke).

    Two async comparisons (``compare_async``) are diffed case by case on their sync, async
    and N-task cases (``reports.async_diff``); one beside a run or comparison is BadInput.

    ``min_change``: the smallest change (a fraction) that counts as significant. With rules,
    some case must be in both files to judge. ``new`` None: ``base`` is a file of ``matrix``
    or ``ab``, whose first and last environments are judged on their per-round ratios.
    ``assume_drift``: correct for a move of the whole run between two files as the machine's
    (else the time verdicts are inconclusive); the report says so. What a rule could not
    judge is in ``report.inconclusive`` (``gate_outcome`` raises)."""
    from roadbench.reports.async_diff import diffable
    from roadbench.reports.diff import ADDED, COMPARED, REMOVED, check
    from roadbench.reports.diff import diff as diff_runs
    from roadbench.reports.saved import load_saved

    kinds = ("run", "compare", "compare-async")
    if new is None:
        section = ab_section_in(base)
        if section is None:
            raise BadInput(
                f"diff needs two files, or one saved by matrix or ab; {base} holds one result"
            )
        return ab_gate(section, min_change, fail_on)
    before, after = diffable(base, load_saved(base, kinds), new, load_saved(new, kinds))
    report = diff_runs(before, after, min_change, assume_drift=assume_drift)
    if fail_on and not any(case.verdict in COMPARED for case in report.cases):
        raise BadInput(
            f"no case of {new} can be compared with one of {base} (same option, op, method and "
            "rows, measured in both): {fail_on} has nothing to judge",
            "fail_on",
        )
    if not any(case.verdict not in (ADDED, REMOVED) for case in report.cases):
        # Rows of "—" exiting 0 read as "nothing changed"; nothing was compared.
        raise BadInput(
            f"no case appears in both {base} and {new} (same option, op, method and rows): "
            "nothing to compare; diff two runs of the same cases"
        )
    return report, check(report, list(fail_on))


def history(
    folder: Path,
    min_change: float = 0.10,
    fail_on: Sequence[Any] = (),
    notify: Notify | None = None,
) -> tuple[Any, list[str]]:
    """(the history of the saved runs in ``folder``, the ``fail_on`` rules its latest steps
    broke): per case its time and query count over commits, and the steps found in them.
    Files that are no saved run, comparison or scaling are skipped, each told to ``notify``."""
    from roadbench.reports.history import check, check_rules
    from roadbench.reports.history import history as read_history
    from roadbench.reports.steps import MIN_SIZE

    check_rules(list(fail_on))
    report = read_history(folder, min_change, notify)
    few = 2 * MIN_SIZE
    if notify and len(report.runs) < few and any(rule.kind == "time" for rule in fail_on):
        notify(
            f"{len(report.runs)} run(s): a time step needs at least {few} (two on each side), "
            "so the time rule judged nothing"
        )
    return report, check(report, list(fail_on))


def no_regression(failures: Sequence[str]) -> None:
    """RegressionFound (exit 6) when ``diff``'s rules found any: call after showing the diff."""
    if failures:
        raise RegressionFound(
            f"{len(failures)} regression{'s' if len(failures) != 1 else ''} "
            f"beyond {{fail_on}}: {failures[0]}",
            "fail_on",
        )


def gate_outcome(report: Any) -> None:
    """After showing a diff: RegressionFound (exit 6) when its rules found a regression, else
    Inconclusive (exit 8) when a rule could not judge some case; nothing when the gate passed
    or there were no rules."""
    no_regression(report.failures)
    if report.inconclusive:
        more = len(report.inconclusive) - 1
        raise Inconclusive(
            f"inconclusive, not passed: {report.inconclusive[0]}"
            + (
                f" (and {more} more reason{'s' if more != 1 else ''}: see the table)"
                if more
                else ""
            )
        )


# --- listings -------------------------------------------------------------------------------


def registered_designs() -> list[Any]:
    """Every design: roadbench's own, installed plugins' and --plugin modules'."""
    load_registries()
    from roadbench.designs import OPTIONS

    return list(OPTIONS.values())


def registered_ops() -> list[Any]:
    """Every op: roadbench's own, installed plugins' and --plugin modules'."""
    load_registries()
    from roadbench.ops import OPS

    return list(OPS.values())


def designs_listing() -> dict[str, Any]:
    """The designs as ``options --json`` prints them."""
    return {
        "options": [
            {
                "number": o.number,
                "key": o.key,
                "name": o.name,
                "description": o.description,
                "tables": list(o.tables),
                "origin": o.origin,
                "unavailable": o.unavailable,
            }
            for o in registered_designs()
        ]
    }


def ops_listing() -> dict[str, Any]:
    """The ops and their methods as ``ops --json`` prints them."""
    return {
        "ops": [
            {
                "name": op.name,
                "description": op.description,
                "default_method": op.default_method,
                "methods": [
                    {"name": m.name, "description": m.description, "technique": m.technique}
                    for m in op.methods.values()
                ],
            }
            for op in registered_ops()
        ]
    }


# --- the database ---------------------------------------------------------------------------


def doctor(database: str | None = None) -> dict[str, Any]:
    """Which database, server version and driver a run would use, whether it connects, and
    what killed runs left there."""
    from roadbench import __version__
    from roadbench.database import inspect_database
    from roadbench.database.cleanup import find_leftovers

    info = {"roadbench": __version__, "django": django.get_version(), **inspect_database(database)}
    info["leftovers"] = [
        {"kind": i.kind, "name": i.name, "holds": i.holds}
        for i in find_leftovers(database)
        if i.removable
    ]
    return info


def cleanup_command(database: str | None = None) -> str:
    """``roadbench [--pythonpath DIR --settings M] cleanup [--database URL]``: what removes
    doctor's leftovers, with the flags given to this command (the URL masked)."""
    from roadbench.database.cleanup import cleanup_command as command

    return command(database)


def cleanup(database: str | None = None, dry_run: bool = False) -> Any:
    """Remove what killed runs left (with ``dry_run`` only list it): a CleanupReport."""
    from roadbench.database.cleanup import cleanup as remove_leftovers

    return remove_leftovers(database, dry_run=dry_run)


def all_removed(report: Any) -> None:
    """DatabaseUnavailable (exit 3) when ``cleanup`` could not remove something: call after
    showing the report."""
    if report.failures:
        first = report.failures[0]
        raise DatabaseUnavailable(
            f"{len(report.failures)} of {len(report.leftovers)} could not be removed; "
            f"{first.kind} {first.name}: {first.status}"
        )


# --- load tests -----------------------------------------------------------------------------


def load(
    option: int | str | list[int] | None,
    settings: Any,
    database: str | None = None,
    notify: Notify | None = None,
) -> Any:
    """Load-test the designs with Locust (roadbench[load]): a LoadReport. ``option`` as
    ``designs`` takes it; "all" leaves out, with a notice, what cannot run here (a design
    named on its own that cannot is Unsupported)."""
    from roadbench.designs import OPTIONS
    from roadbench.load.runner import run_load

    settings.check()
    numbers = designs(option)
    if option is not None and str(option).strip() == "all":
        for number in numbers:
            if OPTIONS[number].unavailable and notify:
                notify(f"option {number} is left out: {OPTIONS[number].unavailable}")
        numbers = [n for n in numbers if not OPTIONS[n].unavailable]
    return run_load(numbers, settings, database=database, notify=notify)


def load_worker(
    master_host: str,
    master_port: int,
    max_time_s: float,
    master_wait_s: float = 60.0,
    notify: Notify | None = None,
) -> None:
    """A Locust worker for ``load`` with ``master`` on another machine, in the foreground."""
    from roadbench.load.runner import run_worker

    run_worker(
        master_host, master_port, max_time_s=max_time_s, master_wait_s=master_wait_s, notify=notify
    )


# --- several Django versions ----------------------------------------------------------------


def matrix(
    django_versions: str,
    command: dict[str, Any],
    args: Sequence[str],
    save_dir: Path,
    notify: Notify | None = None,
    processes: int = 1,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Any:
    """``command`` (a run or compare, from ``child_command``) under each Django version, in
    interleaved rounds: a MatrixRun (each version's MatrixResult, saved under ``save_dir``,
    and the versions' A/B). ``args``: the command's arguments as typed (extras, progress).
    ``timeout``: the seconds a worker may give no sign of life before the run ends as hung."""
    from roadbench.measuring.matrix import run_matrix

    return run_matrix(django_versions, command, args, save_dir, notify, processes, timeout=timeout)


def child_command(
    name: str, params: dict[str, Any], timing: Timing, plugins: Sequence[str], what: str
) -> dict[str, Any]:
    """What each environment of ``matrix`` or ``ab`` measures: a run's or compare's
    parameters (``params``, by their names in ``run`` and ``compare``) as the worker takes
    them; what it cannot measure in an A/B is refused."""
    from roadbench.measuring.ab import child_command as command

    return command(name, params, check_timing(timing), plugins, what)


def ab(
    base: str,
    head: str | None,
    command: dict[str, Any],
    args: Sequence[str],
    repo: Path,
    install: bool = True,
    processes: int = 1,
    notify: Notify | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Any:
    """Two revisions of the git repository at ``repo`` (``head`` None: its working tree),
    each in an environment of its own, measured by ``command`` in interleaved rounds: an
    ABRun. ``install=False``: each revision's source on PYTHONPATH of this Python.
    ``timeout``: the seconds a worker may give no sign of life before the run ends as hung."""
    from roadbench.measuring.revisions import run_ab

    return run_ab(base, head, command, args, repo, install, processes, notify, timeout=timeout)


def ab_gate(
    section: Any, min_change: float = 0.05, fail_on: Sequence[Any] = ()
) -> tuple[Any, list[str]]:
    """(the A/B's first and last environments as ``diff`` reports them, the ``fail_on``
    rules each broke), judged on the per-round ratios of one session."""
    from roadbench.reports.ab import ab_diff
    from roadbench.reports.diff import COMPARED, check

    report = ab_diff(section, min_change)
    if fail_on and not any(case.verdict in COMPARED for case in report.cases):
        raise BadInput(
            "no case was measured in both environments: {fail_on} has nothing to judge",
            "fail_on",
        )
    return report, check(report, list(fail_on))


def ab_section_in(path: Path) -> Any:
    """The A/B of a file saved by ``matrix`` or ``ab`` (checked), or None for another file."""
    from roadbench.reports.ab import section_of
    from roadbench.reports.saved import load_saved

    return section_of(load_saved(path, ("run", "compare", "compare-async")))


def ab_file(section: Any) -> dict[str, Any]:
    """The combined file of an A/B: the last environment's report, the A/B beside it."""
    from roadbench.reports.ab import combined

    return combined(section)


def matrix_ran(section: Any) -> None:
    """Unsupported (exit 4) when no case could run in any environment, as ``some_case_ran``;
    a case unsupported in some environments only is a cell of the table."""
    cases = [case for side in section.sides for case in side.report.get("results", [])]
    some_case_ran(
        [
            CaseStatus(
                c["option"],
                c["op"],
                c["method"],
                c.get("status", "ok") == "ok",
                c.get("reason") or c.get("status"),
                c.get("design") or "",
            )
            for c in cases
        ],
        under=" or ".join(section.labels),
    )


def profile_text(case: Any, color: bool = False) -> str:
    """A profile's call tree as text, as pyinstrument prints it."""
    from roadbench.measuring.profiling import render_console

    return render_console(case, color=color)


def matrix_rows(run: Any) -> tuple[list[str], list[list[str]]]:
    """The matrix's table: (header, one row per case with a cell per version)."""
    from roadbench.measuring.matrix import side_by_side

    return side_by_side(run.results, run.section)
