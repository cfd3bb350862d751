"""Filling the registries at start-up: roadbench's own designs and ops, installed packages'
entry points and ``--plugin`` modules.

``load_registries()`` is called once by every entry point (the CLI, each function of
``roadbench.api``, the child processes); it configures Django first, since designs define
models.

A plugin is a module or a package. A module defines designs as ``OPTION`` (one) or
``OPTIONS`` (a list or tuple) and ops as ``OPERATION`` / ``OPERATIONS``; a package is every
module in it (``registry.plugin_submodules`` says which: all but ``_private`` ones and tests),
and its ``__init__``. ``--plugin mypkg`` registers both kinds; an entry point in
``roadbench.options`` names a design or a module or package holding designs, one in
``roadbench.ops`` an op or a module or package holding ops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
    Registry,
    discover,
    import_plugin,
    load_entry_point,
    plugin_entry_points,
    plugin_paths,
    plugin_submodules,
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


@dataclass(frozen=True)
class PluginContents:
    """What one plugin (a module or a package) defines: its designs and its ops, roadbench's
    own left out (a plugin may import one to copy it)."""

    designs: tuple[RoadOption, ...]
    ops: tuple[Operation, ...]


# The names a module defines its designs and ops by: one, or a list or tuple of several.
KINDS = {"design": ("OPTION", "OPTIONS"), "op": ("OPERATION", "OPERATIONS")}


def load_installed(group: str, attribute: str, register: Callable[[Any], Any]) -> None:
    """Register every installed package's designs (or ops), once per process. An entry point
    names a design (or op), or a module or package that defines them as ``--plugin`` does."""
    kind = "design" if attribute == "OPTION" else "op"
    for entry in plugin_entry_points(group):
        key = f"{group}:{entry.name}"
        if key in _loaded:
            continue
        where = f"plugin {entry.name!r} ({entry.value})"
        value = load_entry_point(entry)
        if isinstance(value, ModuleType):
            modules = [*_submodules(value, entry.value, f"plugin {entry.name!r}"), value]
            found = _defined(modules, kind, where)
            if not found:
                names = " or ".join(KINDS[kind])
                raise BadInput(f"{where}: the {_module_kind(value)} defines no {names}")
        else:
            found = [(value, entry.value, attribute)]
        for item, module, name in found:
            _check_kind(item, name, where if module == entry.value else f"{where} {module}")
            _mark_origin(item, f"plugin {module}")
        for item, _module, _name in found:
            register(item)
        _loaded.add(key)


def load_plugins(values: Iterable[str]) -> None:
    """Every ``--plugin`` value (a module or package, or a comma list of them), in order."""
    for path in plugin_paths(values):
        load_plugin(path)


def load_module(path: str) -> list[str]:
    """Register the designs and ops a local module or package defines; returns what it added."""
    contents = load_plugin(path)
    return [f"design {option.number}" for option in contents.designs] + [
        f"op {op.name}" for op in contents.ops
    ]


def load_plugin(path: str) -> PluginContents:
    """Import a module, or a package and every submodule in it (``registry.plugin_submodules``
    says which), and register each design (``OPTION``, or a list or tuple ``OPTIONS``) and op
    (``OPERATION`` / ``OPERATIONS``) they define; returns the plugin's own."""
    load_registries()
    module = import_plugin(path)
    modules = [*_submodules(module, path, f"--plugin {path}"), module]
    found = {kind: _defined(modules, kind, f"--plugin {path}") for kind in KINDS}
    if not any(found.values()):
        names = ", ".join((*KINDS["design"], *KINDS["op"]))
        inside = " or its submodules" if hasattr(module, "__path__") else ""
        raise BadInput(
            f"--plugin {path}: the {_module_kind(module)}{inside} defines none of {names}"
        )
    for items in found.values():
        for item, name, attribute in items:
            _check_kind(
                item, attribute, f"--plugin {path}" if name == path else f"--plugin {path} ({name})"
            )
    own: dict[str, list[Any]] = {"design": [], "op": []}
    for kind, items in found.items():
        for item, name, _attribute in items:
            builtin = _is_builtin(item)
            _mark_origin(item, f"--plugin {name}")
            registered = register_option(item) if kind == "design" else register_op(item)
            if not builtin:
                own[kind].append(registered)
    if path not in _modules:
        _modules.append(path)
    return PluginContents(designs=tuple(own["design"]), ops=tuple(own["op"]))


def _submodules(module: ModuleType, path: str, where: str) -> list[ModuleType]:
    if not hasattr(module, "__path__"):
        return []
    try:
        return list(plugin_submodules(module, path))
    except BadInput as exc:
        # An entry point's submodule: named as the entry point, not as a --plugin.
        message = str(exc)
        raise BadInput(message.replace(f"--plugin {path}", where, 1)) from None


def _module_kind(module: ModuleType) -> str:
    return "package" if hasattr(module, "__path__") else "module"


def _defined(modules: list[ModuleType], kind: str, where: str) -> list[tuple[Any, str, str]]:
    """(item, defining module, attribute) for each design (or op) the modules define, each
    once: a package that re-exports a submodule's design names the submodule."""
    single, several = KINDS[kind]
    found: list[tuple[Any, str, str]] = []
    for module in modules:
        if hasattr(module, single):
            found.append((getattr(module, single), module.__name__, single))
        items = getattr(module, several, None)
        if items is None or isinstance(items, Registry):
            continue  # ``from roadbench.designs import OPTIONS``: the registry, not a list
        if not isinstance(items, (list, tuple)):
            shown = _shown(items)
            raise BadInput(
                f"{where}: {module.__name__}.{several} is {shown}, not a list or tuple of "
                f"roadbench {kind}s"
            )
        found.extend((item, module.__name__, f"{several}[{i}]") for i, item in enumerate(items))
    unique: list[tuple[Any, str, str]] = []
    for entry in found:
        if not any(entry[0] is known[0] for known in unique):
            unique.append(entry)
    return unique


def _is_builtin(value: Any) -> bool:
    return any(value is known for known in (*OPTIONS.values(), *OPS.values())) and (
        getattr(value, "origin", "roadbench") == "roadbench"
    )


def loaded_modules() -> list[str]:
    """The ``--plugin`` modules this process loaded, in order: a child process that serves or
    measures designs (the load test's app server) loads them too."""
    return list(_modules)


def _check_kind(value: Any, attribute: str, plugin: str) -> None:
    """OPTION must be a design, OPERATION an op: anything else is the plugin's error, by name."""
    kind: type
    kind, what = (RoadOption, "design") if attribute.startswith("OPTION") else (Operation, "op")
    if not isinstance(value, kind):
        shown = _shown(value)
        raise BadInput(
            f"{plugin}: {attribute} is {shown}, not a roadbench {what} ({kind.__name__})"
        )


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _mark_origin(value: Any, origin: str) -> None:
    # Frozen dataclasses: the origin is set once, before registration, for error messages;
    # roadbench's own (a plugin may re-export one) keep theirs.
    if any(value is known for known in (*OPTIONS.values(), *OPS.values())):
        return
    if getattr(value, "origin", "roadbench") == "roadbench":
        object.__setattr__(value, "origin", origin)
