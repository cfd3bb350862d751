"""The CI gate measured as a team uses it (issue 23 item 5): exit codes of the real commands on
A/A pairs (false failures) and on injected changes (misses), on the machine as it is and with
one core busy plus an fsync writer.

    python benchmarks/gate.py                          # measure the pairs, then gate them
    python benchmarks/gate.py --reuse DIR              # gate pairs saved before (--keep DIR,
                                                       # here or by diff_false_alarms.py)

Gates so far: `roadbench diff` of two saved comparisons (`--fail-on time:10% --fail-on
queries:+0`), run as a subprocess exactly as CI would. Each pair: as saved (A/A, any exit 6 is
a false failure), the second file's timed values all x3 (exit 0 would be a silent pass), one
case +50% and one case +20% (the first case of the row "select (few)" of option 2; caught =
exit 6). Same-session A/B (`roadbench ab`) and the interleaved `matrix` plug in through
``GATES`` below: each is a function from a condition's saved pairs (or its own measuring) to
one exit code per trial; the shape gate (`--fail-on shape`, an extra statement) joins when
saved results carry statement fingerprints.

Prints one markdown table: per gate, condition and injection, the exit codes seen (0 passed,
6 failed, 8 inconclusive).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diff_false_alarms import CONDITIONS, measure_pairs, scaled

ROADBENCH = [sys.executable, "-m", "roadbench"]
RULES = ["--fail-on", "time:10%", "--fail-on", "queries:+0"]
Run = dict[str, Any]
Pairs = list[tuple[Run, Run]]


def injections(run: Run) -> dict[str, Run]:
    """The second file of a pair as saved, and with each change injected."""
    slowed = next(
        i
        for i, r in enumerate(run["results"])
        if r["option"] == 2 and r["op"] == "select" and r.get("status") == "ok"
    )
    return {
        "A/A": run,
        "x3 everything": scaled(run, 3.0),
        "one case +50%": scaled(run, 1.5, slowed),
        "one case +20%": scaled(run, 1.2, slowed),
    }


def diff_gate(pairs: Pairs, folder: Path) -> dict[str, list[int]]:
    """`roadbench diff` on each pair, as CI runs it: the exit codes per injection."""
    codes: dict[str, list[int]] = {}
    for number, (base, new) in enumerate(pairs):
        base_path = folder / f"gate-base-{number}.json"
        base_path.write_text(json.dumps(base))
        for name, changed in injections(new).items():
            new_path = folder / f"gate-new-{number}.json"
            new_path.write_text(json.dumps(changed))
            done = subprocess.run(
                [*ROADBENCH, "diff", str(base_path), str(new_path), *RULES],
                capture_output=True,
                text=True,
            )
            codes.setdefault(name, []).append(done.returncode)
    return codes


# The gates measured: a name and a function from a condition's saved pairs to exit codes per
# injection. `ab` and the interleaved `matrix` (issue 23 items 2-3) measure their own
# sessions: each joins as a function of the same shape that ignores the pairs, runs its own
# A/A and injected revisions (under the same BusyMachine for "busy") and returns their exit
# codes by the same injection names.
GATES: dict[str, Callable[[Pairs, Path], dict[str, list[int]]] | None] = {
    "diff": diff_gate,
    "ab": None,
    "matrix (interleaved)": None,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="A/A pairs per condition")
    parser.add_argument("--rows", type=int, default=20, help="rows per option (compare -n)")
    parser.add_argument("--repeat", type=int, default=10, help="rounds (compare --repeat)")
    parser.add_argument("--keep", type=Path, help="keep the saved runs in this folder")
    parser.add_argument("--reuse", type=Path, help="gate the runs kept in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roadbench-bench-gate-") as tmp:
        folder = args.reuse or args.keep or Path(tmp)
        if not args.reuse:
            measure_pairs(folder, args)
        runs = {p.stem: json.loads(p.read_text()) for p in folder.glob("*-[0-9]*[ab].json")}
        print("| gate | machine | change | exit 0 passed | exit 6 failed | exit 8 inconclusive |")
        print("| --- | --- | --- | --- | --- | --- |")
        for gate, measure in GATES.items():
            if measure is None:
                print(f"| {gate} | — | — | not measured yet: its GATES entry is None | | |")
                continue
            for condition in CONDITIONS:
                pairs = [
                    (runs[f"{condition}-{i}a"], runs[f"{condition}-{i}b"])
                    for i in range(args.pairs)
                    if f"{condition}-{i}b" in runs
                ]
                for change, codes in measure(pairs, Path(tmp)).items():
                    seen = Counter(codes)
                    cells = [f"{seen[code]}/{len(codes)}" for code in (0, 6, 8)]
                    print(f"| {gate} | {condition} | {change} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
