"""The road data every option stores: the same logical rows, so results compare.

Road ``i`` of a type always has the same attributes, whatever the option, so an op's
expected outcome (how many rows a filter returns, what a sum becomes) is known in advance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from roadbench.designs.study import EntityType, RangeFilter, Study

FREEWAY = "freeway"
TOLLROAD = "tollroad"
ROAD_TYPES = (FREEWAY, TOLLROAD)

_EPOCH = dt.date(1950, 1, 1)


def common_fields(road_type: str, i: int) -> dict[str, Any]:
    return {
        "name": f"{road_type.title()} {i}",
        "length_km": float(i % 500) + 0.5,
        "lanes": 2 + i % 4,
        "opened": _EPOCH + dt.timedelta(days=(i * 7) % 27000),
    }


def freeway_fields(i: int) -> dict[str, Any]:
    return {**common_fields(FREEWAY, i), "speed_limit": 80 + (i % 5) * 10, "exits": i % 40}


def tollroad_fields(i: int) -> dict[str, Any]:
    return {
        **common_fields(TOLLROAD, i),
        "toll_amount": Decimal(i % 50 + 1) / 4,
        "operator": f"Operator {i % 20}",
    }


def road_fields(road_type: str, i: int) -> dict[str, Any]:
    return freeway_fields(i) if road_type == FREEWAY else tollroad_fields(i)


def split(rows: int) -> tuple[int, int]:
    """Freeways and tollroads for ``rows`` roads: equal numbers, the odd one a freeway."""
    freeways = (rows + 1) // 2
    return freeways, rows - freeways


def _road_study() -> Study:
    # The seed study's roles are named, so every figure stays what the study measured:
    # modify adds a lane, 10 km/h to a freeway's speed limit and 1 to a tollroad's toll.
    return Study(
        entity="road",
        plural="roads",
        types=(
            EntityType(
                FREEWAY,
                ("speed_limit", "exits"),
                kinds={"speed_limit": "SmallIntegerField", "exits": "IntegerField"},
            ),
            EntityType(
                TOLLROAD,
                ("toll_amount", "operator"),
                kinds={"toll_amount": "DecimalField", "operator": "CharField"},
            ),
        ),
        common=("name", "length_km", "lanes", "opened"),
        common_kinds={
            "name": "CharField",
            "length_km": "FloatField",
            "lanes": "SmallIntegerField",
            "opened": "DateField",
        },
        values=road_fields,
        label="name",
        counter="lanes",
        specific={FREEWAY: "speed_limit", TOLLROAD: "toll_amount"},
        steps={FREEWAY: 10, TOLLROAD: 1},
        # Per type: one filter on a common and one on a type-specific attribute.
        filters=(
            RangeFilter(FREEWAY, "lanes", 4),
            RangeFilter(FREEWAY, "speed_limit", 100),
            RangeFilter(TOLLROAD, "lanes", 4),
            RangeFilter(TOLLROAD, "toll_amount", 6),
        ),
        # A selective filter (0.8% of roads) on a column with no index.
        range_filters=tuple(RangeFilter(t, "length_km", 10, 14) for t in ROAD_TYPES),
        # A selective filter (2.5% of freeways) on a type-specific attribute.
        specific_filters=(RangeFilter(FREEWAY, "exits", 10, 11),),
    )


ROADS = _road_study()
