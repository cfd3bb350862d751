"""``check-plugin``'s table: each case of the plugin on each database, ok, unsupported (why)
or failed (the exception, and what to look at)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from roadbench.render.console import fitted_tables
from roadbench.reports.plugin_check import FAILED, PluginCase, PluginCheck
from roadbench.reports.results import OK


def plugin_check_tables(check: PluginCheck, width: int | None = None) -> Group:
    """A row per case (under a row naming its design), a column per database; split into
    tables that fit ``width`` (the console's) as the others are, the title and the counts
    once, above and below."""
    vendors = list(dict.fromkeys(case.database for case in check.cases))
    by_case: dict[tuple[int, str, str], dict[str, PluginCase]] = {}
    for case in check.cases:
        by_case.setdefault((case.design, case.op, case.method), {})[case.database] = case
    rows: list[list[str | Text]] = []
    design = None
    for (number, op, method), per_database in by_case.items():
        first = next(iter(per_database.values()))
        if number != design:
            design = number
            key = f", {first.design_key}" if first.design_key else ""
            heading = f"{first.design_name} ({number}{key})"
            rows.append([Text(heading, style="bold"), *("" for _ in vendors)])
        rows.append([f"  {op} · {method}", *(_cell(per_database.get(v)) for v in vendors)])
    columns: list[tuple[str, dict[str, Any]]] = [(v, {"overflow": "fold"}) for v in vendors]
    tables = fitted_tables(("case", {"overflow": "fold"}), columns, rows, width)
    title = Text(f"roadbench check-plugin {check.plugin} · {check.rows} roads per design", "bold")
    databases = Text("on " + ", ".join(check.databases), style="dim")
    counts = check.counts()
    summary = Text(check.summary(), style="red" if counts[FAILED] else "green")
    return Group(title, databases, *tables, summary)


def _cell(case: PluginCase | None) -> Text:
    if case is None:
        return Text("")
    if case.status == OK:
        return Text("ok", style="green")
    if case.status == FAILED:
        return Text.assemble(
            ("FAILED: ", "bold red"), (case.error or "", "red"), "\n", (case.hint or "", "")
        )
    return Text.assemble(("unsupported: ", "yellow"), case.reason or "")
