"""Option 3: a shared road table plus a child table per type (multi-table inheritance)."""

from __future__ import annotations

from django.db import models

from roadbench.models.base import APP_LABEL, CommonRoad, RoadOption


class RoadC(CommonRoad):
    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roadc"


class FreewayC(RoadC):
    speed_limit = models.SmallIntegerField()
    exits = models.IntegerField()

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_freewayc"


class TollroadC(RoadC):
    toll_amount = models.DecimalField(max_digits=8, decimal_places=2)
    operator = models.CharField(max_length=100)

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_tollroadc"


OPTION = RoadOption(
    number=3,
    name="multi-table inheritance",
    description="A shared road table plus one child table per type (multi-table inheritance).",
    models=(RoadC, FreewayC, TollroadC),
    freeway_model=FreewayC,
    tollroad_model=TollroadC,
    base_model=RoadC,
)
