"""Helpers for a plugin's own test suite: the checks of ``roadbench check-plugin``, in pytest.

In a test module of the plugin's::

    import roadbench.testing

    test_my_plugin = roadbench.testing.plugin_test("my_plugin")

runs every op and method on each of the plugin's designs (and its ops on roadbench's designs
1-3) on SQLite, and fails listing every failed case with what to look at. Give ``database``
(a URL) to check on PostgreSQL or MariaDB too. roadbench configures Django itself: run these
tests where no other Django settings are configured (a suite of their own, without
pytest-django's settings).
"""

from __future__ import annotations

from collections.abc import Callable

from roadbench.reports.plugin_check import PluginCheck

__all__ = ["check_plugin_cases", "plugin_test"]


def check_plugin_cases(
    plugin: str, database: str | None = None, rows: int | None = None
) -> PluginCheck:
    """``check-plugin PLUGIN`` in this process; raises ``AssertionError`` naming every failed
    case (its database, design, op and method), the exception and the hint, when any failed.
    Returns the check (every case, ok or unsupported) when none did."""
    __tracebackhide__ = True  # pytest shows the failed cases, not this function's frame
    from roadbench import api

    check = api.check_plugin(
        plugin, database=database, rows=api.CHECK_ROWS if rows is None else rows
    )
    if check.failed:
        lines = [f"check-plugin {plugin}: {check.summary()}"]
        for case in check.failed:
            lines.append(f"- {case.name} on {case.database}: {case.error}")
            lines.append(f"  {case.hint}")
        raise AssertionError("\n".join(lines))
    return check


def plugin_test(
    plugin: str, database: str | None = None, rows: int | None = None
) -> Callable[[], None]:
    """A test function for pytest to collect: ``test_my_plugin = plugin_test("my_plugin")``."""

    def test() -> None:
        __tracebackhide__ = True
        check_plugin_cases(plugin, database=database, rows=rows)

    test.__name__ = test.__qualname__ = f"test_plugin_{plugin.replace('.', '_')}"
    test.__doc__ = f"roadbench check-plugin {plugin}: no case fails."
    return test
