"""A scenario's values, counting pass, profile and memory pass: measured as an op's are.

Every value: the tables emptied and the scenario's ``setup`` run (untimed) -> the scenario
(timed) -> its ``verify`` (untimed). "Emptied" is every table of the installed models that was
empty when the session began (after the migrations, and after the design run against was
made): what the migrations put in (content types, permissions, a data migration's rows) stays.
A design run against is loaded with ``rows`` entities by roadbench's fast path before each
value, as an op's are. Query counting, profiling and memory tracing run in passes of their
own, with the same preparation and check.
"""

from __future__ import annotations

import functools
import gc
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from roadbench.database.backend import current_backend
from roadbench.designs.base import RoadOption
from roadbench.errors import RoadbenchError, ScenarioFailed, VerificationFailed
from roadbench.measuring.counting import QueryCount, count_queries
from roadbench.measuring.measure import TableState, Timing, summarize_result
from roadbench.measuring.memory import trace_memory
from roadbench.measuring.phases import CHECK, CLOCK, COUNT, MEMORY, PREPARE, TIMED
from roadbench.measuring.stats import calibrate_loops
from roadbench.ops.base import CHANGED, LOADED
from roadbench.reports.results import CaseResult
from roadbench.scenario import SCENARIO_OP, Scenario


class EmptiedTables:
    """The tables emptied before each value: those of the installed models that were empty
    when the session began, the design's own left to ``TableState``."""

    def __init__(self, design: RoadOption | None) -> None:
        from django.db import connection

        own = set(design.tables) if design is not None else set()
        names = connection.introspection.django_table_names(only_existing=True)
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            self.tables = [
                qn(name) for name in sorted(set(names) - own) if not _holds_rows(cursor, qn(name))
            ]

    def empty(self) -> None:
        from django.db import connection

        if self.tables:
            with connection.cursor() as cursor:
                current_backend().clear_tables(cursor, self.tables)


