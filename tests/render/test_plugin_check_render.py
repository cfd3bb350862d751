"""`roadbench check-plugin`'s table at every width from 40 to 200 columns: one column per
database, split into tables that fit, every case's status, reason, error and hint whole."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from roadbench.render.plugin_check import plugin_check_tables
from roadbench.reports.plugin_check import PluginCase, PluginCheck
from tests.test_plugins import _misnamed_plugin, roadbench


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> PluginCheck:
    """A real check on SQLite and PostgreSQL of a design that fails (long errors and hints)
    and is unsupported (long reasons) in places: what the table shows."""
    directory = tmp_path_factory.mktemp("misnamed")
    plugin = _misnamed_plugin(directory)
    result = roadbench("check-plugin", plugin, "--json", "-d", postgres_url, cwd=directory)
    assert result.returncode == 7, result.stderr
    data = json.loads(result.stdout)
    check = PluginCheck(data["plugin"], data["rows"], data["designs"], data["ops"])
    check.databases = data["databases"]
    check.cases = [PluginCase(**case) for case in data["cases"]]
    assert {c.status for c in check.cases} == {"ok", "unsupported", "failed"}
    return check


@pytest.mark.parametrize("columns", range(40, 201, 8))
def test_every_case_whole_at_every_width(checked, columns):
    out = io.StringIO()
    Console(file=out, width=columns, no_color=True).print(plugin_check_tables(checked, columns))
    text = out.getvalue()
    assert all(len(line) <= columns for line in text.splitlines()), text
    assert "…" not in text
    columns_text = _columns(text)
    for case in checked.cases:
        shown = {"ok": "ok", "unsupported": f"unsupported: {case.reason}"}.get(
            case.status, f"FAILED: {case.error}{case.hint}"
        )
        assert "".join(shown.split()) in columns_text[case.database], case
    # Both databases' columns, in one table where they fit and in two where they do not.
    headers = [line for line in text.splitlines() if line.startswith("┃")]
    assert sum("sqlite" in h for h in headers) == sum("postgresql" in h for h in headers) >= 1


def _columns(text: str) -> dict[str, str]:
    """Each database's column, its cells' lines in order without white space (a cell's text
    is then whole in it, however its lines wrapped), over every table it is in."""
    found: dict[str, list[str]] = {}
    headers: list[str] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            headers = [cell.strip() for cell in line.split("┃")[1:-1]]
        elif line.startswith("│"):
            for header, cell in zip(headers, line.split("│")[1:-1], strict=True):
                found.setdefault(header, []).append("".join(cell.split()))
    return {header: "".join(cells) for header, cells in found.items()}
