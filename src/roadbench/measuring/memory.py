"""Peak memory of one run of an op, in a pass of its own (never inside a timed value).

Two figures: the peak of Python's own allocations during the run (``tracemalloc``: what the
objects the op builds cost, exact but blind to memory C libraries take), and the process's
resident high-water mark (what the operating system saw). On Linux the high-water mark is
reset just before the run (``/proc/self/clear_refs``), so it belongs to the op; elsewhere it is
the process's peak so far (``getrusage``), which can belong to something earlier.
"""

from __future__ import annotations

import contextlib
import gc
import re
import resource
import sys
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass
class MemoryPeak:
    python_bytes: int = 0
    rss_bytes: int | None = None


def reset_rss_peak() -> bool:
    """Reset the resident high-water mark to the current size (Linux); False elsewhere."""
    try:
        _CLEAR_REFS.write_text("5")  # "5": reset the peak resident set size to the current one
    except OSError:
        return False
    return True


def rss_peak_bytes() -> int | None:
    """The process's resident high-water mark (since the last reset, on Linux)."""
    try:
        found = re.search(r"^VmHWM:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        found = None
    if found:
        return int(found.group(1)) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


@contextlib.contextmanager
def trace_memory() -> Iterator[MemoryPeak]:
    """Measure the peaks of what runs inside; the figures are set when the block ends."""
    peak = MemoryPeak()
    gc.collect()
    reset_rss_peak()  # the high-water mark of this run, where Linux lets it be reset
    tracemalloc.start()
    try:
        yield peak
    finally:
        _current, peak.python_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak.rss_bytes = rss_peak_bytes()
