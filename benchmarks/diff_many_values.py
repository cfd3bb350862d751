"""How long `roadbench diff` takes on two saved runs of many values each (issue 19: a file with
200,000 values took minutes; the median's interval was quadratic in the values).

    python benchmarks/diff_many_values.py              # 200,000 values a side
    python benchmarks/diff_many_values.py --values 1000000

Makes a real run (`roadbench run --save`, a few seconds), puts N values in it and a copy 0.1%
slower, and times `roadbench diff --json` of the two in a subprocess, as a user runs it.
Prints the seconds it took and diff's verdict.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROADBENCH = [sys.executable, "-m", "roadbench"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=200_000, help="values in each file")
    values = parser.parse_args().values
    with tempfile.TemporaryDirectory(prefix="roadbench-bench-diff-") as tmp:
        folder = Path(tmp)
        run = folder / "run.json"
        subprocess.run(
            [*ROADBENCH, "run", "-o", "1", "--op", "select", "-n", "4", "--fast", "--save", run],
            check=True,
            capture_output=True,
        )
        data = json.loads(run.read_text())
        data["results"] = data["results"][:1]
        generator = random.Random(19)
        files = []
        for name, mu in (("base", -7.0), ("new", -6.999)):
            data["results"][0]["times_s"] = [
                generator.lognormvariate(mu, 0.1) for _ in range(values)
            ]
            files.append(folder / f"{name}.json")
            files[-1].write_text(json.dumps(data))
        start = time.perf_counter()
        done = subprocess.run(
            [*ROADBENCH, "diff", *map(str, files), "--json"], capture_output=True, text=True
        )
        took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"diff failed (exit {done.returncode}): {done.stderr.strip()}")
    (case,) = json.loads(done.stdout)["cases"]
    print(
        f"diff of {values:,} values a side: {took:.1f} s "
        f"(verdict: {case['verdict']}, p = {case['p_value']:.3g}, {case['test']} test)"
    )


if __name__ == "__main__":
    main()
