"""Option 9: a generic foreign key (contenttypes) from each road to its detail row.

A road table holds the common attributes and a ``GenericForeignKey`` (content type + object
id) to a row of the freeway or tollroad detail table. Nothing in the database links the two:
no foreign key constraint, and ``select_related`` cannot follow the link; ``prefetch_related``
reads the detail rows with one query per content type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Model, QuerySet

from roadbench.designs.base import APP_LABEL, SPECIFIC, Listing
from roadbench.designs.roads._contenttypes import content_type_id
from roadbench.designs.roads._detail_tables import (
    COMMON,
    DetailTablesOption,
    FreewayColumns,
    TollroadColumns,
    split,
)
from roadbench.designs.roads.columns import CommonRoad
from roadbench.designs.roads.data import FREEWAY, ROAD_TYPES, TOLLROAD


class RoadG(CommonRoad):
    detail_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    detail_id = models.PositiveBigIntegerField()
    detail = GenericForeignKey("detail_type", "detail_id")

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roadg"


class FreewayG(FreewayColumns):
    # The reverse side: lets a road query filter on its detail (``freeway__speed_limit``) and
    # deletes the road with its detail row.
    roads = GenericRelation(
        RoadG,
        content_type_field="detail_type",
        object_id_field="detail_id",
        related_query_name=FREEWAY,
    )

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_freewayg"


class TollroadG(TollroadColumns):
    roads = GenericRelation(
        RoadG,
        content_type_field="detail_type",
        object_id_field="detail_id",
        related_query_name=TOLLROAD,
    )

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_tollroadg"


DETAILS: dict[str, type[Model]] = {FREEWAY: FreewayG, TOLLROAD: TollroadG}


@dataclass(frozen=True)
class GenericFkOption(DetailTablesOption):
    def detail(self, road: Model, road_type: str) -> Model:
        return road.detail  # type: ignore[attr-defined,no-any-return]

    def of_type(self, road_type: str) -> QuerySet[Any]:
        return RoadG.objects.filter(detail_type_id=content_type_id(DETAILS[road_type]))

    def queryset(self, road_type: str) -> QuerySet[Any]:
        """Roads of a type, their detail rows prefetched (a second query)."""
        return self.of_type(road_type).prefetch_related("detail")

    def path(self, road_type: str, attribute: str) -> str:
        return attribute if attribute in COMMON else f"{road_type}__{attribute}"

    def new_road(self, road_type: str, i: int) -> Model:
        common, detail = split(road_type, i)
        return RoadG(**common, detail=DETAILS[road_type](**detail))

    def save_new(self, road_type: str, i: int) -> Model:
        """The detail row first (the road points at it), then the road, atomically."""
        common, detail = split(road_type, i)
        with transaction.atomic():
            target = DETAILS[road_type].objects.create(**detail)
            return RoadG.objects.create(**common, detail=target)

    def bulk_create(self, road_type: str, count: int, batch_size: int) -> None:
        pairs = [split(road_type, i) for i in range(count)]
        with transaction.atomic():
            details = DETAILS[road_type].objects.bulk_create(
                [DETAILS[road_type](**d) for _, d in pairs], batch_size=batch_size
            )
            RoadG.objects.bulk_create(
                [RoadG(**c, detail=target) for (c, _), target in zip(pairs, details, strict=True)],
                batch_size=batch_size,
            )

    def fast_insert(self, road_type: str, count: int) -> None:
        from roadbench.database.fastpath import insert_model_rows, reserve_ids

        model = DETAILS[road_type]
        pairs = [split(road_type, i) for i in range(count)]
        ids = reserve_ids(model, count)
        insert_model_rows(model, [{**d, "id": pk} for (_, d), pk in zip(pairs, ids, strict=True)])
        ctype = content_type_id(model)
        insert_model_rows(
            RoadG,
            [
                {**c, "detail_type_id": ctype, "detail_id": pk}
                for (c, _), pk in zip(pairs, ids, strict=True)
            ],
        )

    def delete_road(self, road: Model, road_type: str) -> None:
        """Delete the detail row: its GenericRelation deletes the road with it."""
        road.detail.delete()  # type: ignore[attr-defined]

    def delete_all(self, road_type: str) -> int:
        _total, per_model = DETAILS[road_type].objects.all().delete()
        return per_model.get(RoadG._meta.label, 0)

    def related(self, road_type: str) -> tuple[QuerySet[Any], str] | None:
        return self.of_type(road_type), "detail"

    def select_related_unsupported(self) -> str | None:
        return "Django: select_related() cannot follow a GenericForeignKey; use prefetch_related"

    def _listing(self, roads: QuerySet[Any]) -> Listing:
        types = {content_type_id(DETAILS[t]): t for t in ROAD_TYPES}
        return [
            (
                types[road.detail_type_id],
                getattr(road.detail, SPECIFIC[types[road.detail_type_id]][0]),
            )
            for road in roads
        ]

    def listing_naive(self) -> Listing:
        """Roads, then ``road.detail`` of each: a query per road."""
        return self._listing(RoadG.objects.all())

    def listing_best(self) -> Listing:
        """Roads, then their details with one query per content type (1 + 2)."""
        return self._listing(RoadG.objects.prefetch_related("detail"))


OPTION = GenericFkOption(
    number=9,
    key="generic-fk",
    name="generic foreign key",
    description="A road table with a GenericForeignKey to a freeway or tollroad detail row.",
    models=(RoadG, FreewayG, TollroadG),
    freeway_model=RoadG,
    tollroad_model=RoadG,
    base_model=RoadG,
    details=DETAILS,
    support_models=(ContentType,),
    expected_queries={
        "create/save": (4.0, 0),
        "create/atomic": (4.0, 2),
        "create/bulk": (0.0, 8),
        "select/objects": (0.0, 7),
        "select/all_roads_naive": (1.0, 1),
        "select/all_roads_detail": (0.0, 3),
        "modify/save": (4.0, 4),
        "modify/update": (0.0, 6),
        "modify/bulk_update": (0.0, 16),
        "delete/each": (4.0, 4),
        "delete/queryset": (0.0, 10),
    },
)
