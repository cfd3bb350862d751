"""Finding designs and ops: the modules of a package, entry points and ``--plugin`` modules.

A new design or op is one new module: the registries scan their package for modules that
define ``OPTION`` (designs) or ``OPERATION`` (ops), so nothing else lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from roadbench.errors import BadInput

OPTIONS_GROUP = "roadbench.options"
OPS_GROUP = "roadbench.ops"


def discover(package: str, attribute: str, skip: set[str]) -> Iterator[Any]:
    """``attribute`` of every module in ``package`` (alphabetical), except those in ``skip``."""
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if info.name in skip or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if hasattr(module, attribute):
            yield getattr(module, attribute)


def import_plugin(path: str) -> Any:
    """Import a plugin module named on the command line (``--plugin mypkg.roads``)."""
    check_module_path(path)
    try:
        return importlib.import_module(path)
    except ImportError as exc:
        raise BadInput(f"--plugin {path}: cannot import it ({one_line(exc)})") from None
    except Exception as exc:  # the plugin's own code failed (SyntaxError too): its error, by name
        raise BadInput(
            f"--plugin {path}: importing it failed: {type(exc).__name__}: {one_line(exc)}"
        ) from None


def check_module_path(path: str) -> None:
    """``--plugin`` takes what ``import`` takes (``mypkg.roads``): not a file, not nothing."""
    if not path.strip():
        raise BadInput("--plugin is empty; give a module's import path, e.g. --plugin mypkg.roads")
    if path.endswith(".py") or "/" in path or "\\" in path:
        module = Path(path).stem
        raise BadInput(
            f"--plugin {path}: give the module's import path ({module}), not a file; its "
            "directory must be importable (PYTHONPATH)"
        )
    if not all(part.isidentifier() for part in path.split(".")):
        raise BadInput(
            f"--plugin {path!r} is not a module's import path (words joined by dots, "
            "e.g. mypkg.roads)"
        )


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (a plugin's error may span several)."""
    return " ".join(str(exc).split())


def plugin_entry_points(group: str) -> list[Any]:
    return sorted(entry_points(group=group), key=lambda e: e.name)


def load_entry_point(entry: Any) -> Any:
    """An entry point's object; a broken plugin is one readable error, not a traceback."""
    try:
        return entry.load()
    except Exception as exc:  # a plugin's import error is the plugin's, reported by name
        raise BadInput(
            f"plugin {entry.name!r} ({entry.value}) failed to load: {type(exc).__name__}: "
            f"{one_line(exc)}"
        ) from None
