"""The road data every option stores: the same logical rows, so results compare.

Road ``i`` of a type always has the same attributes, whatever the option, so an op's
expected outcome (how many rows a filter returns, what a sum becomes) is known in advance.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

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
