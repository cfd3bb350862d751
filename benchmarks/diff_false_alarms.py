"""How often `roadbench diff --fail-on time:10%` fails the same code, and misses a real change,
for candidate significance levels and multiplicity corrections (issue 23 item 1).

    python benchmarks/diff_false_alarms.py                      # measure, then judge
    python benchmarks/diff_false_alarms.py --keep DIR           # ... keeping the saved runs
    python benchmarks/diff_false_alarms.py --reuse DIR          # judge runs kept before

Measures ``--pairs`` A/A pairs of real `roadbench compare` runs (the same code twice, SQLite,
``--rows`` rows, ``--repeat`` rounds) on the machine as it is ("as is"), then as many with one
core busy (``python -c 'while 1: pass'``) and a writer that writes 1 MiB and fsyncs it every
50 ms, both started and ended by this script. Each pair is judged by `diff` as saved ("A/A":
any failure is a false alarm), and with changes injected into the second file: every timed
value x3 (must never pass silently), one case +50% and one case +20% (each case in turn; caught
= the gate fails naming that case). "as is -> busy" pairs a run of the first set with one of
the second: the machine changed between the sessions, the code did not.

Prints one table per condition: for each candidate (alpha, correction), the gate's outcomes
(exit 0 passed, exit 6 failed, exit 8 inconclusive).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from roadbench.measuring.multiplicity import reachable, smallest_mann_whitney_p
from roadbench.reports.diff import (
    FAILED,
    PASSED,
    UNDECIDED,
    check,
    diff,
    parse_fail_on,
)

ROADBENCH = [sys.executable, "-m", "roadbench"]
RULE = "time:10%"
# (label, alpha, correction, assume_drift): the candidates.
CANDIDATES = [
    (f"{correction} {alpha:g}", alpha, correction, False)
    for correction in ("none", "holm", "bh")
    for alpha in (0.05, 0.01, 0.002)
]
WRITER = """
import os, sys, time
block = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as out:
    while True:
        out.seek(0)
        out.write(block)
        out.flush()
        os.fsync(out.fileno())
        time.sleep(0.05)
"""


class BusyMachine:
    """One core spinning and an fsync writer, ended on exit (also on Ctrl-C or an error)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> BusyMachine:
        self.children.append(subprocess.Popen([sys.executable, "-c", "while 1: pass"]))
        target = self.folder / "fsync-writer.bin"
        self.children.append(subprocess.Popen([sys.executable, "-c", WRITER, str(target)]))
        return self

    def __exit__(self, *exc: object) -> None:
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        (self.folder / "fsync-writer.bin").unlink(missing_ok=True)


def measure(folder: Path, name: str, args: argparse.Namespace) -> Path:
    path = folder / f"{name}.json"
    command = [*ROADBENCH, "compare", "-n", str(args.rows), "--repeat", str(args.repeat)]
    command += ["--save", str(path)]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


CONDITIONS = ("as-is", "busy")


