"""The interleaved `roadbench matrix` gate for benchmarks/gate.py: the small plugin op of
gate_ab.py run by the real `matrix` command, its combined file (`--save`) gated by `roadbench
diff FILE` as CI would.

A/A is one Django named twice (`--django 5.2,5.2`: the same environment, two sides measured
in interleaved rounds). A change is the plugin's injected assignment applied only under
Django 6.1 (`--django 5.2,6.1`), so that the second version is the "slower" one; the op's
time is mostly its pauses, so Django's own difference between the versions is a few percent
of the case at most (the op's counts take about 2 ms of its 40-60 ms).

The versions' environments are made by matrix (pip, once) in a cache of this run's own.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from gate_ab import INJECTIONS, MODULE, plugin_source

ROADBENCH = [sys.executable, "-m", "roadbench"]
UNDER_NEW = "django.VERSION[:2] >= (6, 1)"


def matrix_gate(folder: Path, args: argparse.Namespace) -> dict[str, list[tuple[int, bool]]]:
    """``args.pairs`` matrix sessions per injection: (diff's exit code on the combined file,
    whether a failure named the injected case) each."""
    work = folder / f"matrix-{os.getpid()}-{len(list(folder.iterdir()))}"
    cache = folder / "matrix-cache"  # the environments, kept for the whole run
    outcomes: dict[str, list[tuple[int, bool]]] = {}
    for trial in range(args.pairs):
        for number, (name, (change, rules, case)) in enumerate(INJECTIONS.items()):
            here = work / f"{trial}-{number}"
            (here / "plugin").mkdir(parents=True)
            (here / "plugin" / f"{MODULE}.py").write_text(plugin_source(change, UNDER_NEW))
            env = {
                **os.environ,
                "XDG_CACHE_HOME": str(cache),
                "PYTHONPATH": str(here / "plugin"),
                "COLUMNS": "200",
            }
            combined = here / "matrix.json"
            versions = "5.2,5.2" if change is None else "5.2,6.1"
            command = [*ROADBENCH, "--plugin", MODULE, "matrix", "--django", versions]
            command += ["--save-dir", str(here / "versions"), "--save", str(combined)]
            command += ["compare", "--ops", "gatecount", "--options", "1,2"]
            command += ["-n", str(args.rows), "--repeat", str(args.repeat)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=here)
            if done.returncode != 0:
                sys.exit(f"matrix failed (exit {done.returncode}): {done.stderr[-2000:]}")
            gated = subprocess.run(
                [*ROADBENCH, "diff", str(combined), *rules],
                capture_output=True,
                text=True,
                env=env,
            )
            if gated.returncode not in (0, 6, 8):
                sys.exit(f"diff failed (exit {gated.returncode}): {gated.stderr[-2000:]}")
            named = case is not None and case in gated.stdout + gated.stderr
            outcomes.setdefault(name, []).append((gated.returncode, named))
    return outcomes
