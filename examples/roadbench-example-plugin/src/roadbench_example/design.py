"""A design: one table with a type column, like option 1, plus the constraints it lacks.

Option 1 lets a freeway row carry a toll, or miss its speed limit; here CHECK constraints
make the database refuse both. What do they cost on each write?
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from roadbench.designs.base import APP_LABEL, RoadOption
from roadbench.designs.roads.columns import CommonRoad
from roadbench.designs.roads.data import FREEWAY, TOLLROAD


class CheckedRoad(CommonRoad):
    road_type = models.CharField(max_length=10)
    speed_limit = models.SmallIntegerField(null=True)
    exits = models.IntegerField(null=True)
    toll_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    operator = models.CharField(max_length=100, null=True)

    class Meta:
        # Plugin models join roadbench's app: its throwaway databases create their tables.
        app_label = APP_LABEL
        db_table = "roadbench_example_checkedroad"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    road_type=FREEWAY,
                    speed_limit__isnull=False,
                    exits__isnull=False,
                    toll_amount__isnull=True,
                    operator__isnull=True,
                )
                | Q(
                    road_type=TOLLROAD,
                    speed_limit__isnull=True,
                    exits__isnull=True,
                    toll_amount__isnull=False,
                    operator__isnull=False,
                ),
                name="example_road_has_its_types_columns",
            )
        ]


@dataclass(frozen=True)
class CheckedSingleTable(RoadOption):
    """Everything is inherited: a road is one row of one model, found by its type column."""


# Numbers from 100 up are for plugins; roadbench's own designs stay below.
OPTION = CheckedSingleTable(
    number=101,
    key="checked-single",
    name="checked single table",
    description="One table with a type column and CHECK constraints per type (example plugin).",
    models=(CheckedRoad,),
    freeway_model=CheckedRoad,
    tollroad_model=CheckedRoad,
    base_model=CheckedRoad,
    type_values={FREEWAY: {"road_type": FREEWAY}, TOLLROAD: {"road_type": TOLLROAD}},
    expected_queries={"create/save": (1.0, 0), "count/count": (0.0, 2)},
)
