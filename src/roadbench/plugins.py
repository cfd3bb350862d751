"""Filling the registries at start-up: roadbench's own designs and ops, installed packages'
entry points and ``--plugin`` modules.

``load_registries()`` is called once by every entry point (the CLI, each function of
``roadbench.api``, the child processes); it configures Django first, since designs define
models.

An entry point in ``roadbench.options`` names a design (a ``RoadOption``) or a module with an
``OPTION``; one in ``roadbench.ops`` names an ``Operation`` or a module with an ``OPERATION``.
``--plugin module.path`` imports a module and registers whichever of the two it defines.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from roadbench.database.settings import configure_django
from roadbench.designs import OPTIONS, register_option
from roadbench.designs.base import RoadOption
from roadbench.errors import BadInput
from roadbench.ops import OPS, register_op
from roadbench.ops.base import Operation
from roadbench.registry import (
    OPS_GROUP,
    OPTIONS_GROUP,
    discover,
    import_plugin,
    load_entry_point,
    plugin_entry_points,
)

# roadbench's own: the packages scanned, and the modules in them that are not designs or ops.
BUILTIN_DESIGNS = ("roadbench.designs.roads", {"data", "columns"})
BUILTIN_OPS = ("roadbench.ops", {"base", "checks"})

_loaded: set[str] = set()
_modules: list[str] = []


def load_registries() -> None:
    """Django configured, then every design and op registered: roadbench's own, then installed
    plugins'. Once per process; ``--plugin`` modules come after (``load_module``)."""
    configure_django()
    if "builtin" in _loaded:
        return
    package, skip = BUILTIN_DESIGNS
    for option in discover(package, "OPTION", skip=skip):
        register_option(option)
    package, skip = BUILTIN_OPS
    for op in discover(package, "OPERATION", skip=skip):
        register_op(op)
    _loaded.add("builtin")
    load_installed(OPTIONS_GROUP, "OPTION", register_option)
    load_installed(OPS_GROUP, "OPERATION", register_op)


def _unwrap(value: Any, attribute: str) -> Any:
    return getattr(value, attribute) if isinstance(value, ModuleType) else value


def load_installed(group: str, attribute: str, register: Callable[[Any], Any]) -> None:
    """Register every installed package's designs (or ops), once per process."""
    for entry in plugin_entry_points(group):
        key = f"{group}:{entry.name}"
        if key in _loaded:
            continue
        value = _unwrap(load_entry_point(entry), attribute)
        _check_kind(value, attribute, f"plugin {entry.name!r} ({entry.value})")
        _mark_origin(value, f"plugin {entry.value}")
        register(value)
        _loaded.add(key)


def load_module(path: str) -> list[str]:
    """Register the design and/or op a local module defines; returns what it added."""
    load_registries()
    module = import_plugin(path)
    added = []
    for attribute in ("OPTION", "OPERATION"):
        if hasattr(module, attribute):
            _check_kind(getattr(module, attribute), attribute, f"--plugin {path}")
    if hasattr(module, "OPTION"):
        _mark_origin(module.OPTION, f"--plugin {path}")
        added.append(f"design {register_option(module.OPTION).number}")
    if hasattr(module, "OPERATION"):
        _mark_origin(module.OPERATION, f"--plugin {path}")
        added.append(f"op {register_op(module.OPERATION).name}")
    if not added:
        raise BadInput(f"--plugin {path}: the module defines neither OPTION nor OPERATION")
    if path not in _modules:
        _modules.append(path)
    return added


def loaded_modules() -> list[str]:
    """The ``--plugin`` modules this process loaded, in order: a child process that serves or
    measures designs (the load test's app server) loads them too."""
    return list(_modules)


def _check_kind(value: Any, attribute: str, plugin: str) -> None:
    """OPTION must be a design, OPERATION an op: anything else is the plugin's error, by name."""
    kind: type
    kind, what = (RoadOption, "design") if attribute == "OPTION" else (Operation, "op")
    if not isinstance(value, kind):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise BadInput(
            f"{plugin}: {attribute} is {shown}, not a roadbench {what} ({kind.__name__})"
        )


def _mark_origin(value: Any, origin: str) -> None:
    # Frozen dataclasses: the origin is set once, before registration, for error messages;
    # roadbench's own (a plugin may re-export one) keep theirs.
    if any(value is known for known in (*OPTIONS.values(), *OPS.values())):
        return
    if getattr(value, "origin", "roadbench") == "roadbench":
        object.__setattr__(value, "origin", origin)
