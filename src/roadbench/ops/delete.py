"""delete: remove every stored entity."""

from __future__ import annotations

from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from roadbench.database.backend import current_backend
from roadbench.database.fastpath import count_rows
from roadbench.designs.base import RoadOption
from roadbench.errors import Unsupported
from roadbench.ops.asynchronous import Unit, async_method, in_tasks
from roadbench.ops.base import EMPTY, LOADED, Method, Operation
from roadbench.ops.checks import check, check_affected
from roadbench.ops.mti import (
    database_cascade_unsupported,
    deferrable_unsupported,
    delete_by_subquery,
    mti_tables,
    mti_unsupported,
)


def delete_each(option: RoadOption, rows: int) -> int:
    deleted = 0
    for road_type in option.types:
        for road in list(option.queryset(road_type)):
            option.delete_road(road, road_type)
            deleted += 1
    return deleted


def delete_queryset(option: RoadOption, rows: int) -> int:
    deleted = 0
    for road_type in option.types:
        # Roads, not table rows: a multi-table child's delete also reports its parent rows.
        deleted += option.delete_all(road_type)
    return deleted


async def delete_adelete(option: RoadOption, rows: int, concurrency: int) -> int:
    """Each type's entities read with one async for, then adelete()d, one unit each."""

    async def one(road: Model, road_type: str) -> int:
        await option.adelete_road(road, road_type)
        return 1

    units: list[Unit] = []
    for road_type in option.types:
        roads = [road async for road in option.queryset(road_type)]
        units.extend(partial(one, road, road_type) for road in roads)
    return await in_tasks(units, concurrency)


async def delete_adelete_queryset(option: RoadOption, rows: int, concurrency: int) -> int:
    return await in_tasks([partial(option.adelete_all, t) for t in option.types], concurrency)


def delete_mti(option: RoadOption, rows: int) -> int:
    """Two DELETEs per type (the parents by subquery on the child, then the children), in one
    transaction."""
    with transaction.atomic():
        return sum(delete_by_subquery(option, road_type) for road_type in option.types)


def delete_mti_unsupported(option: RoadOption) -> str | None:
    return (
        mti_unsupported("delete-mti", "queryset", option)
        or database_cascade_unsupported(option)
        or deferrable_unsupported(option)
    )


def delete_mti_fk_once(option: RoadOption, rows: int) -> int:
    """delete-mti's four DELETEs, with every foreign key referencing the deleted tables
    suspended for them and checked once, set-based, before the commit (the database's
    per-row checks of the parent links were most of delete-mti's time).

    A key failing the check is a row elsewhere still pointing at a road (a relation the
    collector would follow): the case cannot run on this data, not a bug (exit 4)."""
    try:
        with current_backend().foreign_keys_checked_once(connection, mti_tables(option)):
            return sum(delete_by_subquery(option, road_type) for road_type in option.types)
    except IntegrityError as exc:
        raise Unsupported(
            f"delete-mti-fk-once on option {option.number}: {' '.join(str(exc).split())} "
            f"(it does not follow relations to the {option.study.plural}: use queryset)"
        ) from exc


def delete_mti_fk_once_unsupported(option: RoadOption) -> str | None:
    technique = mti_unsupported("delete-mti-fk-once", "queryset", option)
    return technique or database_cascade_unsupported(option)


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    check_affected("delete", option, affected, rows)
    left = {table: n for table, n in count_rows(option).items() if n}
    check(not left, f"delete on option {option.number} left rows behind: {left}")


OPERATION = Operation(
    name="delete",
    description="Delete every stored entity.",
    methods={
        m.name: m
        for m in (
            Method("each", "Model.delete() per entity (autocommit)", delete_each),
            Method("queryset", "QuerySet.delete() per type", delete_queryset),
            # Before delete-mti: compare's many-scale row for option 3 takes the first
            # supported technique that replaces queryset.
            Method(
                "delete-mti-fk-once",
                "roadbench: delete-mti with the foreign keys referencing the deleted tables "
                "checked once, set-based, before the commit instead of row by row",
                delete_mti_fk_once,
                unsupported_reason=delete_mti_fk_once_unsupported,
                technique="roadbench",
                replaces="queryset",
            ),
            Method(
                "delete-mti",
                "roadbench: DELETE the parents WHERE id IN (a subquery on the child), then the "
                "children, without Django's collector",
                delete_mti,
                unsupported_reason=delete_mti_unsupported,
                technique="roadbench",
                replaces="queryset",
            ),
            async_method(
                "adelete",
                "async: each entity read with async for, then await Model.adelete()",
                delete_adelete,
                mirrors="each",
            ),
            async_method(
                "adelete_queryset",
                "async: await QuerySet.adelete() per type",
                delete_adelete_queryset,
                mirrors="queryset",
            ),
        )
    },
    needs=LOADED,
    leaves=EMPTY,
    verify=_verify,
    compare_methods={"few": ("each",), "many": ("queryset",)},
    default_method="each",
    order=40,
)
