"""Reading saved files: every kind roadbench saves, checked field by field against the
dataclass it was saved from, before anything renders it."""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

from roadbench.errors import BadInput
from roadbench.reports.async_comparison import AsyncComparisonReport
from roadbench.reports.comparison import ComparisonReport
from roadbench.reports.results import OK, SCHEMA_VERSION, UNSUPPORTED, RunReport
from roadbench.reports.scaling import ScalingReport

# --- reading saved files ----------------------------------------------------------------------

# Every kind of file roadbench saves, and the command that makes it.
KINDS = {
    "run": "roadbench run --save",
    "compare": "roadbench compare --save",
    "compare-async": "roadbench compare --async --save",
    "scaling": "roadbench scaling --save",
    "load": "roadbench load --save",
    "queries": "roadbench queries --json",
    "diff": "roadbench diff --json",
}


def _schema(kind: str) -> type[Any]:
    """The dataclass a saved file of ``kind`` must fit."""
    return {
        "run": RunReport,
        "compare": ComparisonReport,
        "compare-async": AsyncComparisonReport,
        "scaling": ScalingReport,
    }[kind]


def load_saved(path: Path, kinds: tuple[str, ...]) -> dict[str, Any]:
    """A saved roadbench file of one of ``kinds``, every field checked against its dataclass.

    Anything else is ``BadInput`` with one line: a missing or unreadable file, no JSON, JSON
    nested too deeply, NaN or Infinity, another kind, a newer schema, a field of the wrong type,
    or no case at all (a diff of nothing must not pass a CI gate).
    """
    data = load_json(path)
    kind = data.get("kind", "run")
    if kind not in kinds:
        made_by = f" (made by {KINDS[kind]})" if isinstance(kind, str) and kind in KINDS else ""
        wanted = " or ".join(f"{k} ({KINDS[k]})" for k in kinds)
        raise BadInput(f"{path} holds a {kind!r} result{made_by}; this needs a {wanted} result")
    problem = fields_problem(_schema(kind), data)
    # A compare without its plan shows nothing; an async comparison without entries neither.
    for listed in ("results", "planned", "series", "entries"):
        if problem is None and listed in data and not data[listed]:
            problem = f"{listed}: no case at all"
    problem = problem or _times_problem(_cases(data))
    if problem is None and kind == "scaling":
        problem = _scaling_problem(data)
    if problem:
        raise BadInput(f"{path} is not a valid roadbench {kind} result: {problem}")
    return _shown_safely(data)  # type: ignore[no-any-return]


def load_report(path: Path, kinds: tuple[str, ...]) -> tuple[str, Any]:
    """A saved file of one of ``kinds``, checked by ``load_saved``, as its kind and the report
    object it was saved from (``RunReport``, ``ComparisonReport``, ``AsyncComparisonReport``
    or ``ScalingReport``)."""
    data = load_saved(path, kinds)
    kind = data.get("kind", "run")
    return kind, _schema(kind).from_dict(data)


def load_json(path: Path) -> dict[str, Any]:
    """A JSON object with a schema version this roadbench reads; nothing else is checked."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_no_constant)
    except FileNotFoundError:
        raise BadInput(f"no such file: {path}") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a directory, not a saved roadbench file") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"cannot read {path} as roadbench JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"cannot read {path} as roadbench JSON: nested too deeply") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise BadInput(f"{path} is not a roadbench result (no schema_version)")
    version = data["schema_version"]
    if type(version) is not int or version < 1:
        raise BadInput(f"{path}: schema_version must be a whole number, not {version!r}")
    if version > SCHEMA_VERSION:
        raise BadInput(
            f"{path} uses schema version {version}; this roadbench reads up to "
            f"{SCHEMA_VERSION} (upgrade roadbench)"
        )
    return data  # type: ignore[no-any-return]


# The statuses a case or a scaling point is saved with.
STATUSES = (OK, UNSUPPORTED)
# The longest time one value may take: a day. Times are what diff divides, multiplies and
# squares; a file's 1e308 became "inf ±nan" and a change of ×inf "no significant change".
MAX_TIME_S = 86_400.0


def _cases(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every case result of a file, with where it is: a run's or a comparison's ``results``,
    an async comparison's three cases of each entry (fields_problem checked their shape)."""
    if data.get("kind") == "compare-async":
        return [
            (f"entries[{index}].{side}", entry[side])
            for index, entry in enumerate(data["entries"])
            for side in ASYNC_SIDES
            if entry.get(side) is not None
        ]
    return [(f"results[{index}]", case) for index, case in enumerate(data.get("results", []))]


# An async comparison's entry: the sync mirror, the async method alone and as N tasks.
ASYNC_SIDES = ("sync", "async_one", "async_many")


