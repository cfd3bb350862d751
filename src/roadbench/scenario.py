"""Scenarios: a user's own functions (a view's queryset, a service call) measured like an op.

A scenario is a plain function marked with ``@roadbench.scenario``, found as asv and pytest
find theirs: in ``benchmarks/bench_*.py`` of the current directory (or the directory given by
``--scenarios DIR``, or ``scenarios = "DIR"`` in roadbench.toml / ``[tool.roadbench]`` of
pyproject.toml), and in installed packages' entry points of the group ``roadbench.scenarios``
(a decorated function, or a module holding some)::

    import roadbench

    def make_books(rows):
        ...  # untimed: the rows the scenario reads
        return ids

    def shows_every_book(result, rows):
        assert len(result) == rows

    @roadbench.scenario(setup=make_books, verify=shows_every_book, rows=200)
    def listing_page():
        return list(Book.objects.select_related("publisher"))

Every function is called with the arguments it names, as pytest gives fixtures: ``rows`` (how
many the run asks for), ``state`` (what ``setup`` returned), ``result`` (what the scenario
returned: ``verify`` only) and ``design`` (the design run against, or None).

This module imports nothing but the standard library, ``roadbench.errors`` and
``roadbench.config``: ``import roadbench`` (the decorator) must stay light, before Django is
set up.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, overload

from roadbench.config import config_files, search_directories, searched_text
from roadbench.errors import BadInput, RoadbenchError

SCENARIOS_GROUP = "roadbench.scenarios"
DEFAULT_DIRECTORY = "benchmarks"
FILE_PATTERN = "bench_*.py"
# What the results call a scenario's case: op "scenario", method the scenario's name.
SCENARIO_OP = "scenario"
MARK = "__roadbench_scenario__"

# The arguments each function may name (any other without a default is refused).
ARGUMENTS = {
    "setup": ("rows", "design"),
    "scenario": ("rows", "state", "design"),
    "verify": ("rows", "state", "result", "design"),
}


@dataclass(frozen=True)
class Scenario:
    """A user's function, how its state is prepared and checked, and where it was found."""

    name: str
    function: Callable[..., Any]
    setup: Callable[..., Any] | None = None
    verify: Callable[..., Any] | None = None
    rows: int | None = None  # the rows a run uses unless it names its own
    design: int | str | None = None  # a design to run against unless the run names one
    description: str = ""
    where: str = ""  # the file or entry point it came from

    def call(self, role: str, **values: Any) -> Any:
        """``function``, ``setup`` or ``verify`` called with the arguments it names."""
        function = {"scenario": self.function, "setup": self.setup, "verify": self.verify}[role]
        assert function is not None
        return function(**_wanted(function, values))


def _wanted(function: Callable[..., Any], values: dict[str, Any]) -> dict[str, Any]:
    parameters = inspect.signature(function).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return values
    return {p.name: values[p.name] for p in parameters if p.name in values}


def _check_arguments(function: Callable[..., Any], role: str, owner: str) -> None:
    if not callable(function):
        raise BadInput(f"scenario {owner}: {role} must be a function, not {function!r}")
    allowed = ARGUMENTS[role]
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            continue
        if parameter.name not in allowed and parameter.default is inspect.Parameter.empty:
            name = getattr(function, "__name__", repr(function))
            raise BadInput(
                f"scenario {owner}: {role} {name}() takes {parameter.name!r}; it may take "
                f"{', '.join(allowed)}"
            )


@overload
def scenario(function: Callable[..., Any], /) -> Callable[..., Any]: ...


