"""create: write n entities (split over the study's types by weight) into empty tables."""

from __future__ import annotations

from functools import partial

from django.db import connection, transaction

from roadbench.database.backend import no_bulk_ids_reason
from roadbench.database.django_internals import (
    all_columns,
    batch_size_limit,
    insert_rows,
    own_columns,
    parent_links,
)
from roadbench.database.fastpath import insert_entities
from roadbench.designs.base import RoadOption
from roadbench.ops.asynchronous import async_method, in_tasks
from roadbench.ops.base import BATCH_SIZE, EMPTY, LOADED, CompareRow, Method, Operation
from roadbench.ops.checks import check_affected, check_roads

# At many scale, option 3's atomic create (one save() per road) runs on this share of the rows.
ATOMIC_SHARE = 10


def _each_road(option: RoadOption, rows: int) -> list[tuple[str, int]]:
    return [
        (road_type, i)
        for road_type, count in option.study.split(rows).items()
        for i in range(count)
    ]


def create_save(option: RoadOption, rows: int) -> int:
    # Built inside the timed part: constructing instances is part of what save() costs.
    for road_type, i in _each_road(option, rows):
        option.save_new(road_type, i)
    return rows


def create_atomic(option: RoadOption, rows: int) -> int:
    with transaction.atomic():
        for road_type, i in _each_road(option, rows):
            option.save_new(road_type, i)
    return rows


def create_bulk(option: RoadOption, rows: int) -> int:
    for road_type, count in option.study.split(rows).items():
        option.bulk_create(road_type, count, BATCH_SIZE)
    return rows


def bulk_unsupported(option: RoadOption) -> str | None:
    return option.bulk_create_unsupported()


def create_bulk_mti(option: RoadOption, rows: int) -> int:
    """bulk_create the parent rows, then insert the child rows pointing at their ids.

    roadbench's technique for multi-table inheritance, where Django's bulk_create refuses.
    Like bulk_create it calls no save() and sends no signals.
    """
    with transaction.atomic():
        for road_type, count in option.study.split(rows).items():
            model = option.model_for(road_type)
            ((parent, link),) = parent_links(model).items()
            children = [option.new_road(road_type, i) for i in range(count)]
            parent_fields = [f.attname for f in all_columns(parent) if not f.primary_key]
            parents = [parent(**{a: getattr(c, a) for a in parent_fields}) for c in children]
            parent._default_manager.bulk_create(parents, batch_size=BATCH_SIZE)
            for child, parent_row in zip(children, parents, strict=True):
                setattr(child, link.attname, parent_row.pk)
                child.pk = parent_row.pk
            child_fields = own_columns(model)
            # As bulk_create does: never more parameters per statement than the backend takes.
            batch = min(BATCH_SIZE, batch_size_limit(connection, child_fields, children))
            for start in range(0, count, batch):
                insert_rows(model, children[start : start + batch], child_fields)
    return rows


def bulk_mti_unsupported(option: RoadOption) -> str | None:
    links = [parent_links(option.model_for(t)) for t in option.types]
    # One concrete parent reached through a parent link (a proxy's parent has no link).
    if not all(len(p) == 1 and None not in p.values() for p in links):
        return (
            "bulk-mti is roadbench's technique for multi-table inheritance; "
            f"option {option.number}'s {option.study.plural} have no concrete parent model: "
            "use bulk"
        )
    if not connection.features.can_return_rows_from_bulk_insert:
        return no_bulk_ids_reason()
    return None


def create_raw(option: RoadOption, rows: int) -> int:
    return insert_entities(option, option.study.split(rows))


async def create_acreate(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_type: str, i: int) -> int:
        await option.acreate_new(road_type, i)
        return 1

    return await in_tasks([partial(one, t, i) for t, i in _each_road(option, rows)], concurrency)


async def create_abulk_create(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_type: str, count: int) -> int:
        await option.abulk_create(road_type, count, BATCH_SIZE)
        return count

    split = option.study.split(rows).items()
    return await in_tasks([partial(one, t, n) for t, n in split], concurrency)


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    check_affected("create", option, affected, rows)
    check_roads(option, rows, what="create")


OPERATION = Operation(
    name="create",
    description="Write n entities, split over the types by their weights, into empty tables.",
    methods={
        m.name: m
        for m in (
            Method("save", "Model.save() per entity, each in its own autocommit", create_save),
            Method(
                "atomic",
                "Model.save() per entity, all inside one transaction.atomic()",
                create_atomic,
            ),
            Method(
                "bulk",
                f"QuerySet.bulk_create(batch_size={BATCH_SIZE}) per type",
                create_bulk,
                unsupported_reason=bulk_unsupported,
            ),
            Method(
                "bulk-mti",
                "roadbench: bulk_create the parents, then insert the children with their ids",
                create_bulk_mti,
                unsupported_reason=bulk_mti_unsupported,
                technique="roadbench",
            ),
            Method(
                "raw",
                "the database's own fast path: executemany (SQLite), COPY (PostgreSQL), "
                "LOAD DATA LOCAL INFILE or multi-row INSERT (MySQL/MariaDB)",
                create_raw,
                technique="database",
            ),
            async_method(
                "acreate",
                "async: await Manager.acreate() per entity (a design whose create is several "
                "ORM calls: its save in one sync_to_async)",
                create_acreate,
                mirrors="save",
            ),
            async_method(
                "abulk_create",
                f"async: await QuerySet.abulk_create(batch_size={BATCH_SIZE}) per type",
                create_abulk_create,
                mirrors="bulk",
                unsupported_reason=bulk_unsupported,
            ),
        )
    },
    needs=EMPTY,
    leaves=LOADED,
    verify=_verify,
    compare_methods={"few": ("save",), "many": ("bulk", "bulk-mti")},
    compare_rows=(
        CompareRow("raw limit", "limit", {"few": "raw", "many": "raw"}),
        # A tenth of the rows: one save() per road is linear in them, and at 500,000 this one
        # context figure took longer than the rest of the table.
        CompareRow(
            "create, atomic",
            "extra",
            {"many": "atomic"},
            share=ATOMIC_SHARE,
            label="{name} ({rows:,} roads)",
            note="the method the seed study had to use for option 3, measured at "
            f"1/{ATOMIC_SHARE} of the rows ('× raw' compares time per road)",
            not_beside=("bulk",),
        ),
    ),
    default_method="save",
    order=10,
)
