"""An op: count the stored roads of each type, with count() or with len()."""

from __future__ import annotations

from roadbench.designs.base import RoadOption
from roadbench.designs.roads.data import ROAD_TYPES
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.checks import check_affected


def count_in_database(option: RoadOption, rows: int) -> int:
    """SELECT COUNT(*) per type: the database counts."""
    return sum(option.queryset(t).count() for t in ROAD_TYPES)


def count_in_python(option: RoadOption, rows: int) -> int:
    """len(queryset) per type: every row is loaded into a model instance, then counted."""
    return sum(len(option.queryset(t)) for t in ROAD_TYPES)


def verify(option: RoadOption, rows: int, affected: int) -> None:
    check_affected("count", option, affected, rows)


OPERATION = Operation(
    name="count",
    description="Count the stored roads of each type (example plugin).",
    methods={
        m.name: m
        for m in (
            Method("count", "QuerySet.count() per type", count_in_database),
            Method("len", "len(queryset) per type: loads every road", count_in_python),
        )
    },
    needs=LOADED,
    leaves=LOADED,
    verify=verify,
    # A row of its own in compare, after the seed study's four.
    compare_methods={"few": ("count",), "many": ("count",)},
    default_method="count",
    order=50,
)
