"""Option 4: composition. A road table plus a detail table per type, joined one-to-one.

No inheritance: each detail row has an explicit ``OneToOneField`` to its road (as a
UserProfile has to a User), which is also its primary key. Each table is a plain model, so
``bulk_create`` works per table; reading a road's type-specific attributes is a join.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models import Model, QuerySet

from roadbench.designs.base import APP_LABEL, SPECIFIC, Listing
from roadbench.designs.roads._detail_tables import (
    COMMON,
    DetailTablesOption,
    FreewayColumns,
    TollroadColumns,
    split,
)
from roadbench.designs.roads.columns import CommonRoad
from roadbench.designs.roads.data import FREEWAY, ROAD_TYPES


class RoadS(CommonRoad):
    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roads"


class FreewayS(FreewayColumns):
    road = models.OneToOneField(
        RoadS, on_delete=models.CASCADE, primary_key=True, related_name="freeway"
    )

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_freeways"


class TollroadS(TollroadColumns):
    road = models.OneToOneField(
        RoadS, on_delete=models.CASCADE, primary_key=True, related_name="tollroad"
    )

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_tollroads"


DETAILS: dict[str, type[Model]] = {FREEWAY: FreewayS, "tollroad": TollroadS}


@dataclass(frozen=True)
class SiblingOption(DetailTablesOption):
    def detail(self, road: Model, road_type: str) -> Model:
        return getattr(road, self.accessor(road_type))  # type: ignore[no-any-return]

    def of_type(self, road_type: str) -> QuerySet[Any]:
        return RoadS.objects.filter(**{f"{self.accessor(road_type)}__isnull": False})

    def accessor(self, road_type: str) -> str:
        return DETAILS[road_type]._meta.get_field("road").remote_field.related_name  # type: ignore[union-attr,return-value]

    def queryset(self, road_type: str) -> QuerySet[Any]:
        """Roads of a type, each with its detail row joined (INNER JOIN: only this type)."""
        child = self.accessor(road_type)
        return RoadS.objects.select_related(child).filter(**{f"{child}__isnull": False})

    def path(self, road_type: str, attribute: str) -> str:
        if attribute in ("id", "pk", *COMMON):
            return attribute
        return f"{self.accessor(road_type)}__{attribute}"

    def new_road(self, road_type: str, i: int) -> Model:
        common, detail = split(road_type, i)
        road = RoadS(**common)
        setattr(road, self.accessor(road_type), DETAILS[road_type](road=road, **detail))
        return road

    def save_new(self, road_type: str, i: int) -> Model:
        """Two saves: the road, then its detail row (atomic, as one road must be)."""
        common, detail = split(road_type, i)
        with transaction.atomic():
            road = RoadS.objects.create(**common)
            DETAILS[road_type].objects.create(road=road, **detail)
        return road

    def bulk_create(self, road_type: str, count: int, batch_size: int) -> None:
        """bulk_create the roads (ids come back), then their detail rows."""
        pairs = [split(road_type, i) for i in range(count)]
        with transaction.atomic():
            roads = RoadS.objects.bulk_create(
                [RoadS(**common) for common, _ in pairs], batch_size=batch_size
            )
            DETAILS[road_type].objects.bulk_create(
                [
                    DETAILS[road_type](road=road, **detail)
                    for road, (_, detail) in zip(roads, pairs, strict=True)
                ],
                batch_size=batch_size,
            )

    def fast_insert(self, road_type: str, count: int) -> None:
        from roadbench.database.fastpath import insert_model_rows, reserve_ids

        pairs = [split(road_type, i) for i in range(count)]
        ids = reserve_ids(RoadS, count)
        insert_model_rows(RoadS, [{**c, "id": pk} for (c, _), pk in zip(pairs, ids, strict=True)])
        insert_model_rows(
            DETAILS[road_type],
            [{**d, "road_id": pk} for (_, d), pk in zip(pairs, ids, strict=True)],
        )

    def delete_all(self, road_type: str) -> int:
        """Delete the roads; Django's collector deletes their detail rows first."""
        _total, per_model = self.queryset(road_type).delete()
        return per_model.get(RoadS._meta.label, 0)

    def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
        return self.of_type(road_type), self.accessor(road_type)

    def _detail(self, road: Model) -> Listing:
        for road_type in ROAD_TYPES:
            try:
                detail = getattr(road, self.accessor(road_type))
            except ObjectDoesNotExist:
                continue
            return [(road_type, getattr(detail, SPECIFIC[road_type][0]))]
        raise AssertionError(f"road {road.pk} has no detail row")

    def listing_naive(self) -> Listing:
        """Roads, then each detail accessor in turn: a query per road and type tried."""
        return [item for road in RoadS.objects.all() for item in self._detail(road)]

    def listing_best(self) -> Listing:
        """One query: roads LEFT JOINed to both detail tables."""
        roads = RoadS.objects.select_related(*(self.accessor(t) for t in ROAD_TYPES))
        return [item for road in roads for item in self._detail(road)]


OPTION = SiblingOption(
    number=4,
    key="sibling",
    name="sibling composition",
    description="A road table plus one detail table per type, joined by an explicit OneToOneField.",
    models=(RoadS, FreewayS, TollroadS),
    freeway_model=RoadS,
    tollroad_model=RoadS,
    base_model=RoadS,
    details=DETAILS,
    expected_queries={
        "create/save": (4.0, 0),
        "create/atomic": (4.0, 2),
        "create/bulk": (0.0, 8),
        "select/objects": (0.0, 4),
        "select/all_roads_naive": (1.5, 1),
        "select/all_roads_detail": (0.0, 1),
        "modify/save": (4.0, 2),
        "modify/update": (0.0, 6),
        "modify/bulk_update": (0.0, 14),
        "delete/each": (5.0, 2),
        "delete/queryset": (0.0, 12),
    },
)
