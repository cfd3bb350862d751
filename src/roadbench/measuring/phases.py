"""Where a run's time and memory go: preparation, timed values, checks, counting passes.

Each phase's seconds are exclusive: a counting pass that prepares its tables adds to
"prepare", not to "count". With ``track_rss`` (Linux), the process's resident high-water mark
is reset when a phase starts and read when it ends, so each phase gets its own peak: the
"timed" peak is what the Django calls measured took, the "prepare" and "check" peaks are
roadbench's own. Read by ``compare`` into its report (``phases_s``, ``phases_cpu_s``,
``phases_rss_peak_bytes``)
and printed by ``benchmarks/compare_time_memory.py``. The clock works outside every timed
value: a phase starts before the timer does.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from roadbench.measuring.memory import reset_rss_peak, rss_peak_bytes

PREPARE, TIMED, CHECK, COUNT, GROWTH, MEMORY = (
    "prepare",
    "timed",
    "check",
    "count",
    "growth",
    "memory",
)


class PhaseClock:
    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.cpu_totals: dict[str, float] = {}  # the process's CPU time (time.process_time)
        self.rss_peaks: dict[str, int] = {}
        self.track_rss = False
        self._stack: list[tuple[str, float, float]] = []

    def _switch(self, leaving: str | None) -> None:
        """Credit the resident peak since the last switch to ``leaving``, then reset it."""
        if not self.track_rss:
            return
        peak = rss_peak_bytes()
        name = leaving or "other"
        if peak is not None and peak > self.rss_peaks.get(name, 0):
            self.rss_peaks[name] = peak
        reset_rss_peak()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._pause()
        self._switch(self._stack[-1][0] if self._stack else None)
        self._stack.append((name, time.perf_counter(), time.process_time()))
        try:
            yield
        finally:
            self._pause()
            self._stack.pop()
            self._switch(name)
            self._resume()

    def _pause(self) -> None:
        """Credit the innermost phase with the time since it last started or resumed."""
        if not self._stack:
            return
        name, since, cpu_since = self._stack[-1]
        self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - since
        self.cpu_totals[name] = self.cpu_totals.get(name, 0.0) + time.process_time() - cpu_since
        self._stack[-1] = (name, time.perf_counter(), time.process_time())

    def _resume(self) -> None:
        if self._stack:
            self._stack[-1] = (self._stack[-1][0], time.perf_counter(), time.process_time())

    def start(self, track_rss: bool = False) -> None:
        """Start afresh; ``track_rss`` only where the high-water mark can be reset."""
        self.totals, self.cpu_totals, self.rss_peaks, self._stack = {}, {}, {}, []
        self.track_rss = track_rss and reset_rss_peak()

    def stop(self) -> None:
        self._switch(None)
        self.track_rss = False


# One clock per process: roadbench measures one thing at a time.
CLOCK = PhaseClock()
