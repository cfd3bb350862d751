"""The road data's old home, kept so plugins written for roadbench 0.2 still import: use
``roadbench.designs.roads.data``."""

from __future__ import annotations

from roadbench.designs.roads.data import *  # noqa: F403
from roadbench.designs.roads.data import (  # noqa: F401
    FREEWAY,
    ROAD_TYPES,
    ROADS,
    TOLLROAD,
    common_fields,
    freeway_fields,
    road_fields,
    split,
    tollroad_fields,
)
