"""What the two composition designs share: a road row plus a detail row per road.

Sibling composition (4) and the generic foreign key (9) keep the common attributes on a road
model and the type-specific ones on a detail model per type; they differ only in how a road
reaches its detail row (``detail``) and how the rows are linked when written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Model, QuerySet

from roadbench.database.backend import no_bulk_ids_reason
from roadbench.designs.base import RoadOption
from roadbench.designs.roads.columns import FreewayColumns, TollroadColumns
from roadbench.designs.roads.data import road_fields

__all__ = ["COMMON", "DetailTablesOption", "FreewayColumns", "TollroadColumns", "split"]

COMMON = ("id", "pk", "name", "length_km", "lanes", "opened")


def split(road_type: str, i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Road ``i``'s values for the road row and for its detail row."""
    values = road_fields(road_type, i)
    common = {k: v for k, v in values.items() if k in COMMON}
    return common, {k: v for k, v in values.items() if k not in COMMON}


@dataclass(frozen=True)
class DetailTablesOption(RoadOption):
    """Two rows per road; the ops' writes touch both, each in one transaction."""

    rows_per_road: int = 2
    details: dict[str, type[Model]] | None = None

    def detail_model(self, road_type: str) -> type[Model]:
        assert self.details is not None
        return self.details[road_type]

    def detail(self, road: Model, road_type: str) -> Model:
        raise NotImplementedError

    def of_type(self, road_type: str) -> QuerySet[Any]:
        """A type's road rows, without their detail rows."""
        raise NotImplementedError

    def value(self, road: Model, road_type: str, attribute: str) -> Any:
        owner = road if attribute in COMMON else self.detail(road, road_type)
        return getattr(owner, attribute)

    def bulk_create_unsupported(self) -> str | None:
        # The second table's rows need the first's ids back from the bulk insert.
        if not connection.features.can_return_rows_from_bulk_insert:
            return no_bulk_ids_reason()
        return None

    def change(self, road: Model, road_type: str, attribute: str, step: Any) -> None:
        owner = road if attribute in COMMON else self.detail(road, road_type)
        setattr(owner, attribute, getattr(owner, attribute) + step)

    def save_changed(self, road: Model, road_type: str) -> None:
        """Both rows changed: two UPDATEs, in one transaction."""
        with transaction.atomic():
            road.save()
            self.detail(road, road_type).save()

    def update(self, road_type: str, steps: dict[str, Any]) -> int:
        """One UPDATE per table: Django's update() sets the columns of one table only."""
        common = {a: F(a) + s for a, s in steps.items() if a in COMMON}
        detail = {a: F(a) + s for a, s in steps.items() if a not in COMMON}
        changed = self.of_type(road_type).update(**common)
        self.detail_model(road_type)._default_manager.update(**detail)
        return changed

    def bulk_update(
        self, road_type: str, roads: list[Model], attributes: list[str], batch_size: int
    ) -> int:
        common = [a for a in attributes if a in COMMON]
        detail = [a for a in attributes if a not in COMMON]
        changed = self.models[0]._default_manager.bulk_update(roads, common, batch_size=batch_size)
        details = [self.detail(r, road_type) for r in roads]
        self.detail_model(road_type)._default_manager.bulk_update(
            details, detail, batch_size=batch_size
        )
        return changed

    def index(self, road_type: str, attribute: str, prefix: str) -> tuple[type[Model], Any]:
        model = self.models[0] if attribute in COMMON else self.detail_model(road_type)
        return model, models.Index(fields=[attribute], name=f"{prefix}_{model._meta.model_name}")
