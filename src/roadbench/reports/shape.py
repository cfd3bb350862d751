"""The shape of a case's SQL in two saved runs: which statements appeared and disappeared.

A saved case keeps its statements' fingerprints with their counts (``CaseResult.fingerprints``,
schema 3). The shapes are deterministic, so a changed set of shapes is a change of the code
(a new JOIN, a new statement, a different WHERE) on any machine, even at the same query count:
``diff --fail-on shape`` fails on it. A file saved before schema 3 has no fingerprints: the
gate cannot decide on it, and says so rather than passing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roadbench.reports.results import CaseResult, case_from_dict

SAME, CHANGED, UNDECIDED = "same", "changed", "cannot decide"
# The first schema whose cases keep their fingerprints.
FINGERPRINTS_SINCE = 3


@dataclass
class ShapeChange:
    """How one case's statements changed shape between the base and the new run."""

    verdict: str  # SAME, CHANGED or UNDECIDED
    # Shapes only one run sent, with the statements it sent of each.
    appeared: dict[str, int] = field(default_factory=dict)
    disappeared: dict[str, int] = field(default_factory=dict)
    # Shapes both sent, a different number of times: [base, new] (the queries rule judges these).
    recounted: dict[str, list[int]] = field(default_factory=dict)
    reason: str | None = None  # why it cannot decide


def compare_shapes(
    base: CaseResult,
    new: CaseResult,
    versions: tuple[int, int] = (FINGERPRINTS_SINCE, FINGERPRINTS_SINCE),
    names: tuple[str, str] = ("the base file", "the new file"),
) -> ShapeChange:
    """The shapes of one case measured in both runs; ``versions`` and ``names``: the files'
    schema versions and names, for the reason when one has no fingerprints."""
    missing = [
        _why_missing(name, version)
        for case, version, name in zip((base, new), versions, names, strict=True)
        if case.fingerprints is None
    ]
    if base.fingerprints is None or new.fingerprints is None:
        return ShapeChange(UNDECIDED, reason="; ".join(missing))
    before, after = base.fingerprints, new.fingerprints
    change = ShapeChange(
        SAME,
        appeared={s: n for s, n in after.items() if s not in before},
        disappeared={s: n for s, n in before.items() if s not in after},
        recounted={s: [n, after[s]] for s, n in before.items() if s in after and after[s] != n},
    )
    if change.appeared or change.disappeared:
        change.verdict = CHANGED
    return change


def shapes_of_cases(
    base: dict[str, Any],
    new: dict[str, Any],
    names: tuple[str, str] = ("the base file", "the new file"),
) -> dict[tuple[int, str, str, int], ShapeChange]:
    """Each case measured (ok) in both saved runs, by (option, op, method, rows)."""

    def ok_cases(data: dict[str, Any]) -> dict[tuple[int, str, str, int], CaseResult]:
        cases = (case_from_dict(raw) for raw in data.get("results", []))
        return {(c.option, c.op, c.method, c.rows): c for c in cases if c.ok}

    versions = (base.get("schema_version", 1), new.get("schema_version", 1))
    before, after = ok_cases(base), ok_cases(new)
    return {
        key: compare_shapes(before[key], after[key], versions, names)
        for key in before
        if key in after
    }


def attach_shapes(
    cases: list[Any],
    base: dict[str, Any],
    new: dict[str, Any],
    names: tuple[str, str] = ("the base file", "the new file"),
) -> None:
    """Set each diffed case's ``shape`` (None where it was not measured in both runs)."""
    shapes = shapes_of_cases(base, new, names)
    for case in cases:
        case.shape = shapes.get((case.option, case.op, case.method, case.rows))


def shape_failures(cases: list[Any]) -> list[str]:
    """One line per case whose set of statement shapes changed."""
    failures = []
    for case in cases:
        shape = case.shape
        if shape is not None and shape.verdict == CHANGED:
            failures.append(
                f"{case.name}: the SQL changed shape: {_shapes(shape.appeared)} appeared, "
                f"{_shapes(shape.disappeared)} disappeared"
            )
    return failures


def shape_undecided(cases: list[Any]) -> list[str]:
    """One line per compared case the shape rule cannot judge, with the reason."""
    return [
        f"{case.name}: --fail-on shape: {case.shape.reason}"
        for case in cases
        if case.shape is not None and case.shape.verdict == UNDECIDED
    ]


def _why_missing(name: str, version: int) -> str:
    if version < FINGERPRINTS_SINCE:
        return (
            f"{name} was saved with schema {version}, before statement fingerprints (schema "
            f"{FINGERPRINTS_SINCE}): measure it again with this roadbench"
        )
    return f"{name} has no statement fingerprints for it"


def _shapes(shapes: dict[str, int]) -> str:
    kinds, total = len(shapes), sum(shapes.values())
    return f"{kinds} shape{'s' * (kinds != 1)} ({total:,} statement{'s' * (total != 1)})"
