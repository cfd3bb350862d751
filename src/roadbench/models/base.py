"""Kept so plugins written for roadbench 0.2 still import: use ``roadbench.designs.base``."""

from __future__ import annotations

from roadbench.designs.base import *  # noqa: F403
from roadbench.designs.base import APP_LABEL, CommonRoad, Listing, RoadOption  # noqa: F401
