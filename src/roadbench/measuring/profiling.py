"""pyinstrument profiles of an op only: not its setup, not its verification, never timed.

Short ops are repeated (each run with fresh, untimed state) and their sessions combined, so
the profile has enough samples. The database wait comes from the query timings of the same
runs, so the header can set it beside the Python time.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.session import Session

from roadbench.designs.base import RoadOption
from roadbench.measuring.counting import count_method_queries
from roadbench.measuring.measure import TableState, finish_value, prepare_value
from roadbench.ops.base import Method, Operation
from roadbench.reports.results import design_heading

MIN_PROFILED_S = 0.5  # profile at least this long in total ...
MAX_RUNS = 100  # ... but never run an op more often than this
INTERVAL_S = 0.0005


@dataclass
class CaseProfile:
    option: int
    op: str
    method: str
    rows: int
    runs: int
    session: Session
    database_s: float
    queries: int
    design: str = ""  # a design not roadbench's own, by its name (see CaseResult.design)

    @property
    def heading(self) -> str:
        return design_heading(self.option, self.design)

    @property
    def duration_s(self) -> float:
        return float(self.session.duration)

    @property
    def python_s(self) -> float:
        return max(0.0, self.duration_s - self.database_s)

    @property
    def samples(self) -> int:
        return int(self.session.sample_count)

    def header(self) -> str:
        total = self.duration_s or 1.0
        return (
            f"{self.heading} · {self.op} · {self.method} · {self.rows:,} rows · "
            f"{self.runs} run{'s' if self.runs != 1 else ''} combined, {self.samples:,} samples\n"
            f"{self.duration_s:.3f} s profiled: database {self.database_s:.3f} s "
            f"({self.database_s / total:.0%}), Python {self.python_s:.3f} s "
            f"({self.python_s / total:.0%}); {self.queries:,} queries"
        )

    def summary(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "design": self.design,
            "op": self.op,
            "method": self.method,
            "rows": self.rows,
            "runs": self.runs,
            "samples": self.samples,
            "duration_s": self.duration_s,
            "database_s": self.database_s,
            "python_s": self.python_s,
            "queries": self.queries,
        }


# pyinstrument's warning about a slow clock ("the timer on your system has an overhead of 15922
# nanoseconds, which is considered high ..."), 14 lines of its own options on stderr.
SLOW_TIMER = re.compile(r"overhead of (\d+) nanoseconds")


def start_profiler(profiler: Profiler, notify: Callable[[str], None] | None) -> None:
    """``profiler.start()``, with what pyinstrument prints on starting (once a process: its
    14-line warning about a slow clock, whose advice names pyinstrument's flags, not ours) said
    as one line to ``notify`` instead."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        profiler.start()
    text = " ".join(printed.getvalue().split())
    if not text or notify is None:
        return
    found = SLOW_TIMER.search(text)
    if found is None:
        notify(f"pyinstrument: {text}")
        return
    notify(
        f"this machine's clock costs {int(found[1]):,} ns a reading (pyinstrument calls that "
        "high): the profile's times run long and its Python share reads high; the queries "
        "are exact counts"
    )


def profile_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    state: TableState,
    min_duration_s: float = MIN_PROFILED_S,
    max_runs: int = MAX_RUNS,
    notify: Callable[[str], None] | None = None,
) -> CaseProfile:
    sessions: list[Session] = []
    database_s = 0.0
    queries = 0
    profiled = 0.0
    while not sessions or (profiled < min_duration_s and len(sessions) < max_runs):
        prepare_value(option, op, method, rows, state)
        profiler = Profiler(interval=INTERVAL_S)
        with count_method_queries(method) as counted:
            start_profiler(profiler, notify)
            try:
                affected = method.run(option, rows)
            finally:
                session = profiler.stop()
        finish_value(option, op, method, rows, state, affected)
        sessions.append(session)
        profiled += session.duration
        database_s += counted.database_s
        queries += counted.total
    return CaseProfile(
        option=option.number,
        op=op.name,
        method=method.name,
        rows=rows,
        runs=len(sessions),
        session=functools.reduce(Session.combine, sessions),
        database_s=database_s,
        queries=queries,
        design=option.design_name,
    )


def render_console(profile: CaseProfile, color: bool = False) -> str:
    from pyinstrument.renderers import ConsoleRenderer

    return ConsoleRenderer(unicode=True, color=color, short_mode=True).render(profile.session)


RENDERERS = {"html": "HTMLRenderer", "speedscope": "SpeedscopeRenderer", "json": "JSONRenderer"}


def write_profile(profile: CaseProfile, kind: str, path: Path) -> None:
    """Write pyinstrument's own HTML, speedscope or JSON rendering of the profile."""
    from pyinstrument import renderers

    from roadbench.reports.output import write_text

    renderer = getattr(renderers, RENDERERS[kind])()
    write_text(path, renderer.render(profile.session))


def path_for(path: Path, option: int, several: bool) -> Path:
    """With several options, one file each: ``profile.html`` -> ``profile-option2.html``."""
    return path.with_name(f"{path.stem}-option{option}{path.suffix}") if several else path
