"""select: filtered reads over n stored roads, every row fully consumed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roadbench.data import FREEWAY, TOLLROAD, road_fields, split
from roadbench.models.base import RoadOption
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.checks import check_affected


@dataclass(frozen=True)
class RoadFilter:
    """``field >= threshold`` on one road type: as an ORM filter and as a Python predicate."""

    road_type: str
    field: str
    threshold: Any

    @property
    def lookup(self) -> dict[str, Any]:
        return {f"{self.field}__gte": self.threshold}

    def matches(self, i: int) -> bool:
        return bool(road_fields(self.road_type, i)[self.field] >= self.threshold)


# Per type: one filter on a common attribute, one on a type-specific attribute.
FILTERS = (
    RoadFilter(FREEWAY, "lanes", 4),
    RoadFilter(FREEWAY, "speed_limit", 100),
    RoadFilter(TOLLROAD, "lanes", 4),
    RoadFilter(TOLLROAD, "toll_amount", 6),
)

# The columns every road of a type has (the same data the model objects carry).
COLUMNS = {
    FREEWAY: ("id", "name", "length_km", "lanes", "opened", "speed_limit", "exits"),
    TOLLROAD: ("id", "name", "length_km", "lanes", "opened", "toll_amount", "operator"),
}


def expected_rows(rows: int) -> int:
    """How many rows the filters return over road 0..n-1 of each type."""
    counts = dict(zip((FREEWAY, TOLLROAD), split(rows), strict=True))
    return sum(sum(1 for i in range(counts[f.road_type]) if f.matches(i)) for f in FILTERS)


def select_objects(option: RoadOption, rows: int) -> int:
    read = 0
    for road_filter in FILTERS:
        read += len(list(option.queryset(road_filter.road_type).filter(**road_filter.lookup)))
    return read


def select_values_list(option: RoadOption, rows: int) -> int:
    read = 0
    for road_filter in FILTERS:
        qs = option.queryset(road_filter.road_type).filter(**road_filter.lookup)
        read += len(list(qs.values_list(*COLUMNS[road_filter.road_type])))
    return read


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    check_affected("select", option, affected, expected_rows(rows))


OPERATION = Operation(
    name="select",
    description=(
        "Filter the stored roads (a common and a type-specific attribute, per type) "
        "and read every matching row."
    ),
    methods={
        m.name: m
        for m in (
            Method("objects", "list(queryset): every row as a model instance", select_objects),
            Method(
                "values_list",
                "the same columns as tuples, no model instances",
                select_values_list,
            ),
        )
    },
    needs=LOADED,
    leaves=LOADED,
    verify=_verify,
    compare_methods={"few": ("objects",), "many": ("objects",)},
    default_method="objects",
)
