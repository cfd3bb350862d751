"""Kept so plugins written for roadbench 0.2 still import: use ``roadbench.designs.base`` (the
design) and ``roadbench.designs.roads.columns`` (the road columns as abstract models)."""

from __future__ import annotations

from roadbench.designs.base import (
    APP_LABEL,
    BULK_CREATE_TRANSACTION,
    ONE_ROW_QUERIES,
    SPECIFIC,
    Listing,
    RoadOption,
    unavailable_design,
    unavailable_option,
)
from roadbench.designs.roads.columns import CommonRoad, FreewayColumns, TollroadColumns, TypedRoad

__all__ = [
    "APP_LABEL",
    "BULK_CREATE_TRANSACTION",
    "ONE_ROW_QUERIES",
    "SPECIFIC",
    "CommonRoad",
    "FreewayColumns",
    "Listing",
    "RoadOption",
    "TollroadColumns",
    "TypedRoad",
    "unavailable_design",
    "unavailable_option",
]
