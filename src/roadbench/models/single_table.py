"""Option 1: one table for all roads; columns of the other type are NULL."""

from __future__ import annotations

from django.db import models

from roadbench.data import FREEWAY, TOLLROAD
from roadbench.models.base import APP_LABEL, CommonRoad, RoadOption


class RoadA(CommonRoad):
    road_type = models.CharField(
        max_length=10, choices=[(FREEWAY, "Freeway"), (TOLLROAD, "Tollroad")]
    )
    speed_limit = models.SmallIntegerField(null=True)
    exits = models.IntegerField(null=True)
    toll_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    operator = models.CharField(max_length=100, null=True)

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roada"


OPTION = RoadOption(
    number=1,
    name="single table",
    description="One table for all roads; unused type-specific columns are NULL.",
    models=(RoadA,),
    freeway_model=RoadA,
    tollroad_model=RoadA,
    base_model=RoadA,
    type_values={FREEWAY: {"road_type": FREEWAY}, TOLLROAD: {"road_type": TOLLROAD}},
)