def _holds_rows(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
    return cursor.fetchone() is not None


@dataclass
class ScenarioCase:
    """What one scenario run needs: the scenario, its rows, the design run against (or None),
    and the session's table state."""

    scenario: Scenario
    rows: int
    design: RoadOption | None
    state: TableState
    emptied: EmptiedTables

    @property
    def name(self) -> str:
        return self.scenario.name

    def prepare(self) -> Any:
        """Untimed: tables emptied (the design's loaded), then the scenario's setup."""
        with CLOCK.phase(PREPARE):
            self.emptied.empty()
            if self.design is not None:
                self.state.prepare(self.design, LOADED, self.rows)
                self.state.mark(self.design, CHANGED, self.rows)  # the scenario may change it
            if self.scenario.setup is None:
                return None
            return self._user("setup", rows=self.rows, design=self.design)

    def run(self, prepared: Any) -> Any:
        """The timed part, the scenario alone."""
        return self._user("scenario", rows=self.rows, state=prepared, design=self.design)

    def check(self, prepared: Any, result: Any) -> None:
        """Untimed: the scenario's verify; an assertion that fails (or False) fails the run."""
        if self.scenario.verify is None:
            return
        with CLOCK.phase(CHECK):
            verdict = self._user(
                "verify", rows=self.rows, state=prepared, result=result, design=self.design
            )
        if verdict is False:
            named = self._named("verify")
            raise VerificationFailed(f"scenario {self.name}: {named} returned False")

    def _user(self, role: str, **values: Any) -> Any:
        """The user's function; what it raises is said in one line, naming the scenario."""
        try:
            return self.scenario.call(role, **values)
        except RoadbenchError:
            raise  # roadbench's own (an interruption): not the scenario's
        except AssertionError as exc:
            if role != "verify":
                raise ScenarioFailed(self._raised(role, exc)) from exc
            said = " ".join(str(exc).split()) or f"assert at {_where(exc)}"
            raise VerificationFailed(
                f"scenario {self.name}: {self._named(role)} failed: {said}"
            ) from exc
        except Exception as exc:
            raise ScenarioFailed(self._raised(role, exc)) from exc

    def _named(self, role: str) -> str:
        function = {"setup": self.scenario.setup, "verify": self.scenario.verify}.get(role)
        return f"{role} {getattr(function, '__name__', role)}()"

    def _raised(self, role: str, exc: BaseException) -> str:
        what = "" if role == "scenario" else f" ({self._named(role)})"
        text = " ".join(str(exc).split())
        return f"scenario {self.name}{what} raised {type(exc).__name__}" + (
            f": {text}" if text else f" at {_where(exc)}"
        )


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "an unknown line"
    last = frames[-1]
    return f"{last.filename}:{last.lineno}"


def affected_rows(result: Any) -> int:
    """What a scenario's return value says it touched: an int, or a list's (tuple's) length."""
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if isinstance(result, (list, tuple)):
        return len(result)
    return 0


def one_value(case: ScenarioCase, loops: int = 1) -> tuple[float, float, int]:
    """One value: the scenario's wall and CPU time per loop; setup and verify untimed."""
    wall = cpu = 0.0
    affected = 0
    for _ in range(loops):
        prepared = case.prepare()
        with CLOCK.phase(TIMED):
            gc.collect()
            cpu_start = time.process_time()
            start = time.perf_counter()
            result = case.run(prepared)
            wall += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
        case.check(prepared, result)
        affected = affected_rows(result)
    return wall / loops, cpu / loops, affected


@contextmanager
def _passing(case: ScenarioCase) -> Iterator[tuple[Any, list[Any]]]:
    """An instrumented pass: prepared before, checked after (``result`` holds its return)."""
    prepared = case.prepare()
    result: list[Any] = []
    yield prepared, result
    case.check(prepared, result[0])


def count_scenario(case: ScenarioCase, capture: bool = False) -> tuple[QueryCount, int]:
    """The counting pass: same preparation, the scenario instrumented, untimed, checked."""
    with (
        _passing(case) as (prepared, result),
        CLOCK.phase(COUNT),
        count_queries(capture=capture) as counted,
    ):
        result.append(case.run(prepared))
    return counted, affected_rows(result[0])


class ScenarioRunner:
    """A scenario's values, taken one at a time (``measure.measure_interleaved`` drives it)."""

    def __init__(self, case: ScenarioCase, timing: Timing, memory: bool = False) -> None:
        self.case, self.timing, self.memory = case, timing, memory
        self.affected = 0
        design = case.design
        self.result = CaseResult(
            option=design.number if design is not None else 0,
            op=SCENARIO_OP,
            method=case.name,
            rows=case.rows,
            technique="scenario",
            warmup=timing.warmup,
            design=where_ran(design),
            entity=design.study.plural if design is not None else "rows",
        )

    @property
    def live(self) -> bool:
        return self.result.ok

    @property
    def wants_values(self) -> bool:
        long = self.timing.long_value_s
        times = self.result.times_s
        return not (long is not None and times and times[0] * self.result.loops >= long)

    def start(self) -> None:
        """Calibrate the loops (one untimed value) and run the warm-up values."""
        loops, warmup = self.timing.loops, self.timing.warmup
        if loops is None:
            elapsed, _, _ = one_value(self.case)
            loops = calibrate_loops(elapsed)
            warmup = max(0, warmup - 1)
        self.result.loops = loops
        for _ in range(warmup):
            one_value(self.case, loops)

    def take_value(self) -> None:
        wall, cpu, self.affected = one_value(self.case, self.result.loops)
        self.result.times_s.append(wall)
        self.result.cpu_times_s.append(cpu)

    def finish(self) -> CaseResult:
        """The counting pass (and the memory pass) and the summary."""
        result = self.result
        counted, _ = count_scenario(self.case)
        summarize_result(result, counted, self.affected)
        if not self.affected:
            result.rows_per_s = None  # the scenario said nothing of rows: no rate to give
        if self.memory:
            with (
                _passing(self.case) as (prepared, returned),
                CLOCK.phase(MEMORY),
                trace_memory() as peak,
            ):
                returned.append(self.case.run(prepared))
            result.memory_peak_bytes = peak.python_bytes
            result.rss_peak_bytes = peak.rss_bytes
        return result


def where_ran(design: RoadOption | None) -> str:
    """How outputs name where a scenario ran: the design (``option 3``, a plugin's key), the
    project's settings module, else roadbench's own settings."""
    if design is not None:
        return design.design_name or f"option {design.number}"
    from roadbench.database.project import settings_module

    return settings_module() or "roadbench"


def profile_scenario(
    case: ScenarioCase,
    min_duration_s: float,
    max_runs: int,
    interval_s: float,
    notify: Callable[[str], None] | None = None,
) -> tuple[Any, int, float, int]:
    """pyinstrument sessions of the scenario alone, combined (short ones run again, each with
    fresh, untimed state): (session, runs, database seconds, queries)."""
    from pyinstrument import Profiler
    from pyinstrument.session import Session

    from roadbench.measuring.profiling import start_profiler

    sessions: list[Session] = []
    database_s = 0.0
    queries = 0
    profiled = 0.0
    while not sessions or (profiled < min_duration_s and len(sessions) < max_runs):
        with _passing(case) as (prepared, result):
            profiler = Profiler(interval=interval_s)
            with count_queries() as counted:
                start_profiler(profiler, notify)
                try:
                    result.append(case.run(prepared))
                finally:
                    session = profiler.stop()
        sessions.append(session)
        profiled += session.duration
        database_s += counted.database_s
        queries += counted.total
    combined: Callable[[Session, Session], Session] = Session.combine
    return functools.reduce(combined, sessions), len(sessions), database_s, queries
