"""diff of two async comparisons (``compare --async --save``): their cases, judged as diff
judges two runs.

Each entry of an async comparison is three measured cases: the sync mirror (``save``), the
async method alone (``acreate``) and as N tasks (``acreate@8``), each a case of its own keyed
(option, op, method, rows) like a run's. Their times are judged one by one (basis "times"),
with the whole run's drift and the gates of any diff. The thread-hop cost is not judged: it
is a difference of two noisy times (async − sync) whose median sits near 0 or below it,
where a relative change means nothing; a change in it shows as a change of the async
cases' times against the sync cases'.

An async comparison and a plain run or compare are not diffed: only their sync cases could
match, measured beside other cases, and the async ones would all read as added or removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from roadbench.errors import BadInput
from roadbench.reports.saved import ASYNC_SIDES, KINDS

ASYNC = "compare-async"


def diffable(
    base_path: Path, base: dict[str, Any], new_path: Path, new: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two loaded files as diff reads them: an async comparison as its cases; BadInput
    (one line) when one is an async comparison and the other is not."""
    kinds = [data.get("kind", "run") for data in (base, new)]
    if kinds.count(ASYNC) == 1:
        (async_path, _), (other_path, other) = sorted(
            zip((base_path, new_path), kinds, strict=True), key=lambda file: file[1] != ASYNC
        )
        raise BadInput(
            f"{async_path} holds a {ASYNC!r} result ({KINDS[ASYNC]}) and {other_path} a "
            f"{other!r} result ({KINDS[other]}); diff compares an async comparison with "
            "another one only"
        )
    if ASYNC not in kinds:
        return base, new
    return as_run(base), as_run(new)


def as_run(data: dict[str, Any]) -> dict[str, Any]:
    """An async comparison as a run of its cases, each entry's sync mirror, async method and
    async method at N tasks in turn. A sync mirror two async methods share is measured beside
    each; the first is kept (a key is one case)."""
    results: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in data["entries"]:
        for side in ASYNC_SIDES:
            case = entry.get(side)
            if case is not None:
                key = (case["option"], case["op"], case["method"], case["rows"])
                results.setdefault(key, case)
    return {
        "kind": "run",
        "schema_version": data["schema_version"],
        "environment": data["environment"],
        "results": list(results.values()),
    }
