"""Option 1: one table for all roads; columns of the other type are NULL."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from roadbench.designs.base import APP_LABEL, ONE_ROW_QUERIES, SPECIFIC, Listing, RoadOption
from roadbench.designs.roads.columns import TypedRoad
from roadbench.designs.roads.data import FREEWAY, TOLLROAD


class SingleTableRoad(TypedRoad):
    """Both types' own attributes as columns, NULL where a road's type has none (no table
    itself: option 8 keeps its roads in a table of this shape too)."""

    speed_limit = models.SmallIntegerField(null=True)
    exits = models.IntegerField(null=True)
    toll_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    operator = models.CharField(max_length=100, null=True)

    class Meta:
        abstract = True
        app_label = APP_LABEL


class RoadA(SingleTableRoad):
    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roada"


@dataclass(frozen=True)
class SingleTableOption(RoadOption):
    """Every road is one row of one table; a type column says which columns it uses."""

    def listing_best(self) -> Listing:
        """One query over the table; the type column picks each road's attribute."""
        columns = {t: SPECIFIC[t][0] for t in (FREEWAY, TOLLROAD)}
        rows = self.models[0]._default_manager.values_list("road_type", *columns.values())
        by_type = {FREEWAY: 1, TOLLROAD: 2}
        return [(row[0], row[by_type[row[0]]]) for row in rows]

    def listing_naive(self) -> Listing:
        """Model instances of the whole table: still one query."""
        return [
            (road.road_type, getattr(road, SPECIFIC[road.road_type][0]))
            for road in self.models[0]._default_manager.all()
        ]


OPTION = SingleTableOption(
    number=1,
    key="single",
    name="single table",
    description="One table for all roads; unused type-specific columns are NULL.",
    models=(RoadA,),
    freeway_model=RoadA,
    tollroad_model=RoadA,
    base_model=RoadA,
    type_values={FREEWAY: {"road_type": FREEWAY}, TOLLROAD: {"road_type": TOLLROAD}},
    expected_queries=ONE_ROW_QUERIES,
)
