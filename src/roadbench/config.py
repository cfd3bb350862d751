"""The project's configuration: ``roadbench.toml``, or ``[tool.roadbench]`` of pyproject.toml.

Both are looked for in the current directory, then in the project's (``--pythonpath DIR``
given with ``--settings``); in each directory roadbench.toml comes before pyproject.toml. Every
file found counts, in that order: a setting an earlier file gives wins over a later one's.
A file that cannot be read or is not TOML is one line naming it (``BadInput``, exit 2).

This module imports nothing but the standard library and ``roadbench.errors``: ``scenario``
(which ``import roadbench`` loads) reads it before Django is set up.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadbench.errors import BadInput

# Each file's name and where roadbench's table is in it, in the order they are read.
CONFIG_FILES = (("roadbench.toml", ()), ("pyproject.toml", ("tool", "roadbench")))
# The project's directory (``--pythonpath DIR`` given with ``--settings``): searched for the
# config and the scenarios after the current directory; the environment carries it to children.
PROJECT_DIRECTORY_VAR = "ROADBENCH_PROJECT_DIR"


@dataclass(frozen=True)
class ConfigFile:
    """One config file found: its path, where roadbench's table is in it, and that table
    (empty if the file has none, as a pyproject.toml without ``[tool.roadbench]``)."""

    path: Path
    keys: tuple[str, ...]  # () in roadbench.toml, ("tool", "roadbench") in pyproject.toml
    table: dict[str, Any]

    def section_name(self, key: str) -> str:
        """``values`` in roadbench.toml, ``tool.roadbench.values`` in pyproject.toml."""
        return ".".join((*self.keys, key))

    def section(self, key: str, shape: str) -> dict[str, Any]:
        """The table ``[key]`` ({} if absent); anything else is refused, ``shape`` saying
        what its entries look like (``field = 'module:function'``)."""
        found = self.table.get(key, {})
        if not isinstance(found, dict):
            raise BadInput(f"{self.path}: [{self.section_name(key)}] must be a table of {shape}")
        return found


def search_directories() -> list[Path]:
    """Where the config (roadbench.toml, pyproject.toml) and ./benchmarks are looked for, in
    order: the current directory, then the project's (``--pythonpath`` with ``--settings``),
    the current one as ``.`` (the paths found in it stay relative, as they are shown)."""
    found = [Path()]
    project = os.environ.get(PROJECT_DIRECTORY_VAR)
    if project and Path(project).resolve() != Path.cwd().resolve():
        found.append(Path(project))
    return found


def searched_text() -> str:
    """``/tmp`` or ``/tmp and /tmp/site``: the directories searched, absolute, for a message."""
    return " and ".join(str(d.resolve()) for d in search_directories())


def config_files(directory: Path | None = None) -> Iterator[ConfigFile]:
    """Each config file present, read as it is reached (a caller that stops early reads no
    more): in ``directory`` alone if given, else in each of ``search_directories()``."""
    places = [directory] if directory is not None else search_directories()
    for where in places:
        for name, keys in CONFIG_FILES:
            path = where / name
            if path.is_file():
                yield ConfigFile(path, keys, _roadbench_table(path, keys))


def config_sections(
    key: str, shape: str, directory: Path | None = None
) -> Iterator[tuple[ConfigFile, dict[str, Any]]]:
    """Each config file's table ``[key]`` (``[tool.roadbench.key]``), in the files' order."""
    for config in config_files(directory):
        yield config, config.section(key, shape)


def _roadbench_table(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        table: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: cannot read it: {exc}") from None
    for key in keys:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}
