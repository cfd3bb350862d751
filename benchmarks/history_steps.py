"""How well `roadbench history` finds a slowdown in real runs, and how often it finds one
that is not there; and the 10-run history shown in docs/history.md, with its screenshot.

    python benchmarks/history_steps.py --keep DIR              # 20 real runs (~3 min here)
    python benchmarks/history_steps.py --keep DIR --reuse      # the figures again from DIR
    python benchmarks/history_steps.py --keep DIR --reuse --screenshot   # + docs/images

It saves ``--runs`` real comparisons (``roadbench compare --rows 50 --options 1,2,3 --ops
select,modify --repeat 6``, embedded SQLite: 12 cases a run) in DIR/measured, one after the
other, as a CI job would over as many commits. Then, for every 10 consecutive runs, it gives
them commits and commit dates, multiplies one case's timed values by FACTOR from a given
commit on (each case in turn, from commit 3, 5 and 7), and runs history on the folder:

- found: the step is reported at that commit and nothing else is (no other case, no
  machine step);
- missed / misplaced: no step in that case / a step at another commit;
- false: some other case (or the machine) has a step.

With no slowdown injected it counts the histories with any step at all (false steps in
plain noise). Finally it writes DIR/docs: the first 10 runs with option 3's naive listing
x 1.5 from the sixth commit, the command's table and its page (and with --screenshot, the
page's top at 1440 and 375 pixels in docs/images, through Playwright and Debian's Chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from roadbench.reports.history import history

COMPARE = ["--rows", "50", "--options", "1,2,3", "--ops", "select,modify", "--repeat", "6"]
WINDOW = 10
FROM = (3, 5, 7)
DOCS_CASE = (3, "select", "all_roads_naive")
DOCS_FROM = 5  # the sixth commit
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
CHROMIUM = os.environ.get("ROADBENCH_TEST_CHROMIUM", "/usr/bin/chromium")


def roadbench(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "roadbench"
    return subprocess.run([str(script), *args], capture_output=True, text=True, check=False)


def measure(measured: Path, runs: int) -> None:
    measured.mkdir(parents=True, exist_ok=True)
    for index in range(runs):
        done = roadbench("compare", *COMPARE, "--save", str(measured / f"r{index + 1:02d}.json"))
        if done.returncode != 0:
            sys.exit(f"compare failed: {done.stderr.strip()}")
        print(f"measured run {index + 1} of {runs}", file=sys.stderr)


def commit(index: int) -> str:
    return f"{index:x}{'c0ffee' * 7}"[:40]


def write_history(
    runs: list[dict], folder: Path, case: tuple[int, str, str] | None, start: int, factor: float
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, run in enumerate(runs):
        data = json.loads(json.dumps(run))
        data["environment"]["git_commit"] = commit(index)
        data["environment"]["git_commit_date"] = f"2026-11-{index + 1:02d}T12:00:00+00:00"
        for result in data["results"]:
            if (result["option"], result["op"], result["method"]) == case and index >= start:
                result["times_s"] = [t * factor for t in result["times_s"]]
        (folder / f"run-{index:02d}.json").write_text(json.dumps(data))


def judge(runs: list[dict], case: tuple[int, str, str] | None, start: int, factor: float) -> str:
    with tempfile.TemporaryDirectory(prefix="roadbench-history-") as temporary:
        folder = Path(temporary)
        write_history(runs, folder, case, start, factor)
        report = history(folder)
    steps = [(c, s) for c in report.cases for s in c.steps if s.kind == "time"]
    found_elsewhere = any((c.design, c.op, c.method) != _named(case) for c, _s in steps)
    if report.machine_steps or found_elsewhere:
        return "false"
    if case is None:
        return "none"
    at = [s.run for _c, s in steps]
    if not at:
        return "missed"
    return "found" if at == [start] else "misplaced"


def _named(case: tuple[int, str, str] | None) -> tuple[str, str, str] | None:
    return None if case is None else (f"option {case[0]}", case[1], case[2])


def figures(runs: list[dict], factor: float) -> Counter[str]:
    cases = [(r["option"], r["op"], r["method"]) for r in runs[0]["results"]]
    outcomes: Counter[str] = Counter()
    for first in range(len(runs) - WINDOW + 1):
        window = runs[first : first + WINDOW]
        for case in cases:
            for start in FROM:
                outcomes[judge(window, case, start, factor)] += 1
    return outcomes


def docs_history(runs: list[dict], out: Path, screenshot: bool) -> None:
    folder = out / "history"
    shutil.rmtree(folder, ignore_errors=True)
    write_history(runs[:WINDOW], folder, DOCS_CASE, DOCS_FROM, 1.5)
    page = out / "history.html"
    os.environ["COLUMNS"] = "110"
    done = roadbench("history", str(folder), "--html", str(page))
    print(f"$ roadbench history {folder} --html {page}   (exit {done.returncode})")
    print(done.stdout + done.stderr)
    if screenshot:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as manager:
            browser = manager.chromium.launch(executable_path=CHROMIUM)
            try:
                for width, height in ((1440, 1300), (375, 1400)):
                    shown = browser.new_page(viewport={"width": width, "height": height})
                    shown.goto(page.resolve().as_uri(), wait_until="load")
                    # The slowed case's part of the page: its steps and its chart.
                    shown.locator("[data-case] .steps").first.scroll_into_view_if_needed()
                    target = IMAGES / f"history-{width}.png"
                    shown.screenshot(path=str(target))
                    shown.close()
                    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
            finally:
                browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="where the runs are kept")
    parser.add_argument("--runs", type=int, default=20, help="runs to measure (default 20)")
    parser.add_argument("--reuse", action="store_true", help="measure nothing: use DIR/measured")
    parser.add_argument("--screenshot", action="store_true", help="also remake docs/images")
    args = parser.parse_args()
    measured = args.keep / "measured"
    if not args.reuse:
        measure(measured, args.runs)
    runs = [json.loads(p.read_text()) for p in sorted(measured.glob("*.json"))]
    if len(runs) < WINDOW:
        sys.exit(f"{measured} holds {len(runs)} runs; at least {WINDOW} are needed")
    cases = len(runs[0]["results"])
    windows = len(runs) - WINDOW + 1
    print(f"{len(runs)} real runs of {cases} cases; {windows} windows of {WINDOW} runs")
    plain: Counter[str] = Counter(judge(runs[i : i + WINDOW], None, 0, 1.0) for i in range(windows))
    print(f"no slowdown injected: {plain['false']} of {windows} histories report a step")
    for factor in (1.5, 1.25):
        outcome = figures(runs, factor)
        total = sum(outcome.values())
        shown = ", ".join(
            f"{name} {outcome[name]}" for name in ("found", "missed", "misplaced", "false")
        )
        print(f"x{factor} from commit 3, 5 or 7, each case in turn ({total} histories): {shown}")
    docs_history(runs, args.keep, args.screenshot)


if __name__ == "__main__":
    main()
