"""Untimed checks that an op left exactly the rows it claims (a failed check is an error)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from roadbench.database.fastpath import count_rows
from roadbench.designs.base import SPECIFIC, RoadOption
from roadbench.designs.roads.data import ROAD_TYPES, road_fields, split
from roadbench.errors import VerificationFailed

__all__ = ["SPECIFIC", "check", "check_affected", "check_roads"]


def expected_summary(road_type: str, count: int, modified: bool = False) -> dict[str, Any]:
    return dict(_expected_summary(road_type, count, modified))


# Worked out once per size: at 500,000 roads the sums cost seconds of Python per check, and
# compare checks after every value.
@functools.lru_cache(maxsize=32)
def _expected_summary(road_type: str, count: int, modified: bool) -> dict[str, Any]:
    column, step = SPECIFIC[road_type]
    lanes = sum(road_fields(road_type, i)["lanes"] for i in range(count))
    specific = sum(road_fields(road_type, i)[column] for i in range(count))
    if modified:
        lanes += count
        specific += step * count
    return {"count": count, "names": count, "lanes": lanes, column: Decimal(specific)}


def actual_summary(option: RoadOption, road_type: str) -> dict[str, Any]:
    """Read back through the design's own paths: a road's attributes wherever it keeps them."""
    column, _step = SPECIFIC[road_type]
    row = option.queryset(road_type).aggregate(
        count=Count("pk"),
        names=Count(option.path(road_type, "name"), distinct=True),
        lanes=Sum(option.expression(road_type, "lanes")),
        specific=Sum(option.expression(road_type, column)),
    )
    return {
        "count": row["count"],
        "names": row["names"],
        "lanes": row["lanes"] or 0,
        column: Decimal(str(row["specific"] or 0)),
    }


def check(condition: bool, message: str) -> None:
    if not condition:
        raise VerificationFailed(message)


def check_roads(option: RoadOption, rows: int, *, modified: bool = False, what: str) -> None:
    """Road 0..n-1 of each type are in the tables, with the expected values."""
    counts = dict(zip(ROAD_TYPES, split(rows), strict=True))
    for road_type, count in counts.items():
        expected = expected_summary(road_type, count, modified)
        actual = actual_summary(option, road_type)
        check(
            actual == expected,
            f"{what} on option {option.number}: {road_type}s are {actual}, expected {expected}",
        )
    total = sum(count_rows(option).values())
    expected_total = option.rows_per_road * rows
    check(
        total == expected_total,
        f"{what} on option {option.number}: {total} rows in its tables, expected {expected_total}",
    )


def check_affected(op: str, option: RoadOption, affected: int, expected: int) -> None:
    check(
        affected == expected,
        f"{op} on option {option.number} reported {affected} rows, expected {expected}",
    )
