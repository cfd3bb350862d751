"""Rendering of `roadbench scenarios`: the scenarios found, as a table or as JSON data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table

from roadbench.scenario import Scenario


def _function(function: Any) -> str:
    return "" if function is None else f"{getattr(function, '__name__', repr(function))}()"


def scenarios_listing(found: Sequence[Scenario]) -> dict[str, Any]:
    """The scenarios as ``scenarios --json`` prints them."""
    return {
        "scenarios": [
            {
                "name": s.name,
                "where": s.where,
                "rows": s.rows,
                "design": s.design,
                "setup": _function(s.setup) or None,
                "verify": _function(s.verify) or None,
                "description": s.description,
            }
            for s in found
        ]
    }


def scenarios_table(found: Sequence[Scenario]) -> Table:
    table = Table(
        title="roadbench scenarios",
        caption=None if found else "none found (benchmarks/bench_*.py, entry points)",
    )
    table.add_column("name", no_wrap=True)
    table.add_column("rows", no_wrap=True)
    table.add_column("setup · verify", overflow="fold")
    table.add_column("where · what", overflow="fold", ratio=1)
    for s in found:
        rows = "" if s.rows is None else f"{s.rows:,}"
        if s.design is not None:
            rows += f" on {s.design}"
        hooks = " · ".join(filter(None, (_function(s.setup), _function(s.verify))))
        table.add_row(s.name, rows.strip(), hooks, f"{s.where}\n{s.description}".strip())
    return table
