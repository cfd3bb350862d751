"""A real headless Chromium for the HTML reports, as a person's browser opens them.

Debian's package (/usr/bin/chromium, or $ROADBENCH_TEST_CHROMIUM) driven by Playwright over
the DevTools protocol. The fixture that starts it ends it, also when a test fails; it then
looks for any browser process of its own left behind, ends that by its pid and fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ROADBENCH_TEST_CHROMIUM", "/usr/bin/chromium"))
WIDTHS = (375, 1440)  # a phone and a laptop


def missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; under CI=true this is a failure, not a skip")
    pytest.skip(message)


def artifacts_dir(factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $ROADBENCH_TEST_ARTIFACTS (kept by CI), else pytest's tmp."""
    given = os.environ.get("ROADBENCH_TEST_ARTIFACTS")
    if given:
        path = Path(given) / "html"
        path.mkdir(parents=True, exist_ok=True)
        return path
    return factory.mktemp("html-artifacts")


def _children_of(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _browser_processes(pids: set[int]) -> set[int]:
    kept = set()
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"chromium" in command or b"playwright" in command:
            kept.add(pid)
    return kept


@dataclass
class Opened:
    page: Any
    errors: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, browser: Any) -> None:
        self.browser = browser

    def open(self, path: Path, width: int, height: int = 900) -> Opened:
        """The page at ``path`` in a window ``width`` pixels wide; console errors and uncaught
        exceptions (of the page and its frames) collected in ``errors``."""
        page = self.browser.new_page(viewport={"width": width, "height": height})
        opened = Opened(page)
        page.on(
            "console",
            lambda message: (
                opened.errors.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: opened.errors.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: opened.errors.append(f"request {request.url}"))
        page.goto(path.resolve().as_uri(), wait_until="load")
        return opened


# One browser per test module, ended with it: Playwright's sync API runs one at a time, and a
# module that imports this fixture gets its own instance of it (a session scope would keep the
# first module's browser running while the next module started another).
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    before = _children_of(os.getpid())
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield Browser(launched)
        finally:
            launched.close()
    finally:
        manager.stop()
        left = _browser_processes(_children_of(os.getpid()) - before)
        for pid in left:
            with_pid_gone(pid)
        assert not left, f"browser processes left running (now ended): {sorted(left)}"


def with_pid_gone(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def overflow(page: Any) -> int:
    """How many pixels the page is wider than its window (0: no sideways scrolling)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


def broken_links(page: Any) -> list[str]:
    """Links within the page (#id) whose target is not on it."""
    return list(
        page.evaluate(
            "[...document.querySelectorAll('a[href^=\"#\"]')]"
            ".map(a => a.getAttribute('href').slice(1))"
            ".filter(id => !document.getElementById(id))"
        )
    )
