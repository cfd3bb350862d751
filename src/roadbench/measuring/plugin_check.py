"""One case of ``check-plugin``: run it once, and when the plugin's code (or what its design
declares) makes it fail, say what failed and where to look.

A case is measured as ``run`` measures it (prepare, the op, its check, the counting pass),
with one value and no warm-up: the point is whether it works, not how fast.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from roadbench.designs.base import RoadOption
from roadbench.errors import DatabaseUnavailable, Interrupted, PluginFailed, VerificationFailed
from roadbench.measuring.measure import TableState, Timing, measure_case
from roadbench.ops.base import CHANGED, Method, Operation
from roadbench.registry import one_line
from roadbench.reports.plugin_check import FAILED

# One value, no warm-up, no calibration: does the case work (the fast preset, cut to one).
CHECK_TIMING = Timing(warmup=0, repeat=1, loops=1)


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str | None = None
    error: str | None = None
    hint: str | None = None


def check_case(
    option: RoadOption,
    op: Operation,
    method: Method,
    rows: int,
    state: TableState,
    plugin_files: Sequence[str],
    plugin_op: bool,
) -> Outcome:
    """The case run once on the active connection: ok, unsupported, or failed with the hint.

    ``plugin_files``: the plugin's source files and directories, to find its code in a
    traceback; ``plugin_op``: the op is the plugin's (its code is suspected before the
    design's, which is then one of roadbench's own).
    """
    try:
        result = measure_case(option, op, method, rows, CHECK_TIMING, state)
    except (Interrupted, DatabaseUnavailable):
        raise  # the run's, not the case's: the database is gone or the user stopped it
    except Exception as raised:  # the case's: reported, and the next case runs
        _after_failure(option, method, rows, state)
        # measure_case names a plugin's exception as the plugin's: its cause is what happened.
        cause = raised.__cause__ if isinstance(raised, PluginFailed) else None
        exc = cause if isinstance(cause, Exception) else raised
        return Outcome(
            FAILED,
            error=f"{type(exc).__name__}: {one_line(exc)}",
            hint=hint(exc, option, op, method, plugin_files, plugin_op),
        )
    return Outcome(result.status, reason=result.reason)


def _after_failure(option: RoadOption, method: Method, rows: int, state: TableState) -> None:
    """What a failed run left is unknown: the tables are reloaded for the next case, and the
    method's own cleanup (an index it added) is tried."""
    state.mark(option, CHANGED, rows)
    if method.cleanup:
        with contextlib.suppress(Exception):
            method.cleanup(option, rows)


def hint(
    exc: BaseException,
    option: RoadOption,
    op: Operation,
    method: Method,
    plugin_files: Sequence[str],
    plugin_op: bool,
) -> str:
    """Where to look: the innermost frame of the plugin's code or of the design's methods in
    the traceback, else what this kind of error means for a design (or for the plugin's op)."""
    located, in_plugin = _located(exc.__traceback__, option, plugin_files)
    if in_plugin:
        return f"look at {located}"
    kind = _by_kind(exc, op, method, plugin_op)
    # roadbench's default of a design method, run on what the design declares: both.
    return f"look at {located}, and {kind}" if located else f"look at {kind}"


def _located(
    traceback: TracebackType | None, option: RoadOption, plugin_files: Sequence[str]
) -> tuple[str | None, bool]:
    """The innermost frame of the plugin's files or of a method of the design, and whether it
    is the plugin's code."""
    found: tuple[str | None, bool] = (None, False)
    while traceback is not None:
        frame = traceback.tb_frame
        filename = os.path.abspath(frame.f_code.co_filename)
        mine = any(filename == f or filename.startswith(f + os.sep) for f in plugin_files)
        where = f"{_shown_path(filename)}:{traceback.tb_lineno}"
        if frame.f_locals.get("self") is option:
            # A design's method: the plugin's own, or roadbench's default on its declaration.
            name = f"the design's {frame.f_code.co_name}()"
            found = (f"{name} ({where})", True) if mine else (name, False)
        elif mine:
            found = (f"{frame.f_code.co_name}() in {where}", True)
        traceback = traceback.tb_next
    return found


def _shown_path(filename: str) -> str:
    """A file as short as it reads: relative to the current directory when inside it."""
    with contextlib.suppress(ValueError):
        relative = os.path.relpath(filename)
        if not relative.startswith(os.pardir):
            return relative
    return filename


def _by_kind(exc: BaseException, op: Operation, method: Method, plugin_op: bool) -> str:
    """The declaration or method behind a kind of error raised in roadbench's or Django's code."""
    from django.core.exceptions import FieldDoesNotExist, FieldError, ValidationError
    from django.db import DatabaseError, DataError, IntegrityError

    if plugin_op:
        # The design is one of roadbench's own: the op's code asked for what it lacks.
        if isinstance(exc, VerificationFailed):
            return f"the op's verify() and what {method.name}'s run() returns (rows affected)"
        return f"the op's method {method.name} (its run(), prepare() and cleanup())"
    if isinstance(exc, VerificationFailed):
        return (
            f"the design's queryset() and row_values(): {op.name} {method.name} ran, and "
            "its check read back other rows or values than it wrote"
        )
    if isinstance(exc, (FieldError, FieldDoesNotExist)):
        return "the design's path() and queryset(): a field name they give is not on its models"
    if isinstance(exc, AttributeError):
        return "the design's value() and models: an object lacks an attribute roadbench reads"
    if isinstance(exc, (IntegrityError, DataError, ValidationError)):
        return "the design's models and row_values(): a road's values do not fit its columns"
    if isinstance(exc, DatabaseError):
        return "the design's models (their tables, columns and Meta) and queryset()"
    if isinstance(exc, TypeError):
        return "the signatures of the design's methods: roadbench calls one with other arguments"
    return f"what the design declares for {op.name} (its models, queryset() and path())"
