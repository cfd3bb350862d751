"""The child process of an A/B session (``matrix``, ``ab``): one environment's measurements,
one value at a time, on the parent's request.

Started as ``python -m roadbench.ab_worker`` with the environment's Python. The protocol is
one JSON object per line: the parent writes the session's spec to stdin, the child opens its
throwaway database and answers with its environment and plan; then each request (``start``
a row's cases, take one ``round`` of values, ``finish`` the row, ``quit``) gets one answer. An
error is an answer too (``{"error": ..., "exit_code": ...}``), after which the child ends.
When the spec asks for ``notes``, each case begun is said first (``{"at": index}``): a sign
of life, and the case the parent names if the child then hangs (an older parent does not
ask, and would take a note for the answer).
The child's own stdout is redirected to stderr, so nothing a plugin prints can break a line.

The spec carries the database URL, so a password never appears on a command line. A stop
signal raises KeyboardInterrupt here as in the CLI: the session's context removes the
throwaway database before the child ends.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from typing import IO, Any

from roadbench.signals import interrupt_on_stop_signals, stop_signals_done

PROTOCOL = 1


def main() -> int:
    interrupt_on_stop_signals()
    # The protocol's channel is the original stdout; print() from anyone goes to stderr.
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        serve(sys.stdin, channel)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # any failure: the parent says it in one line
        from roadbench.errors import RoadbenchError

        code = exc.exit_code if isinstance(exc, RoadbenchError) else 1
        if isinstance(exc, RoadbenchError):  # a parameter named by its flag, as the CLI does
            text = exc.worded(lambda name: "--" + name.replace("_", "-"))
        else:
            text = f"{type(exc).__name__}: {exc}"
        _send(channel, {"error": " ".join(text.split()), "exit_code": code})
        return code
    finally:
        stop_signals_done()
    return 0


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, default=str) + "\n")
    channel.flush()


def _receive(stream: IO[str]) -> dict[str, Any] | None:
    line = stream.readline()
    return json.loads(line) if line else None


def serve(requests: IO[str], channel: IO[str]) -> None:
    """Open the spec's session and answer requests until ``quit`` or the end of input."""
    spec = _receive(requests)
    if spec is None:
        return
    from roadbench.plugins import load_module, load_registries

    load_registries()
    for module in spec.get("plugins", []):
        load_module(module)
    from roadbench.designs import get_option, parse_options
    from roadbench.measuring.measure import Timing
    from roadbench.session import open_session

    timing = Timing(**spec["timing"])
    if spec.get("instructions"):
        from roadbench.measuring.instructions import valgrind

        valgrind()  # missing: said before any database is made
    # --model: the user's hierarchy (in their project) registered as a design here too.
    from roadbench.api import use_model

    model = use_model(spec.get("model"))
    if spec["command"] == "run":
        chosen = spec.get("option")
        numbers = [get_option(chosen if chosen is not None else model or 0).number]
    elif model is not None and not spec.get("options"):
        numbers = [model]
    else:
        numbers = parse_options(spec.get("options"))
    options = [get_option(n) for n in numbers]
    with open_session(options, spec.get("database"), None, False, spec.get("sqlite")) as (
        _bench,
        environment,
        state,
    ):
        planned = _plan(spec, numbers)
        _send(
            channel,
            {
                "protocol": PROTOCOL,
                "environment": asdict(environment),
                "planned": [asdict(p) for p in planned],
            },
        )
        _answer(requests, channel, planned, timing, state, spec)


def _plan(spec: dict[str, Any], numbers: list[int]) -> list[Any]:
    from roadbench.reports.comparison import STUDY, PlannedCase, plan_cases

    if spec["command"] == "run":
        from roadbench.ops import get_op

        op = get_op(spec["op"])
        method = op.method(spec.get("method") or op.default_method).name
        return [PlannedCase("run", STUDY, numbers[0], op.name, method, spec["rows"])]
    from roadbench.api import _choose_method, _supports

    return plan_cases(
        spec["scale"], spec["rows"], numbers, _choose_method, _supports, spec.get("ops")
    )


def _answer(
    requests: IO[str],
    channel: IO[str],
    planned: list[Any],
    timing: Any,
    state: Any,
    spec: dict[str, Any],
) -> None:
    from roadbench.designs import get_option
    from roadbench.measuring.measure import CaseRunner
    from roadbench.ops import get_op

    runners: dict[int, CaseRunner] = {}
    rounds = 0

    def begin(index: int) -> None:
        if spec.get("notes"):
            _send(channel, {"at": index})

    while (request := _receive(requests)) is not None:
        action = request["do"]
        if action == "quit":
            return
        if action == "start":
            runners, rounds = {}, 0
            for index in request["cases"]:
                case = planned[index]
                op = get_op(case.op)
                runner = CaseRunner(
                    get_option(case.option),
                    op,
                    op.method(case.method),
                    case.rows,
                    timing,
                    state,
                    memory=bool(spec.get("memory")),
                )
                begin(index)
                runner.start()
                runners[index] = runner
            _send(channel, {"wants": {i: r.wants_values for i, r in runners.items()}})
        elif action == "round":
            live = [i for i, r in runners.items() if r.wants_values]
            shift = rounds % len(live) if live else 0
            values: dict[int, list[float]] = {}
            for index in live[shift:] + live[:shift]:
                runner = runners[index]
                begin(index)
                runner.take_value()
                if runner.result.times_s:
                    values[index] = [runner.result.times_s[-1], runner.result.cpu_times_s[-1]]
            rounds += 1
            wants = {i: r.wants_values for i, r in runners.items()}
            _send(channel, {"values": values, "wants": wants})
        elif action == "finish":
            # One process per environment counts the queries; the others only give values.
            counted = request.get("count", True)
            finished = {}
            for index, runner in runners.items() if counted else ():
                begin(index)
                finished[index] = runner.finish()
            if spec["command"] == "compare":
                _query_growth(finished, planned, state)
            if spec.get("instructions"):
                _count_instructions(list(finished.values()), spec)
            results = {i: asdict(result) for i, result in finished.items()}
            runners = {}
            _send(channel, {"results": results})
        else:
            raise ValueError(f"unknown request {action!r}")


def _query_growth(finished: dict[int, Any], planned: list[Any], state: Any) -> None:
    """As compare does: how each study row's query count grows with the rows."""
    from roadbench.api import _query_growth as growth
    from roadbench.reports.comparison import STUDY

    for index, result in finished.items():
        if result.ok and planned[index].role == STUDY:
            result.query_growth = growth(planned[index], result, state)


def _count_instructions(results: list[Any], spec: dict[str, Any]) -> None:
    """Each measured case's CPU instructions, under valgrind (as ``run --instructions``)."""
    from roadbench.measuring import instructions

    measured = [r for r in results if r.ok]
    keys = [(r.option, r.op, r.method, r.rows) for r in measured]
    if not keys:
        return
    counts, scope = instructions.count(keys, spec.get("database"), spec.get("sqlite"))
    for result, key in zip(measured, keys, strict=True):
        result.instructions = counts.get(key)
        result.instructions_counted = scope if result.instructions is not None else None


if __name__ == "__main__":
    sys.exit(main())
