"""What `--processes N` buys in a same-session A/B (issue 23, item 3): A/A runs, where both
environments are the same code, measured with rounds spread over N worker processes each.

    python benchmarks/ab_processes.py                        # N = 1, 2, 4; 5 trials each
    python benchmarks/ab_processes.py --trials 10 --rounds 12 --rows 200

Each trial is one A/A session, as `roadbench matrix`/`ab` runs it (this Python as both
environments): `compare --options 1,2,3 --ops select --rows R` with a fixed number of rounds.
For every case it takes the per-round ratio of the second environment to the first, its
median's 95% interval and the verdict. A/A has no real difference, so every "slower" or
"faster" is a false verdict. Prints, per N: the median and widest relative half-width of the
intervals, how many cases covered 1 (they must), the false verdicts, and the seconds a trial
took (more processes: more databases to fill and more warm-ups).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from roadbench.measuring.ab import Side, ab_section, measure_sides, side_report
from roadbench.measuring.matrix import WORKER
from roadbench.measuring.stats import relative_half_width


def trial(processes: int, rounds: int, rows: int) -> tuple[list[float], int, int, int, float]:
    sides = [Side(label, (sys.executable, *WORKER), sys.executable) for label in ("A", "A'")]
    command = {
        "command": "compare",
        "scale": "few",
        "rows": rows,
        "options": "1,2,3",
        "ops": ["select"],
        "min_effect": 0.03,
        "database": None,
        "sqlite": None,
        "plugins": [],
        # A fixed number of rounds: precision must not end one N's trial earlier than another's.
        "timing": {"warmup": 1, "repeat": rounds, "max_repeat": rounds, "precision": 0.0},
    }
    started = time.perf_counter()
    measured = measure_sides(sides, command, processes)
    elapsed = time.perf_counter() - started
    reports = [side_report(command, m) for m in measured]
    section = ab_section("matrix", command, processes, measured, reports)
    widths, covered, false = [], 0, 0
    for case in section.cases:
        if case.ratio is None or case.interval is None:
            continue
        widths.append(relative_half_width(case.interval, case.ratio))
        covered += case.interval[0] <= 1 <= case.interval[1]
        false += case.verdict != "tie"
    return widths, covered, false, len(widths), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2,4", help="values of N, comma-separated")
    parser.add_argument("--trials", type=int, default=5, help="A/A sessions per N")
    parser.add_argument("--rounds", type=int, default=12, help="rounds per session")
    parser.add_argument("--rows", type=int, default=200, help="roads per design")
    options = parser.parse_args()
    print(
        f"A/A: compare --options 1,2,3 --ops select --rows {options.rows}, "
        f"{options.rounds} rounds, {options.trials} trials per N"
    )
    header = (
        f"{'N':>3} {'cases':>6} {'median ±':>9} {'widest ±':>9} {'1 inside':>9} "
        f"{'false':>6} {'s/trial':>8}"
    )
    print(header)
    for processes in (int(n) for n in options.processes.split(",")):
        widths: list[float] = []
        covered = false = cases = 0
        seconds = []
        for _ in range(options.trials):
            w, c, f, n, s = trial(processes, options.rounds, options.rows)
            widths += w
            covered, false, cases = covered + c, false + f, cases + n
            seconds.append(s)
        print(
            f"{processes:>3} {cases:>6} {statistics.median(widths):>9.1%} {max(widths):>9.1%} "
            f"{covered:>4}/{cases:<4} {false:>6} {statistics.median(seconds):>8.1f}"
        )


if __name__ == "__main__":
    main()
