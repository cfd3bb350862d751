"""Option 5: semi-structured. One table: the common columns plus one JSON column.

A type column says what a road is; its type-specific attributes live in ``attrs`` (a
JSONField), filtered with key lookups (``attrs__speed_limit__gte``). No schema change per
type, but the database neither checks nor types what is inside the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Expression, F, FloatField, Index, Model
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from roadbench.designs.base import APP_LABEL, ONE_ROW_QUERIES, SPECIFIC, Listing, RoadOption
from roadbench.designs.roads.columns import TypedRoad
from roadbench.designs.roads.data import FREEWAY, TOLLROAD, road_fields

COMMON = ("id", "pk", "name", "length_km", "lanes", "opened")
# Why update() cannot change an attribute kept in the JSON document (shapes' JSON design too).
NO_KEY_UPDATE = (
    "Django has no expression that changes one key of a JSONField inside "
    "QuerySet.update() (no JSONSet): use bulk_update or save"
)


class RoadJ(TypedRoad):
    attrs = models.JSONField()

    class Meta:
        app_label = APP_LABEL
        db_table = "roadbench_roadj"


def _document(road_type: str, i: int) -> dict[str, Any]:
    """The type-specific attributes as JSON values (a decimal toll as a number)."""
    values = road_fields(road_type, i)
    return {k: float(v) if k == "toll_amount" else v for k, v in values.items() if k not in COMMON}


@dataclass(frozen=True)
class JsonOption(RoadOption):
    def path(self, road_type: str, attribute: str) -> str:
        return attribute if attribute in COMMON else f"attrs__{attribute}"

    def expression(self, road_type: str, attribute: str) -> Expression:
        if attribute in COMMON:
            return F(attribute)
        return Cast(KeyTextTransform(attribute, "attrs"), FloatField())

    def value(self, road: Model, road_type: str, attribute: str) -> Any:
        if attribute in COMMON:
            return getattr(road, attribute)
        return road.attrs[attribute]  # type: ignore[attr-defined]

    def row_values(self, road_type: str, i: int) -> dict[str, Any]:
        common = {k: v for k, v in road_fields(road_type, i).items() if k in COMMON}
        return {"road_type": road_type, **common, "attrs": _document(road_type, i)}

    def change(self, road: Model, road_type: str, attribute: str, step: Any) -> None:
        if attribute in COMMON:
            setattr(road, attribute, getattr(road, attribute) + step)
        else:
            road.attrs[attribute] += step  # type: ignore[attr-defined]

    def update_unsupported(self) -> str | None:
        return NO_KEY_UPDATE

    def bulk_update(
        self, road_type: str, roads: list[Model], attributes: list[str], batch_size: int
    ) -> int:
        columns = list(dict.fromkeys(a if a in COMMON else "attrs" for a in attributes))
        return RoadJ.objects.bulk_update(roads, columns, batch_size=batch_size)

    def index(self, road_type: str, attribute: str, prefix: str) -> tuple[type[Model], Index]:
        """On a JSON key, an expression index on ``attrs -> key`` (what the filter compares)."""
        name = f"{prefix}_roadj"
        if attribute in COMMON:
            return RoadJ, Index(fields=[attribute], name=name)
        return RoadJ, Index(KeyTransform(attribute, "attrs"), name=name)

    def listing_best(self) -> Listing:
        """One query: the type column and the document of every road."""
        rows = RoadJ.objects.values_list("road_type", "attrs")
        return [(road_type, attrs[SPECIFIC[road_type][0]]) for road_type, attrs in rows]

    def listing_naive(self) -> Listing:
        return [
            (road.road_type, road.attrs[SPECIFIC[road.road_type][0]])
            for road in RoadJ.objects.all()
        ]


OPTION = JsonOption(
    number=5,
    key="json",
    name="JSONField",
    description="One table: the common columns plus a JSON column for the type's attributes.",
    models=(RoadJ,),
    freeway_model=RoadJ,
    tollroad_model=RoadJ,
    base_model=RoadJ,
    type_values={FREEWAY: {"road_type": FREEWAY}, TOLLROAD: {"road_type": TOLLROAD}},
    expected_queries={k: v for k, v in ONE_ROW_QUERIES.items() if k != "modify/update"},
)
