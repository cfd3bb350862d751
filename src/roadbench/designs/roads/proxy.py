"""Option 8: proxy models on one table with a type column (plain Django proxies).

The table of option 1 (type column, the other type's columns NULL); ``FreewayX`` and
``TollroadX`` are proxy models whose managers filter on the type and whose saves set it, and
the base model turns each row it loads into its type's proxy. The pattern
django-typed-models packages; here with Django alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Model, QuerySet

from roadbench.designs.base import (
    APP_LABEL,
    ONE_ROW_QUERIES,
    SPECIFIC,
    Listing,
    RoadOption,
)
from roadbench.designs.roads.data import FREEWAY, TOLLROAD
from roadbench.designs.roads.single_table import SingleTableRoad


class RoadX(SingleTableRoad):
    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roadx"

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> Model:
        """A row of the base model loads as its type's proxy (as typed models do).

        ``**kwargs``: Django 6.1 passes ``fetch_mode`` (and deprecates overrides that refuse it).
        """
        road = super().from_db(db, field_names, values, **kwargs)
        proxy = PROXIES.get(getattr(road, "road_type", ""))
        if cls is RoadX and proxy is not None:
            road.__class__ = proxy
        return road


class TypedManager(models.Manager["RoadX"]):
    def __init__(self, road_type: str) -> None:
        super().__init__()
        self.road_type = road_type

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(road_type=self.road_type)

    def deconstruct(self) -> Any:  # pragma: no cover - no migrations
        return (False, f"{__name__}.TypedManager", None, (self.road_type,), {})


class FreewayX(RoadX):
    objects = TypedManager(FREEWAY)

    class Meta:
        proxy = True
        app_label = APP_LABEL

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.road_type = FREEWAY
        super().save(*args, **kwargs)


class TollroadX(RoadX):
    objects = TypedManager(TOLLROAD)

    class Meta:
        proxy = True
        app_label = APP_LABEL

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.road_type = TOLLROAD
        super().save(*args, **kwargs)


PROXIES: dict[str, type[RoadX]] = {FREEWAY: FreewayX, TOLLROAD: TollroadX}


@dataclass(frozen=True)
class ProxyOption(RoadOption):
    def queryset(self, road_type: str) -> QuerySet[Any]:
        """The proxy's own manager: it filters on the type column."""
        return PROXIES[road_type].objects.all()

    def fast_insert(self, road_type: str, count: int) -> None:
        from roadbench.database.fastpath import insert_model_rows

        insert_model_rows(RoadX, [self.row_values(road_type, i) for i in range(count)])

    def delete_all(self, road_type: str) -> int:
        _total, per_model = self.queryset(road_type).delete()
        return sum(per_model.values())

    def listing_naive(self) -> Listing:
        """Base-model rows read as they come: each is already its type's proxy."""
        return [(r.road_type, getattr(r, SPECIFIC[r.road_type][0])) for r in RoadX.objects.all()]

    def listing_best(self) -> Listing:
        """One query over the table, only the columns the listing needs."""
        rows = RoadX.objects.values_list("road_type", "speed_limit", "toll_amount")
        return [(t, speed if t == FREEWAY else toll) for t, speed, toll in rows]


OPTION = ProxyOption(
    number=8,
    key="proxy",
    name="proxy models",
    description="One table with a type column; a proxy model per type filters and sets it.",
    models=(RoadX,),
    freeway_model=FreewayX,
    tollroad_model=TollroadX,
    base_model=RoadX,
    type_values={FREEWAY: {"road_type": FREEWAY}, TOLLROAD: {"road_type": TOLLROAD}},
    expected_queries=ONE_ROW_QUERIES,
)
