"""Designs and ops from outside roadbench: installed packages' entry points and ``--plugin``.

An entry point in ``roadbench.options`` names a design (a ``RoadOption``) or a module with an
``OPTION``; one in ``roadbench.ops`` names an ``Operation`` or a module with an ``OPERATION``.
``--plugin module.path`` imports a module and registers whichever of the two it defines.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from roadbench.errors import BadInput
from roadbench.registry import import_plugin, load_entry_point, plugin_entry_points

_loaded: set[str] = set()
_modules: list[str] = []


def _unwrap(value: Any, attribute: str) -> Any:
    return getattr(value, attribute) if isinstance(value, ModuleType) else value


def load_installed(group: str, attribute: str, register: Callable[[Any], Any]) -> None:
    """Register every installed package's designs (or ops), once per process.

    Each registry loads its own group when it is first imported, so a plugin's design
    module may import ``roadbench.designs.base`` and its op module ``roadbench.ops.base``.
    """
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
    from roadbench.designs import register_option
    from roadbench.ops import register_op

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
    # Each registry checks its own kind only: the other's module may be half imported yet.
    kind: type
    if attribute == "OPTION":
        from roadbench.designs.base import RoadOption as kind

        what = "design"
    else:
        from roadbench.ops.base import Operation as kind

        what = "op"
    if not isinstance(value, kind):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise BadInput(
            f"{plugin}: {attribute} is {shown}, not a roadbench {what} ({kind.__name__})"
        )


def _mark_origin(value: Any, origin: str) -> None:
    # Frozen dataclasses: the origin is set once, before registration, for error messages.
    if getattr(value, "origin", "roadbench") == "roadbench":
        object.__setattr__(value, "origin", origin)
