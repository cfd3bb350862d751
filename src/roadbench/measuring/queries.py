"""What SQL a case sends: statements grouped by fingerprint, duplicates, N+1, growth, plans.

Pure analysis of captured statements; capturing happens in the counting pass
(``measure.count_case``), never inside a timed value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from roadbench.database.backend import current_backend
from roadbench.errors import VerificationFailed
from roadbench.measuring.counting import CapturedQuery, statement_kind
from roadbench.measuring.fingerprints import fingerprint, tables
from roadbench.reports.results import SCHEMA_VERSION

CONSTANT, PER_BATCH, PER_ROW = "constant", "per-batch", "per-row"


def classify_growth(points: Sequence[tuple[int, int]]) -> str:
    """How a count grows with rows, from (rows, count) at two or more sizes.

    per-row: about one more statement for every two more rows, or more (N+1 lives here);
    per-batch: it grows, but far slower than the rows (bulk batches, chunked reads);
    constant: the same count at every size.
    """
    ordered = sorted(points)
    (x0, c0), (x1, c1) = ordered[0], ordered[-1]
    if c1 <= c0 or x1 == x0:
        return CONSTANT
    return PER_ROW if (c1 - c0) / (x1 - x0) >= 0.5 else PER_BATCH


@dataclass
class Fingerprint:
    fingerprint: str
    kind: str
    count: int
    total_s: float
    mean_s: float
    tables: list[str]
    example_sql: str
    example_params: str
    duplicates: int  # executions that repeated an earlier one's SQL and parameters exactly
    n_plus_one: bool = False
    growth: str | None = None
    counts_by_rows: dict[int, int] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    # The example's parameters as sent, for EXPLAIN; not part of the JSON.
    raw_params: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["raw_params"]
        return data


def _params_text(params: Any) -> str:
    try:
        return json.dumps(params, default=str)
    except (TypeError, ValueError):
        return repr(params)


def group(captured: Sequence[CapturedQuery], rows: int) -> list[Fingerprint]:
    """Group captured statements by fingerprint, most frequent first."""
    groups: dict[str, Fingerprint] = {}
    seen: set[tuple[str, str]] = set()
    for query in captured:
        key = fingerprint(query.sql)
        params = _params_text(query.params)
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = Fingerprint(
                fingerprint=key,
                kind=statement_kind(query.sql),
                count=0,
                total_s=0.0,
                mean_s=0.0,
                tables=tables(query.sql),
                example_sql=query.sql,
                example_params=params,
                duplicates=0,
                raw_params=query.params,
            )
        entry.count += query.many
        entry.total_s += query.duration_s
        # Transaction statements repeat by nature; only data statements can be duplicates.
        # A FETCH repeated on one cursor reads the next chunk: not a duplicate either.
        if entry.kind in ("select", "insert", "update", "delete") and not _is_fetch(query.sql):
            if (query.sql, params) in seen:
                entry.duplicates += query.many
            seen.add((query.sql, params))
    for entry in groups.values():
        entry.mean_s = entry.total_s / entry.count if entry.count else 0.0
        entry.counts_by_rows = {rows: entry.count}
        entry.n_plus_one = about_once_per_row(entry.example_sql, entry.count, rows)
    return sorted(groups.values(), key=lambda f: (-f.count, f.fingerprint))


# A lookup of one row by a key: ``WHERE "t"."id" = %s`` (any placeholder style), no IN list.
_ONE_ROW_LOOKUP = re.compile(r"\bWHERE\b.*=\s*(%s|\?|\$\d+|:\w+)", re.IGNORECASE | re.DOTALL)
_IN_LIST = re.compile(r"\bIN\s*\(", re.IGNORECASE)


def about_once_per_row(sql: str, count: int, rows: int) -> bool:
    """A SELECT run once per row (an N+1) by the evidence of one size: without a scaling run,
    its count is all there is. Either it ran about once per row (at least half the rows, 3 at
    least), or it looks one row up by a key and ran 3 times or more: a listing of mixed types
    splits its N+1 into one such lookup per type (10, 6 and 3 of 20 rows), each of them one.
    A FETCH reads the next chunk of one cursor: never."""
    if statement_kind(sql) != "select" or _is_fetch(sql) or count < 3:
        return False
    lookup = _ONE_ROW_LOOKUP.search(sql) is not None and _IN_LIST.search(sql) is None
    return lookup or count >= rows // 2


def _is_fetch(sql: str) -> bool:
    return sql.lstrip().upper().startswith("FETCH")


def apply_scaling(by_size: dict[int, list[Fingerprint]], main_rows: int) -> list[Fingerprint]:
    """Merge the fingerprints of runs at several sizes; classify each one's growth.

    The N+1 flag then rests on evidence: a SELECT whose count grows about once per row.
    """
    main = {f.fingerprint: f for f in by_size[main_rows]}
    for rows, fingerprints in by_size.items():
        for f in fingerprints:
            target = main.get(f.fingerprint)
            if target is None:  # only seen at another size: none of it at the main size
                target = main[f.fingerprint] = dataclasses.replace(
                    f, count=0, total_s=0.0, mean_s=0.0, duplicates=0, counts_by_rows={}
                )
            target.counts_by_rows[rows] = f.count
    for f in main.values():
        points = [(rows, f.counts_by_rows.get(rows, 0)) for rows in sorted(by_size)]
        f.growth = classify_growth(points)
        f.n_plus_one = f.kind == "select" and f.growth == PER_ROW
    return sorted(main.values(), key=lambda f: (-f.count, f.fingerprint))


def explain(fingerprints: Sequence[Fingerprint], analyze: bool = False) -> None:
    """Add the plan of each distinct SELECT: EXPLAIN QUERY PLAN (SQLite), EXPLAIN (PostgreSQL),
    EXPLAIN FORMAT=JSON (MariaDB) or FORMAT=TREE (MySQL); with ``analyze`` the query runs:
    EXPLAIN ANALYZE (PostgreSQL, MySQL), ANALYZE FORMAT=JSON (MariaDB)."""
    from django.db import connection

    for f in fingerprints:
        if f.kind != "select":
            continue
        params = f.raw_params
        with connection.cursor() as cursor:
            f.plan = current_backend().explain(cursor, f.example_sql, params, analyze)


@dataclass
class CaseQueries:
    """The statements of one case, grouped (and, with scaling, classified)."""

    option: int
    op: str
    method: str
    rows: int
    status: str = "ok"
    reason: str | None = None
    # A plugin's design by its key ("" for roadbench's own: "option N").
    design: str = ""
    rows_affected: int = 0
    queries: int = 0
    total_s: float = 0.0
    sizes: list[int] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.fingerprints)

    @property
    def n_plus_one(self) -> list[Fingerprint]:
        return [f for f in self.fingerprints if f.n_plus_one]

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in dataclasses.asdict(self).items() if k != "fingerprints"}
        data["duplicates"] = self.duplicates
        data["n_plus_one"] = len(self.n_plus_one)
        data["fingerprints"] = [f.to_dict() for f in self.fingerprints]
        return data


@dataclass
class QueriesReport:
    environment: Any
    cases: list[CaseQueries]
    kind: str = "queries"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "kind": self.kind,
            "environment": dataclasses.asdict(self.environment),
            "cases": [c.to_dict() for c in self.cases],
        }


@contextlib.contextmanager
def lazy_loading_blocked(on: bool, option: Any, op: Any, method: Any) -> Iterator[None]:
    """With ``on``, run under FETCH_RAISE: a lazy load becomes one clear error (exit 5)."""
    if not on:
        yield
        return
    from django.core.exceptions import FieldFetchBlocked  # type: ignore[attr-defined]

    from roadbench.database.django_internals import default_fetch_mode

    try:
        with default_fetch_mode("FETCH_RAISE"):
            yield
    except FieldFetchBlocked as exc:
        raise VerificationFailed(
            f"option {option.number} {op.name} {method.name} loads lazily (ran under "
            f"FETCH_RAISE): {exc}"
        ) from None
