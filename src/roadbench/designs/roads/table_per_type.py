"""Option 2: one table per road type, sharing an abstract base model."""

from __future__ import annotations

from django.db import models

from roadbench.designs.base import APP_LABEL, ONE_ROW_QUERIES, RoadOption
from roadbench.designs.roads.columns import CommonRoad


class FreewayB(CommonRoad):
    speed_limit = models.SmallIntegerField()
    exits = models.IntegerField()

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_freewayb"


class TollroadB(CommonRoad):
    toll_amount = models.DecimalField(max_digits=8, decimal_places=2)
    operator = models.CharField(max_length=100)

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_tollroadb"


OPTION = RoadOption(
    number=2,
    key="per-type",
    name="table per type",
    description="A freeway table and a tollroad table sharing an abstract base model.",
    models=(FreewayB, TollroadB),
    freeway_model=FreewayB,
    tollroad_model=TollroadB,
    # A road is one row, as in the one-table designs; listing them all reads both tables.
    expected_queries={
        **ONE_ROW_QUERIES,
        "select/all_roads_naive": (0.0, 2),
        "select/all_roads_detail": (0.0, 2),
    },
)
