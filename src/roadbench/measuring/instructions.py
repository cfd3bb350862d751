"""CPU instructions executed by one run of an op alone, counted under valgrind's callgrind.

Time answers "how fast here"; an instruction count answers "did this change make it do more
work", and it does not move with the machine's load: a gate on it does not flake.

How the op is isolated without client requests in the interpreter: a child Python process
runs under ``valgrind --tool=callgrind --collect-atstart=no --toggle-collect=qsort_r
--dump-after=qsort_r``, so callgrind counts nothing except inside libc's ``qsort_r``. The
child prepares the case (untimed, uncounted), then sorts a two-element array with ``qsort``
whose comparison function is a ctypes callback that runs the op: only the op's instructions
(and the callback's small, fixed overhead) are counted, and callgrind writes them to a file
of their own as ``qsort_r`` returns. An empty callback, sorted the same way just before,
measures that overhead, which is subtracted. Before the counted run the op runs once
uncounted, so one-time costs (imports, Django's caches) are not counted; the child's hash
seed is fixed and the garbage collector is paused around the counted run.

On SQLite the count includes the database's own work (it runs in the same process); on a
server database it is the client side only: Django and the driver.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from roadbench.errors import RoadbenchError, Unsupported
from roadbench.signals import run_child, signals_held

Key = tuple[int, str, str, int]  # (option, op, method, rows)
TOGGLE = "qsort_r"  # glibc's qsort calls it; nothing on the op's path does
CHILD_TIMEOUT_S = 3600
WHERE_COUNTED = {
    "sqlite": "Django, the driver and SQLite itself (in-process)",
    "postgresql": "the client side only: Django and the driver (the server's work is not counted)",
}


def valgrind() -> str:
    path = shutil.which("valgrind")
    if path is None:
        raise Unsupported(
            "{instructions} needs valgrind (Debian/Ubuntu: apt-get install valgrind)",
            "instructions",
        )
    return path


def count(
    cases: list[Key], database: str | None = None, sqlite: str | None = None
) -> tuple[dict[Key, int | None], str]:
    """Instructions of one run of each case's op (None where the case is unsupported), and
    what they cover (see ``WHERE_COUNTED``)."""
    command = valgrind()
    from roadbench.database.temporary import make_directory

    # Marked and held while this process lives: after a SIGKILL, `roadbench cleanup` removes it.
    made, held = make_directory("roadbench-callgrind-")
    out_dir = str(made)
    try:
        request = {
            "cases": [list(k) for k in cases],
            "database": database,
            "sqlite": sqlite,
            "out_dir": out_dir,
        }
        argv = [
            command,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--vgdb=no",  # no gdbserver FIFOs in $TMPDIR to outlive a killed child
            f"--toggle-collect={TOGGLE}",
            f"--dump-after={TOGGLE}",
            f"--callgrind-out-file={out_dir}/callgrind.out",
            "-q",
            sys.executable,
            "-m",
            "roadbench.measuring.instructions",
        ]
        try:
            # Ended with this process: on a signal it removes its own database, then exits.
            child = run_child(
                argv,
                input=json.dumps(request),  # on stdin: a database URL may hold a password
                timeout=CHILD_TIMEOUT_S,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        except subprocess.TimeoutExpired:
            raise RoadbenchError(
                f"counting instructions took over {CHILD_TIMEOUT_S} s; use fewer rows"
            ) from None
        if child.returncode != 0:
            raise _child_error(child.returncode, child.stderr)
        reply = json.loads(child.stdout.strip().splitlines()[-1])
        counts: dict[Key, int | None] = {}
        for answer in reply["cases"]:
            key = tuple(answer["key"])
            if "unsupported" in answer:
                counts[key] = None  # type: ignore[index]
                continue
            op = _total(Path(answer["op"]))
            baseline = _total(Path(answer["baseline"]))
            counts[key] = max(0, op - baseline)  # type: ignore[index]
        return counts, WHERE_COUNTED.get(reply["vendor"], reply["vendor"])
    finally:
        with signals_held():  # a signal now cannot leave the directory half removed
            shutil.rmtree(out_dir, ignore_errors=True)
            os.close(held)  # the lock last: never an unlocked marked directory of a live run


def _child_error(code: int, stderr: str) -> RoadbenchError:
    """The child's own one-line error (it speaks roadbench's exit codes), or its last line."""
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("==")]
    last = lines[-1] if lines else f"exit code {code}"
    error = RoadbenchError(
        f"counting instructions failed: {last.removeprefix('roadbench: error: ')}"
    )
    if code in (2, 3, 4, 5):
        error.exit_code = code
    return error


_TOTALS = re.compile(r"^(?:totals|summary): (\d+)", re.MULTILINE)


def _total(path: Path) -> int:
    match = _TOTALS.search(path.read_text())
    if match is None:
        raise RoadbenchError(f"callgrind wrote no totals in {path.name}")
    return int(match.group(1))


# --- the child, under valgrind ---------------------------------------------------------------

_COMPARE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _through_qsort(action: Callable[[], Any]) -> Any:
    """Run ``action`` as the comparison function of a two-element ``qsort``."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    outcome: dict[str, Any] = {}

    def compare(_a: Any, _b: Any) -> int:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # raised again below: ctypes would swallow it
            outcome["error"] = exc
        return 0

    callback = _COMPARE(compare)
    pair = (ctypes.c_int * 2)(2, 1)
    libc.qsort(pair, 2, ctypes.sizeof(ctypes.c_int), callback)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _dumped(out_dir: Path, action: Callable[[], Any]) -> tuple[Path, Any]:
    """Run ``action`` counted; the callgrind dump it produced."""
    before = set(out_dir.iterdir())
    value = _through_qsort(action)
    new = sorted(set(out_dir.iterdir()) - before)
    if len(new) != 1:
        raise RoadbenchError(
            f"expected one callgrind dump around the op, found {len(new)} "
            f"(is the op calling {TOGGLE} itself?)"
        )
    return new[0], value


