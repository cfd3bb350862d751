"""modify: change every stored entity (one common and one type-specific number, as the study
says: ``Study.changes``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from roadbench.designs.base import RoadOption
from roadbench.ops.asynchronous import Unit, async_method, in_tasks
from roadbench.ops.base import BATCH_SIZE, CHANGED, LOADED, Method, Operation, database_limits
from roadbench.ops.checks import check_affected, check_roads
from roadbench.ops.mti import mti_unsupported, parent_of, update_by_subquery


def modify_save(option: RoadOption, rows: int) -> int:
    changed = 0
    for road_type in option.types:
        changes = option.study.changes(road_type)
        for road in option.queryset(road_type):
            for name, step in changes.items():
                option.change(road, road_type, name, step)
            option.save_changed(road, road_type)
            changed += 1
    return changed


def modify_update(option: RoadOption, rows: int) -> int:
    changed = 0
    # On a multi-table child Django selects the ids, then updates the parent WHERE id IN (...).
    with database_limits("QuerySet.update on a multi-table child"), transaction.atomic():
        for road_type in option.types:
            changed += option.update(road_type, option.study.changes(road_type))
    return changed


def counter_unsupported(option: RoadOption) -> str | None:
    """Every method of modify changes the study's counter: a study with none (a hierarchy
    with no number every type has) cannot run them, and says how to name one."""
    return option.study.counter_unsupported("modify adds 1 to a number every type has")


def update_unsupported(option: RoadOption) -> str | None:
    return counter_unsupported(option) or option.update_unsupported()


def modify_bulk_update(option: RoadOption, rows: int) -> int:
    changed = 0
    for road_type in option.types:
        changes = option.study.changes(road_type)
        roads = list(option.queryset(road_type))
        for road in roads:
            for name, step in changes.items():
                option.change(road, road_type, name, step)
        changed += option.bulk_update(road_type, roads, list(changes), BATCH_SIZE)
    return changed


def modify_update_mti(option: RoadOption, rows: int) -> int:
    """One UPDATE per table and type (the parent's by subquery on the child), one transaction."""
    changed = 0
    with transaction.atomic():
        for road_type in option.types:
            changed += update_by_subquery(option, road_type, option.study.changes(road_type))
    return changed


async def modify_asave(option: RoadOption, rows: int, concurrency: int) -> int:
    """Each type's entities read with one async for, then changed and asave()d, one unit each."""

    async def one(road: Model, road_type: str, changes: dict[str, Any]) -> int:
        for name, step in changes.items():
            option.change(road, road_type, name, step)
        await option.asave_changed(road, road_type)
        return 1

    units: list[Unit] = []
    for road_type in option.types:
        changes = option.study.changes(road_type)
        roads = [road async for road in option.queryset(road_type)]
        units.extend(partial(one, road, road_type, changes) for road in roads)
    return await in_tasks(units, concurrency)


async def modify_aupdate(option: RoadOption, rows: int, concurrency: int) -> int:
    """aupdate() per type, each in autocommit: Django has no async transaction.atomic()."""

    async def one(road_type: str) -> int:
        with database_limits("QuerySet.aupdate on a multi-table child"):
            return await option.aupdate(road_type, option.study.changes(road_type))

    return await in_tasks([partial(one, t) for t in option.types], concurrency)


def undo_modify(option: RoadOption, rows: int) -> bool:
    """Take the verified change back with one UPDATE per table, where rows change in place.

    SQLite rewrites a row where it is; PostgreSQL would add a dead version of every row (the
    table would grow with each value), so there the tables are reloaded instead.
    """
    if connection.vendor != "sqlite" or option.update_unsupported():
        return False
    with transaction.atomic():
        for road_type in option.types:
            back = {name: -step for name, step in option.study.changes(road_type).items()}
            # Django's update of a multi-table child sends one parameter per road.
            if parent_of(option.model_for(road_type)):
                update_by_subquery(option, road_type, back)
            else:
                option.update(road_type, back)
    return True


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    # QuerySet.update on a multi-table child counts only the child table's rows: still one per road.
    check_affected("modify", option, affected, rows)
    check_roads(option, rows, modified=True, what="modify")


OPERATION = Operation(
    name="modify",
    description="Change one common and one type-specific number of every stored entity.",
    methods={
        m.name: m
        for m in (
            Method(
                "save",
                "load each entity, change it, Model.save() (autocommit)",
                modify_save,
                unsupported_reason=counter_unsupported,
            ),
            Method(
                "update",
                "QuerySet.update() with F() expressions per type",
                modify_update,
                unsupported_reason=update_unsupported,
            ),
            Method(
                "bulk_update",
                f"load, change, QuerySet.bulk_update(batch_size={BATCH_SIZE})",
                modify_bulk_update,
                unsupported_reason=counter_unsupported,
            ),
            Method(
                "update-mti",
                "roadbench: UPDATE the parent table WHERE id IN (a subquery on the child), "
                "then the child table",
                modify_update_mti,
                unsupported_reason=lambda option: (
                    counter_unsupported(option) or mti_unsupported("update-mti", "update", option)
                ),
                technique="roadbench",
                replaces="update",
            ),
            async_method(
                "asave",
                "async: each entity read with async for, changed, await Model.asave()",
                modify_asave,
                mirrors="save",
                unsupported_reason=counter_unsupported,
            ),
            async_method(
                "aupdate",
                "async: await QuerySet.aupdate() with F() expressions per type (autocommit: "
                "no async atomic())",
                modify_aupdate,
                mirrors="update",
                unsupported_reason=update_unsupported,
            ),
        )
    },
    needs=LOADED,
    leaves=CHANGED,
    verify=_verify,
    undo=undo_modify,
    compare_methods={"few": ("save",), "many": ("update", "bulk_update")},
    default_method="save",
    order=30,
)