def _times_problem(cases: list[tuple[str, dict[str, Any]]]) -> str | None:
    """Times are what diff divides by: a measured case has some, each more than 0 and at
    most a day; a case's status is one roadbench saves."""
    for where, case in cases:
        times = case.get("times_s", [])
        status = case.get("status", OK)
        if status not in STATUSES:
            expected = " or ".join(STATUSES)
            return f"{where}.status: expected {expected}, not {_shown(status)}"
        if status == OK and not times:
            return f"{where}.times_s: a case with status ok has no times"
        if any(not 0 < t <= MAX_TIME_S for t in times):
            return (
                f"{where}.times_s: every time must be more than 0 and at most {MAX_TIME_S:,.0f} s"
            )
    return None


def _scaling_problem(data: dict[str, Any]) -> str | None:
    """A scaling file's points line up with its sizes (one per size, in order, a series per
    option), and its intervals are [low, high]: the table, markdown, CSV and chart rely on it."""
    sizes = data["sizes"]
    if not sizes:
        return "sizes: no size at all"
    if any(size <= 0 for size in sizes):
        return "sizes: every size must be more than 0"
    for s, series in enumerate(data["series"]):
        points = series["points"]
        if [p["rows"] for p in points] != sizes:
            return f"series[{s}].points: one per size ({len(sizes)}), in the order of sizes"
        for i, point in enumerate(points):
            if point["status"] not in STATUSES:
                return (
                    f"series[{s}].points[{i}].status: expected {' or '.join(STATUSES)}, "
                    f"not {_shown(point['status'])}"
                )
            for name in ("interval_s", "ratio_ci"):
                if point.get(name) is not None and len(point[name]) != 2:
                    return f"series[{s}].points[{i}].{name}: expected [low, high]"
    return None


# Characters that a terminal takes as control (ESC starts its escape sequences): C0 but the
# line break and tab, DEL and C1.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])


def _shown_safely(value: Any) -> Any:
    """``value`` with every control character of its text written out as ``\\x1b``: text
    from a file reaches the terminal as text, never as an escape sequence."""
    if isinstance(value, str):
        if value.translate(_CONTROL) == value:
            return value
        return "".join(f"\\x{ord(c):02x}" if ord(c) in _CONTROL else c for c in value)
    if isinstance(value, list):
        return [_shown_safely(item) for item in value]
    if isinstance(value, dict):
        return {_shown_safely(k): _shown_safely(v) for k, v in value.items()}
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number roadbench saves")


# --- checking fields against the dataclasses they were saved from ---------------------------


def fields_problem(cls: type[Any], data: Any, where: str = "") -> str | None:
    """What is wrong with ``data`` as a saved ``cls`` (a dataclass), or None.

    Checked from the dataclass's own type hints, so a new field is checked without new code:
    required fields present, every value of its declared type (int is not bool, floats finite,
    dict keys of ``dict[int, ...]`` are numerals as JSON writes them). Unknown fields are
    allowed: a version may add fields.
    """
    if not isinstance(data, dict):
        return f"{where or 'the file'}: expected an object, not {_shown(data)}"
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        name = f"{where}.{spec.name}" if where else spec.name
        if spec.name not in data:
            required = (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            )
            if required:
                return f"{name}: missing"
            continue
        problem = _value_problem(hints[spec.name], data[spec.name], name)
        if problem:
            return problem
    return None


def _value_problem(hint: Any, value: Any, where: str) -> str | None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        problems = [_value_problem(a, value, where) for a in options]
        return None if None in problems else problems[0]
    if dataclasses.is_dataclass(hint):
        return fields_problem(hint, value, where)  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            return f"{where}: expected a list, not {_shown(value)}"
        for index, item in enumerate(value):
            problem = _value_problem(args[0], item, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if origin is dict:
        if not isinstance(value, dict):
            return f"{where}: expected an object, not {_shown(value)}"
        for key, item in value.items():
            if args[0] is int and not _numeral(key):
                return f"{where}: expected whole-number keys, not {key!r}"
            problem = _value_problem(args[1], item, f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if not _is(hint, value):
        return f"{where}: expected {_NAMES.get(hint, str(hint))}, not {_shown(value)}"
    if hint is int and not 0 <= value <= MAX_WHOLE:
        return f"{where}: expected a whole number from 0 to {MAX_WHOLE:,}, not {_shown(value)}"
    if hint is float and abs(value) > MAX_NUMBER:
        return f"{where}: expected a number of at most {MAX_NUMBER:g}, not {_shown(value)}"
    return None


# No count roadbench saves is negative or beyond a 64-bit integer (a 400-digit row count was
# an OverflowError), and no measure near the float's limit (its arithmetic gives inf and nan).
MAX_WHOLE = 2**63 - 1
MAX_NUMBER = 1e15


_NAMES = {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}


def _is(hint: Any, value: Any) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    return isinstance(hint, type) and isinstance(value, hint)


def _numeral(key: Any) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.lstrip("-").isdigit())


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except RecursionError:
        return "a value nested too deeply"
    return text if len(text) <= 40 else text[:37] + "..."
