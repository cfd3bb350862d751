"""Option 3: a shared road table plus a child table per type (multi-table inheritance)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Model, QuerySet

from roadbench.designs.base import APP_LABEL, Listing, RoadOption
from roadbench.designs.roads.columns import CommonRoad


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


# save() wraps parent + child INSERTs in a transaction: 4 statements per road; the naive
# listing tries the freeway child first, so a tollroad costs two queries (1.5 per road).
# delete-mti-fk-once: 4 DELETEs and 8 statements around them on every database (see
# tests/ops/test_delete_fk_once.py), with the two children the only tables referencing the
# deleted ones.
MULTI_TABLE_QUERIES = {
    "create/save": (4.0, 0),
    "create/atomic": (2.0, 2),
    "select/objects": (0.0, 4),
    "select/all_roads_naive": (1.5, 1),
    "select/all_roads_detail": (0.0, 1),
    "modify/save": (4.0, 2),
    "modify/update": (0.0, 8),
    "modify/bulk_update": (0.0, 12),
    "delete/each": (4.0, 2),
    "delete/queryset": (0.0, 10),
    "delete/delete-mti-fk-once": (0.0, 12),
}


@dataclass(frozen=True)
class MultiTableOption(RoadOption):
    """An entity is a parent row plus a child row: two rows each, joined on the same id."""

    rows_per_road: int = 2

    def child_name(self, road_type: str) -> str:
        """The reverse one-to-one accessor from the parent to a child (``freewayc``)."""
        return self.model_for(road_type)._meta.model_name or ""

    def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
        assert self.base_model is not None
        child = self.child_name(road_type)
        return self.base_model._default_manager.filter(**{f"{child}__isnull": False}), child

    def _children(self) -> dict[str, str]:
        return {t: self.child_name(t) for t in self.types}

    def _detail(self, road: Model) -> Listing:
        for road_type, child in self._children().items():
            try:
                detail = getattr(road, child)
            except ObjectDoesNotExist:  # not this type; with select_related, no query either
                continue
            return [(road_type, getattr(detail, self.study.specific_field(road_type)))]
        raise AssertionError(f"{self.study.entity} {road.pk} has no child row")

    def listing_naive(self) -> Listing:
        """Parents, then each child accessor tried in turn: a query per road and type tried."""
        assert self.base_model is not None
        return [
            item for road in self.base_model._default_manager.all() for item in self._detail(road)
        ]

    def listing_best(self) -> Listing:
        """One query: the parent LEFT JOINed to every child table."""
        assert self.base_model is not None
        manager = self.base_model._default_manager
        roads = manager.select_related(*self._children().values())
        return [item for road in roads for item in self._detail(road)]

    def subclass_listing(self, roads: Iterable[Model]) -> Listing:
        """The listing of roads that a library returns as instances of their type's model
        (options 6 and 7): each carries its own attributes, no query per road."""
        types = {model: t for t, model in self.type_models.items()}
        return [
            (t, getattr(road, self.study.specific_field(t)))
            for road in roads
            for t in (types[type(road)],)
        ]


OPTION = MultiTableOption(
    number=3,
    key="multi-table",
    name="multi-table inheritance",
    description="A shared road table plus one child table per type (multi-table inheritance).",
    models=(RoadC, FreewayC, TollroadC),
    freeway_model=FreewayC,
    tollroad_model=TollroadC,
    base_model=RoadC,
    expected_queries=MULTI_TABLE_QUERIES,
)
