"""modify: change every stored road (one common and one type-specific attribute)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Model

from roadbench.data import ROAD_TYPES, split
from roadbench.models.base import RoadOption
from roadbench.ops.base import BATCH_SIZE, CHANGED, LOADED, Method, Operation, database_limits
from roadbench.ops.checks import SPECIFIC, check_affected, check_roads


def _change(road: Model, road_type: str) -> None:
    column, step = SPECIFIC[road_type]
    road.lanes += 1  # type: ignore[attr-defined]
    setattr(road, column, getattr(road, column) + step)


def modify_save(option: RoadOption, rows: int) -> int:
    changed = 0
    for road_type in ROAD_TYPES:
        for road in option.queryset(road_type):
            _change(road, road_type)
            road.save()
            changed += 1
    return changed


def modify_update(option: RoadOption, rows: int) -> int:
    changed = 0
    # On a multi-table child Django selects the ids, then updates the parent WHERE id IN (...).
    with database_limits("QuerySet.update on a multi-table child"), transaction.atomic():
        for road_type in ROAD_TYPES:
            column, step = SPECIFIC[road_type]
            values: dict[str, Any] = {"lanes": F("lanes") + 1, column: F(column) + step}
            changed += option.queryset(road_type).update(**values)
    return changed


def modify_bulk_update(option: RoadOption, rows: int) -> int:
    changed = 0
    for road_type in ROAD_TYPES:
        column, _step = SPECIFIC[road_type]
        roads = list(option.queryset(road_type))
        for road in roads:
            _change(road, road_type)
        model = option.model_for(road_type)
        changed += model._default_manager.bulk_update(
            roads, ["lanes", column], batch_size=BATCH_SIZE
        )
    return changed


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    # QuerySet.update on a multi-table child counts only the child table's rows: still one per road.
    check_affected("modify", option, affected, sum(split(rows)))
    check_roads(option, rows, modified=True, what="modify")


OPERATION = Operation(
    name="modify",
    description="Change one common and one type-specific attribute of every stored road.",
    methods={
        m.name: m
        for m in (
            Method("save", "load each road, change it, Model.save() (autocommit)", modify_save),
            Method("update", "QuerySet.update() with F() expressions per type", modify_update),
            Method(
                "bulk_update",
                f"load, change, QuerySet.bulk_update(batch_size={BATCH_SIZE})",
                modify_bulk_update,
            ),
        )
    },
    needs=LOADED,
    leaves=CHANGED,
    verify=_verify,
    compare_methods={"few": ("save",), "many": ("update", "bulk_update")},
    default_method="save",
)