@overload
def scenario(
    *,
    setup: Callable[..., Any] | None = None,
    verify: Callable[..., Any] | None = None,
    rows: int | None = None,
    design: int | str | None = None,
    name: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...


def scenario(
    function: Callable[..., Any] | None = None,
    /,
    *,
    setup: Callable[..., Any] | None = None,
    verify: Callable[..., Any] | None = None,
    rows: int | None = None,
    design: int | str | None = None,
    name: str | None = None,
) -> Any:
    """Mark a function as a scenario; it is returned as it is (still a plain function).

    ``setup``: untimed, before every timed value, on emptied tables (its return value is the
    ``state``); ``verify``: untimed, after every value (an ``assert`` that fails, or returning
    False, fails the run); ``rows``: the default row count; ``design``: a design (number or
    key) to run against by default; ``name``: the scenario's name (default: the function's).
    """

    def mark(target: Callable[..., Any]) -> Callable[..., Any]:
        own = str(name or getattr(target, "__name__", ""))
        if not own.isidentifier():
            raise BadInput(f"scenario name {own!r} is not an identifier")
        _check_arguments(target, "scenario", own)
        for role, hook in (("setup", setup), ("verify", verify)):
            if hook is not None:
                _check_arguments(hook, role, own)
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
            raise BadInput(f"scenario {own}: rows must be a whole number of at least 1")
        doc = inspect.getdoc(target) or ""
        declared = Scenario(
            name=own,
            function=target,
            setup=setup,
            verify=verify,
            rows=rows,
            design=design,
            description=doc.splitlines()[0] if doc else "",
        )
        setattr(target, MARK, declared)
        return target

    return mark(function) if function is not None else mark


# --- discovery ------------------------------------------------------------------------------


def configured_directory(directory: Path | None = None) -> Path | None:
    """``scenarios = "DIR"`` from roadbench.toml or ``[tool.roadbench]`` of pyproject.toml in
    ``directory`` (default: the current one), relative to that file; None if not set."""
    where = directory or Path()  # relative to the current directory, as it is shown
    for config in config_files(where):
        value = config.table.get("scenarios")
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{config.path}: scenarios must be a directory's path, not {value!r}")
        return where / value
    return None


def scenario_directory(directory: Path | None) -> tuple[Path, bool]:
    """(the directory of bench_*.py files, whether it was asked for): ``directory``, else, in
    each searched directory in turn, the config file's or its ./benchmarks; else ./benchmarks
    (which may not exist)."""
    if directory is not None:
        return directory, True
    for where in search_directories():
        configured = configured_directory(where)
        if configured is not None:
            return configured, True
        if (where / DEFAULT_DIRECTORY).is_dir():
            return where / DEFAULT_DIRECTORY, False
    return Path(DEFAULT_DIRECTORY), False


def discover(directory: Path | None = None) -> dict[str, Scenario]:
    """Every scenario: the files' (``bench_*.py`` in the directory, in name order), then the
    installed packages' entry points. Django must be set up: the files import models."""
    folder, asked = scenario_directory(directory)
    if asked and not folder.is_dir():
        raise BadInput(f"scenarios directory {folder}: no such directory", "scenarios")
    found: dict[str, Scenario] = {}
    if folder.is_dir():
        for path in sorted(folder.glob(FILE_PATTERN)):
            _add(found, _scenarios_of(_import_file(path), str(path)))
    _add(found, _entry_point_scenarios())
    return found


def _add(found: dict[str, Scenario], scenarios: list[Scenario]) -> None:
    for item in scenarios:
        known = found.get(item.name)
        if known is not None and known.function is not item.function:
            raise BadInput(
                f"two scenarios are named {item.name!r}: in {known.where} and in {item.where}; "
                "rename one (@roadbench.scenario(name=...))"
            )
        found[item.name] = item


def _import_file(path: Path) -> ModuleType:
    """A bench file imported as pytest's "prepend" mode does: its directory first on the path
    (so it imports what sits beside it), under its own name."""
    directory = str(path.parent.resolve())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = f"roadbench_scenarios_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except RoadbenchError as exc:
        sys.modules.pop(module_name, None)
        raise BadInput(f"{path}: {exc}") from None
    except Exception as exc:  # the user's file: any error is theirs, said in one line
        sys.modules.pop(module_name, None)
        raise BadInput(f"{path}: importing it failed: {_one_line(exc)}") from None
    return module


def _scenarios_of(module: ModuleType, where: str) -> list[Scenario]:
    """The scenarios a module defines (each once, in the module's order)."""
    found: list[Scenario] = []
    for value in vars(module).values():
        declared = getattr(value, MARK, None)
        if isinstance(declared, Scenario) and not any(declared is f for f in found):
            found.append(declared)
    return [_placed(item, where) for item in found]


def _placed(item: Scenario, where: str) -> Scenario:
    from dataclasses import replace

    return replace(item, where=where)


def _entry_point_scenarios() -> list[Scenario]:
    from roadbench.registry import load_entry_point, plugin_entry_points

    found: list[Scenario] = []
    for entry in plugin_entry_points(SCENARIOS_GROUP):
        value = load_entry_point(entry)
        where = f"entry point {entry.name!r} ({entry.value})"
        if isinstance(value, ModuleType):
            scenarios = _scenarios_of(value, where)
        else:
            declared = getattr(value, MARK, None)
            scenarios = [_placed(declared, where)] if isinstance(declared, Scenario) else []
        if not scenarios:
            raise BadInput(
                f"{where} in {SCENARIOS_GROUP}: names no function marked @roadbench.scenario"
            )
        found.extend(scenarios)
    return found


def find(name: str, directory: Path | None = None) -> Scenario:
    """The scenario named ``name``; an unknown name is refused, naming those found."""
    found = discover(directory)
    if name in found:
        return found[name]
    folder, asked = scenario_directory(directory)
    where = f"{folder.resolve() / FILE_PATTERN} and entry points ({SCENARIOS_GROUP})"
    if not asked and not folder.is_dir():
        where = (
            f"{DEFAULT_DIRECTORY}/{FILE_PATTERN} of {searched_text()} (none there) and entry "
            f"points ({SCENARIOS_GROUP})"
        )
    known = ", ".join(found) if found else "none"
    raise BadInput(f"unknown scenario {name!r}; found in {where}: {known}", "scenario")


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