def _child(request: dict[str, Any]) -> dict[str, Any]:
    from roadbench.measuring.measure import finish_value, prepare_value
    from roadbench.plugins import load_registries
    from roadbench.session import open_session

    load_registries()
    from roadbench.designs import get_option
    from roadbench.ops import get_op

    out_dir = Path(request["out_dir"])
    cases = [
        (get_option(o), get_op(op), get_op(op).method(m), rows)
        for o, op, m, rows in request["cases"]
    ]
    answers: list[dict[str, Any]] = []
    options = list({option.number: option for option, _, _, _ in cases}.values())
    with open_session(options, request["database"], None, sqlite=request["sqlite"]) as (
        bench,
        _environment,
        state,
    ):
        for option, op, method, rows in cases:
            key = [option.number, op.name, method.name, rows]
            reason = method.unsupported_reason(option)
            if reason:
                answers.append({"key": key, "unsupported": reason})
                continue
            try:
                # Once uncounted: imports, Django's caches and SQLite's first reads.
                prepare_value(option, op, method, rows, state)
                finish_value(option, op, method, rows, state, method.run(option, rows))
                prepare_value(option, op, method, rows, state)
                gc.collect()
                gc.disable()
                try:
                    baseline, _ = _dumped(out_dir, lambda: None)
                    counted, affected = _dumped(out_dir, partial(method.run, option, rows))
                finally:
                    gc.enable()
                finish_value(option, op, method, rows, state, affected)
            except Unsupported as exc:
                answers.append({"key": key, "unsupported": str(exc)})
                continue
            answers.append({"key": key, "baseline": str(baseline), "op": str(counted)})
    return {"vendor": bench.vendor, "cases": answers}


def main() -> None:
    try:
        reply = _child(json.loads(sys.stdin.read()))
    except RoadbenchError as exc:
        print(f"roadbench: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(reply))


if __name__ == "__main__":
    main()