def measure_pairs(folder: Path, args: argparse.Namespace) -> None:
    """``args.pairs`` pairs of saved comparisons per condition, named ``as-is-0a.json``,
    ``as-is-0b.json`` ... ``busy-0a.json`` (one core spinning and an fsync writer meanwhile)."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for condition in CONDITIONS:
        print(f"measuring {condition}", file=sys.stderr)
        names = [f"{condition}-{i}{s}" for i in range(args.pairs) for s in "ab"]
        if condition == "busy":
            with BusyMachine(folder):
                for name in names:
                    measure(folder, name, args)
        else:
            for name in names:
                measure(folder, name, args)
    print(f"measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def scaled(run: dict[str, Any], factor: float, case: int | None = None) -> dict[str, Any]:
    """A copy of a saved run with every timed value (or case number ``case``'s) times factor."""
    changed = copy.deepcopy(run)
    for index, result in enumerate(changed["results"]):
        if case is not None and index != case:
            continue
        result["times_s"] = [t * factor for t in result.get("times_s", [])]
        for name in ("median_s", "min_s", "max_s", "mean_s", "q1_s", "q3_s"):
            if result.get(name) is not None:
                result[name] *= factor
    return changed


def outcome(base: dict[str, Any], new: dict[str, Any], candidate: tuple[Any, ...]) -> str:
    _label, alpha, correction, assume_drift = candidate
    report = diff(base, new, alpha=alpha, correction=correction, assume_drift=assume_drift)
    check(report, [parse_fail_on(RULE)])
    return report.gate or PASSED


def caught(base: dict[str, Any], new: dict[str, Any], case: int, candidate: tuple[Any, ...]) -> str:
    """ "caught" when the gate fails on the injected case, else the gate's outcome ("failed"
    here means it failed on another case only)."""
    _label, alpha, correction, assume_drift = candidate
    report = diff(base, new, alpha=alpha, correction=correction, assume_drift=assume_drift)
    failures = check(report, [parse_fail_on(RULE)])
    result = new["results"][case]
    name = f"option {result['option']} · {result['op']} · {result['method']} ·"
    if any(line.startswith(name) for line in failures):
        return "caught"
    return report.gate or PASSED


def test_alone(base: dict[str, Any], new: dict[str, Any], candidate: tuple[Any, ...]) -> Counter:
    """What the significance test alone says, before the minimum change, the noise and the
    gate's rules on drift and instability: of an A/A pair, how many cases have a corrected p
    below alpha ("aa"), of how many ("cases")."""
    _label, alpha, correction, _assume_drift = candidate
    report = diff(base, new, alpha=alpha, correction=correction, assume_drift=True)
    tested = [c for c in report.cases if c.p_adjusted is not None]
    return Counter(aa=sum(c.p_adjusted < alpha for c in tested), cases=len(tested))


def injected_p(base: dict[str, Any], new: dict[str, Any], case: int, candidate: tuple) -> bool:
    """Whether the test alone finds the injected case (corrected p below alpha)."""
    _label, alpha, correction, _assume_drift = candidate
    report = diff(base, new, alpha=alpha, correction=correction, assume_drift=True)
    result = new["results"][case]
    key = (result["option"], result["op"], result["method"], result["rows"])
    (found,) = [c for c in report.cases if (c.option, c.op, c.method, c.rows) == key]
    return found.p_adjusted is not None and found.p_adjusted < alpha


def timed_cases(run: dict[str, Any]) -> list[int]:
    return [i for i, r in enumerate(run["results"]) if r.get("status") == "ok" and r["times_s"]]


def judge(pairs: list[tuple[dict[str, Any], dict[str, Any]]], title: str) -> None:
    noises = sorted(c.noise for a, b in pairs for c in diff(a, b).cases if c.noise is not None)
    typical = noises[len(noises) // 2] if noises else float("nan")
    print(f"\n{title}: {len(pairs)} pairs, gate --fail-on {RULE}, median case noise ±{typical:.0%}")
    header = (
        "| candidate | A/A cases p < alpha | +50% case p < alpha | A/A failed | A/A inconclusive "
        "| x3 passed | "
        "x3 inconclusive | "
        "+50% caught | +50% inconclusive | +50% missed | +20% caught | +20% inconclusive | "
        "+20% missed |"
    )
    print(header)
    print("|" + " --- |" * 13)
    for candidate in CANDIDATES:
        aa = Counter(outcome(a, b, candidate) for a, b in pairs)
        x3 = Counter(outcome(a, scaled(b, 3.0), candidate) for a, b in pairs)
        alone = sum((test_alone(a, b, candidate) for a, b in pairs), Counter())
        found = [
            injected_p(a, scaled(b, 1.5, case), case, candidate)
            for a, b in pairs
            for case in timed_cases(b)
        ]
        cells = [candidate[0], f"{alone['aa']}/{alone['cases']}", f"{sum(found)}/{len(found)}"]
        cells += [f"{aa[FAILED]}/{len(pairs)}", f"{aa[UNDECIDED]}/{len(pairs)}"]
        cells += [f"{x3[PASSED]}/{len(pairs)}", f"{x3[UNDECIDED]}/{len(pairs)}"]
        for factor in (1.5, 1.2):
            found: Counter[str] = Counter()
            for a, b in pairs:
                for case in timed_cases(b):
                    found[caught(a, scaled(b, factor, case), case, candidate)] += 1
            total = sum(found.values())
            missed = found[PASSED] + found[FAILED]  # passed, or failed on another case only
            cells += [f"{found['caught']}/{total}", f"{found[UNDECIDED]}/{total}"]
            cells += [f"{missed}/{total}"]
        print("| " + " | ".join(cells) + " |")


def least_rounds(cases: int = 21) -> None:
    """Per candidate, the fewest values a side for which a case can be significant at all
    when ``cases`` cases are tested together (every case at its smallest possible p)."""
    print(f"\nfewest values a side for any verdict, {cases} cases tested together")
    print("| candidate | values a side |")
    print("| --- | --- |")
    for label, alpha, correction, _assume in CANDIDATES:
        least = next(
            n
            for n in range(2, 40)
            if all(reachable([smallest_mann_whitney_p(n, n)] * cases, alpha, correction))
        )
        print(f"| {label} | {least} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="A/A pairs per condition")
    parser.add_argument("--rows", type=int, default=20, help="rows per option (compare -n)")
    # 10 rounds: below 9 values a median's 95% interval is the whole range of the values.
    parser.add_argument("--repeat", type=int, default=10, help="rounds (compare --repeat)")
    parser.add_argument("--keep", type=Path, help="keep the saved runs in this folder")
    parser.add_argument("--reuse", type=Path, help="judge the runs kept in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadbench-bench-gate-") as tmp:
        folder = args.reuse or args.keep or Path(tmp)
        if not args.reuse:
            measure_pairs(folder, args)
        runs = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
        pairs = {
            c: [(runs[f"{c}-{i}a"], runs[f"{c}-{i}b"]) for i in range(args.pairs)]
            for c in CONDITIONS
        }
        print(
            f"python benchmarks/diff_false_alarms.py --pairs {args.pairs} --rows {args.rows} "
            f"--repeat {args.repeat} ({os.cpu_count()} cores; roadbench compare, SQLite)"
        )
        least_rounds()
        judge(pairs["as-is"], "machine as is")
        judge(pairs["busy"], "one core busy + fsync writer")
        judge(
            [(a, b) for (a, _), (b, _) in zip(pairs["as-is"], pairs["busy"], strict=True)],
            "as is -> busy (the machine changed between the sessions)",
        )


if __name__ == "__main__":
    main()
