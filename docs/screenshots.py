"""Remake the screenshots of real HTML reports in docs/images/ (docs/html-reports.md).

    python docs/screenshots.py                 # real runs on embedded SQLite (7 min here)
    python docs/screenshots.py --keep DIR      # also keep the JSON and HTML files in DIR
    python docs/screenshots.py --keep DIR --reuse  # the pages again from DIR's JSON files

It runs roadbench as a user does (a comparison at the few scale with --html, a run with its
statements and profile attached, a scaling), then opens each page in Debian's Chromium
(/usr/bin/chromium, or $ROADBENCH_TEST_CHROMIUM) through Playwright, 1440 and 375 pixels wide,
and saves the top of each page as a PNG. Needs the test extra (pip install -e '.[test]').
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
CHROMIUM = os.environ.get("ROADBENCH_TEST_CHROMIUM", "/usr/bin/chromium")


def roadbench(*args: str) -> str:
    script = Path(sys.executable).parent / "roadbench"
    print("$ roadbench", " ".join(args), file=sys.stderr)
    done = subprocess.run([str(script), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"roadbench {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def measure(work: Path) -> None:
    roadbench("compare", "--save", str(work / "compare.json"))
    roadbench("run", "--op", "select", "-o", "3", "-m", "naive", "--save", str(work / "run.json"))
    (work / "queries.json").write_text(
        roadbench("queries", "select", "-o", "3", "-m", "naive", "--explain", "--json")
    )
    roadbench("profile", "select", "-o", "3", "-m", "naive", "--html", str(work / "profile.html"))
    roadbench(
        "scaling", "select", "-o", "1,2,3", "-m", "naive", "--sizes", "100,1000,10000",
        "--save", str(work / "scaling.json"),
    )  # fmt: skip


def make_pages(work: Path) -> dict[str, Path]:
    for name in ("compare", "scaling"):
        roadbench("report", str(work / f"{name}.json"), "--html", str(work / f"{name}.html"))
    roadbench(
        "report", str(work / "run.json"), "--html", str(work / "run.html"),
        "--queries", str(work / "queries.json"), "--profile", str(work / "profile.html"),
    )  # fmt: skip
    return {name: work / f"{name}.html" for name in ("compare", "run", "scaling")}


def screenshots(pages: dict[str, Path]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(exist_ok=True)
    written = []
    with sync_playwright() as manager:
        browser = manager.chromium.launch(executable_path=CHROMIUM)
        try:
            for name, path in pages.items():
                # The phone's view of the comparison; the laptop's of every page.
                sizes = ((1440, 1100), (375, 1400)) if name == "compare" else ((1440, 1100),)
                for width, height in sizes:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(path.as_uri(), wait_until="load")
                    target = IMAGES / f"report-{name}-{width}.png"
                    page.screenshot(path=str(target))  # the window: the top of the page
                    page.close()
                    written.append(target)
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="keep the JSON and HTML files here")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: measure nothing, use its JSON files"
    )
    args = parser.parse_args()
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep DIR")
    with tempfile.TemporaryDirectory(prefix="roadbench-shots-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            measure(work)
        pages = make_pages(work)
        for path in screenshots(pages):
            print(f"wrote {path.relative_to(IMAGES.parent.parent)} ({path.stat().st_size:,} bytes)")
        for name, path in pages.items():
            print(f"{name}.html: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
