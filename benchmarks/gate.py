"""The CI gate measured as a team uses it (issue 23 item 5): exit codes of the real commands on
A/A pairs (false failures) and on injected changes (misses), on the machine as it is and with
one core busy plus an fsync writer.

    python benchmarks/gate.py                          # measure the pairs, then gate them
    python benchmarks/gate.py --reuse DIR              # gate pairs saved before (--keep DIR,
                                                       # here or by diff_false_alarms.py)
    python benchmarks/gate.py --gates ab --pairs 1 --rows 20 --repeat 8   # the smallest ab run

Gates so far: `roadbench diff` of two saved comparisons (`--fail-on time:10% --fail-on
queries:+0`), run as a subprocess exactly as CI would. Each pair: as saved (A/A, any exit 6 is
a false failure), the second file's timed values all x3 (exit 0 would be a silent pass), one
case +50% and one case +20% (the first case of the row "select (few)" of option 2; caught =
exit 6). Same-session A/B (`roadbench ab`, benchmarks/gate_ab.py): ``--pairs`` sessions per
injection of a small plugin op in a temporary git repository, each revision against the base
in one session: an empty commit (A/A), every case's work x3, one case's work +50%, one extra
statement shape (`--fail-on shape`); caught = exit 6 naming the injected case. "busy" runs
them with one core spinning and an fsync writer, started and ended here. The interleaved
`matrix` (benchmarks/gate_matrix.py): the same plugin op and injections, A/A as one Django
named twice (`--django 5.2,5.2`), each change applied under Django 6.1 only (`--django
5.2,6.1`), its combined file gated by `roadbench diff FILE`.

Prints one markdown table: per gate, condition and injection, the exit codes seen (0 passed,
6 failed, 8 inconclusive), and the false failures (A/A exit 6) or misses (exit 0, or exit 6
naming another case) among them.
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

from diff_false_alarms import CONDITIONS, BusyMachine, measure_pairs, scaled
from gate_ab import ab_gate
from gate_matrix import matrix_gate

ROADBENCH = [sys.executable, "-m", "roadbench"]
RULES = ["--fail-on", "time:10%", "--fail-on", "queries:+0"]
Run = dict[str, Any]
Pairs = list[tuple[Run, Run]]
# Per injection, each trial's (exit code, whether a failure named the injected case).
Outcomes = dict[str, list[tuple[int, bool]]]


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


def diff_gate(pairs: Pairs, folder: Path) -> Outcomes:
    """`roadbench diff` on each pair, as CI runs it: the exit codes per injection."""
    codes: Outcomes = {}
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
            # The injected case is the first of option 2's select rows (x3: every case).
            named = name == "x3 everything" or "option 2 · select" in done.stderr
            codes.setdefault(name, []).append((done.returncode, named))
    return codes


# The gates measured. "diff" judges the pairs measured before (under each condition); the
# others measure their own sessions, under BusyMachine for "busy".
SAVED_PAIRS: dict[str, Callable[[Pairs, Path], Outcomes]] = {"diff": diff_gate}
OWN_SESSIONS: dict[str, Callable[[Path, argparse.Namespace], Outcomes]] = {
    "ab": ab_gate,
    "matrix": matrix_gate,
}
GATES = (*SAVED_PAIRS, *OWN_SESSIONS)


def rows_of(gate: str, condition: str, outcomes: Outcomes) -> list[str]:
    lines = []
    for change, seen in outcomes.items():
        codes = Counter(code for code, _named in seen)
        if change == "A/A":
            wrong = f"{codes[6]} false failures"
        else:
            missed = codes[0] + sum(1 for code, named in seen if code == 6 and not named)
            wrong = f"{missed} missed"
        cells = [f"{codes[code]}/{len(seen)}" for code in (0, 6, 8)]
        lines.append(f"| {gate} | {condition} | {change} | " + " | ".join(cells) + f" | {wrong} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gates", default=",".join(GATES), help="comma-separated: diff, ab, matrix"
    )
    parser.add_argument("--pairs", type=int, default=5, help="A/A pairs (ab: sessions a change)")
    parser.add_argument("--rows", type=int, default=20, help="rows per option (compare -n)")
    parser.add_argument("--repeat", type=int, default=10, help="rounds (compare --repeat)")
    parser.add_argument("--keep", type=Path, help="keep diff's saved runs in this folder")
    parser.add_argument("--reuse", type=Path, help="gate diff's runs kept in this folder")
    args = parser.parse_args()
    gates = [g.strip() for g in args.gates.split(",") if g.strip()]
    if unknown := [g for g in gates if g not in GATES]:
        parser.error(f"--gates: unknown {', '.join(unknown)} (known: {', '.join(GATES)})")
    with tempfile.TemporaryDirectory(prefix="roadbench-bench-gate-") as tmp:
        folder = args.reuse or args.keep or Path(tmp)
        if "diff" in gates and not args.reuse:
            measure_pairs(folder, args)
        runs = {p.stem: json.loads(p.read_text()) for p in folder.glob("*-[0-9]*[ab].json")}
        lines = []
        for gate in gates:
            for condition in CONDITIONS:
                if gate in SAVED_PAIRS:
                    pairs = [
                        (runs[f"{condition}-{i}a"], runs[f"{condition}-{i}b"])
                        for i in range(args.pairs)
                        if f"{condition}-{i}b" in runs
                    ]
                    outcomes = SAVED_PAIRS[gate](pairs, Path(tmp))
                elif condition == "busy":
                    print(f"measuring {gate}, {condition}", file=sys.stderr)
                    with BusyMachine(Path(tmp)):
                        outcomes = OWN_SESSIONS[gate](Path(tmp), args)
                else:
                    print(f"measuring {gate}, {condition}", file=sys.stderr)
                    outcomes = OWN_SESSIONS[gate](Path(tmp), args)
                lines += rows_of(gate, condition, outcomes)
        print(
            "| gate | machine | change | exit 0 passed | exit 6 failed | exit 8 inconclusive "
            "| false failures / misses |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
