"""The registry type designs and ops are kept in, and finding them: the modules of a package,
entry points and ``--plugin`` modules.

A new design or op is one new module: ``roadbench.plugins.load_registries`` scans the packages
for modules that define ``OPTION`` (designs) or ``OPERATION`` (ops) at start-up, so nothing
else lists them, and importing a module registers nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

from roadbench.errors import BadInput

OPTIONS_GROUP = "roadbench.options"
OPS_GROUP = "roadbench.ops"

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Registry(Mapping[K, V], Generic[K, V]):
    """Designs or ops by key, kept in their declared order; read like a dict.

    ``check`` refuses what may not join (the wrong kind, a bad key) with ``BadInput``; an item
    whose key or aliases another already holds is refused the same way, naming both origins.
    """

    def __init__(
        self,
        what: str,
        key: Callable[[V], K],
        order: Callable[[V], Any],
        aliases: Callable[[V], tuple[str, ...]] = lambda _item: (),
        check: Callable[[V], None] = lambda _item: None,
    ) -> None:
        self.what = what
        self._key = key
        self._order = order
        self._aliases = aliases
        self._check = check
        self._items: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def register(self, item: V) -> V:
        if any(known is item for known in self._items.values()):
            return item  # a plugin that re-exports a registered design: nothing to do
        try:
            key = self._key(item)
            names = {str(key), *filter(None, self._aliases(item))}
        except AttributeError:
            self._check(item)  # not a design (an op): refused with the reason
            raise
        # A taken number or key first: a copy of a design says which one it collides with.
        for known in self._items.values():
            taken = names & {str(self._key(known)), *filter(None, self._aliases(known))}
            if taken:
                raise BadInput(
                    f"{self.what} {_named(item)} ({_origin(item)}) takes "
                    f"{', '.join(sorted(taken))}, already used by {_named(known)} "
                    f"({_origin(known)})"
                )
        self._check(item)
        self._items[key] = item
        self._items = dict(sorted(self._items.items(), key=lambda kv: self._order(kv[1])))
        return item

    def unregister(self, item: V) -> None:
        key = self._key(item)
        if self._items.get(key) is item:
            del self._items[key]

    @contextlib.contextmanager
    def registered(self, item: V) -> Iterator[V]:
        """``item`` registered for the block, then gone: how a test adds a design or an op of
        its own without changing what every other test sees."""
        self.register(item)
        try:
            yield item
        finally:
            self.unregister(item)


def _named(item: Any) -> str:
    return repr(getattr(item, "name", item))


def _origin(item: Any) -> str:
    return str(getattr(item, "origin", "roadbench"))


def discover(package: str, attribute: str, skip: set[str]) -> Iterator[Any]:
    """``attribute`` of every module in ``package`` (alphabetical), except those in ``skip``."""
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if info.name in skip or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if hasattr(module, attribute):
            yield getattr(module, attribute)


def import_plugin(path: str, module: str | None = None) -> Any:
    """Import a plugin module named on the command line (``--plugin mypkg.roads``), or
    ``module``, one of its package's submodules; errors name the plugin as given."""
    check_module_path(path)
    current_directory_first()
    name = module or path
    inside = f" ({name})" if name != path else ""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise BadInput(f"--plugin {path}: cannot import it{inside} ({one_line(exc)})") from None
    except Exception as exc:  # the plugin's own code failed (SyntaxError too): its error, by name
        raise BadInput(
            f"--plugin {path}: importing {name} failed: {type(exc).__name__}: {one_line(exc)}"
        ) from None


def current_directory_first() -> None:
    """The current directory first on ``sys.path``, as ``python -m`` puts it: ``--plugin
    mine`` finds ``mine.py`` (or the package ``mine/``) where roadbench is run from."""
    try:
        cwd = os.getcwd()
    except OSError:
        return  # the directory was removed under us: nothing to find there
    if sys.path[:1] not in ([cwd], [""]):
        sys.path.insert(0, cwd)
        importlib.invalidate_caches()


def plugin_paths(values: Iterable[str]) -> list[str]:
    """Every ``--plugin`` value, a comma list split (``--plugin a,b`` is ``--plugin a
    --plugin b``); each name is checked when it is imported."""
    paths: list[str] = []
    for value in values:
        parts = value.split(",")
        if len(parts) > 1 and not all(part.strip() for part in parts):
            raise BadInput(
                f"--plugin {value!r} has an empty name in its list; give import paths joined "
                "by commas, e.g. --plugin mypkg,my_op"
            )
        paths.extend(part.strip() if len(parts) > 1 else part for part in parts)
    return paths


def plugin_submodules(package: ModuleType, path: str) -> Iterator[ModuleType]:
    """Every submodule of a plugin package, subpackages' too, alphabetically, each after the
    modules inside it; a name starting with ``_`` and a test module (``tests``, ``test``,
    ``test_*``, ``conftest``) are left out, so that a plugin's own test suite is not imported
    (it may need pytest, which a user running roadbench need not have)."""
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if _private_or_test(info.name):
            continue
        module = import_plugin(path, f"{package.__name__}.{info.name}")
        if info.ispkg:
            yield from plugin_submodules(module, path)
        yield module


def _private_or_test(name: str) -> bool:
    return name.startswith(("_", "test_")) or name in ("tests", "test", "conftest")


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
