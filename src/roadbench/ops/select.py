"""select: reads over n stored entities, every row fully consumed.

Two families of methods. The *filtered* ones run the same filters (per type, one on a common
and one on a type-specific field: the study's ``select_filters``) in different ways. The
*listing* ones read every entity with a type-specific field, the way a listing page does,
through each design's shared entry point: they show the N+1 queries of multi-table
inheritance and what cuts them. Which fields each reads comes from the study (see
``designs.study``), never from a name written here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import Any

import django
from django.core.cache import cache
from django.db import connection
from django.db.models import Index, Model, QuerySet

from roadbench.designs.base import RoadOption
from roadbench.designs.study import RangeFilter, Study
from roadbench.ops.asynchronous import async_method, in_tasks
from roadbench.ops.base import LOADED, Method, Operation
from roadbench.ops.checks import check_affected


def lookup(option: RoadOption, road_filter: RangeFilter) -> dict[str, Any]:
    """The filter on the design's path to the field."""
    path = option.path(road_filter.type_key, road_filter.field)
    found = {f"{path}__gte": road_filter.low}
    if road_filter.high is not None:
        found[f"{path}__lt"] = road_filter.high
    return found


def matches(study: Study, road_filter: RangeFilter, i: int) -> bool:
    value = study.values(road_filter.type_key, i)[road_filter.field]
    return bool(value >= road_filter.low and (road_filter.high is None or value < road_filter.high))


def columns(study: Study, entity_type: str) -> tuple[str, ...]:
    """The columns every entity of a type has (the same data the model objects carry)."""
    return ("id", *study.fields_of(entity_type))


# Worked out once per size: at 500,000 entities it costs seconds of Python per check.
@functools.lru_cache(maxsize=32)
def expected_rows(study: Study, rows: int, filters: tuple[RangeFilter, ...]) -> int:
    """How many rows the filters return over entity 0..n-1 of each type."""
    counts = study.split(rows)
    return sum(sum(1 for i in range(counts[f.type_key]) if matches(study, f, i)) for f in filters)


def _filtered(option: RoadOption, road_filter: RangeFilter) -> QuerySet[Any]:
    return option.queryset(road_filter.type_key).filter(**lookup(option, road_filter))


def _paths(option: RoadOption, road_type: str, attributes: tuple[str, ...]) -> list[str]:
    return [option.path(road_type, a) for a in attributes]


# --- filtered reads -------------------------------------------------------------------------


def select_objects(option: RoadOption, rows: int) -> int:
    return sum(len(list(_filtered(option, f))) for f in option.study.select_filters)


def select_values_list(option: RoadOption, rows: int) -> int:
    return sum(
        len(
            list(
                _filtered(option, f).values_list(
                    *_paths(option, f.type_key, columns(option.study, f.type_key))
                )
            )
        )
        for f in option.study.select_filters
    )


def select_only(option: RoadOption, rows: int) -> int:
    return sum(
        # select_related(None): a design that joins a detail row can't also defer it.
        len(
            list(
                _filtered(option, f)
                .select_related(None)
                .only(*_paths(option, f.type_key, option.study.listing))
            )
        )
        for f in option.study.select_filters
    )


def select_iterator(option: RoadOption, rows: int) -> int:
    read = 0
    for road_filter in option.study.select_filters:
        for _road in _filtered(option, road_filter).iterator(chunk_size=2000):
            read += 1
    return read


def _cache_key(option: RoadOption, road_filter: RangeFilter) -> str:
    return f"roadbench:{option.number}:{road_filter.type_key}:{road_filter.field}"


def fill_cache(option: RoadOption, rows: int) -> None:
    """Untimed: the first read, which stores each filter's roads in Django's cache."""
    clear_cache(option, rows)
    for road_filter in option.study.select_filters:
        cache.set(_cache_key(option, road_filter), list(_filtered(option, road_filter)), None)


def select_cached(option: RoadOption, rows: int) -> int:
    read = 0
    for road_filter in option.study.select_filters:
        roads = cache.get(_cache_key(option, road_filter))
        if roads is None:  # a miss would be a bug in the preparation; count it honestly
            roads = list(_filtered(option, road_filter))
        read += len(roads)
    return read


def clear_cache(option: RoadOption, rows: int) -> None:
    # Only roadbench's keys: clear() on a Redis cache would flush the whole Redis database.
    cache.delete_many([_cache_key(option, f) for f in option.study.select_filters])


def select_range(option: RoadOption, rows: int) -> int:
    return sum(len(list(_filtered(option, f))) for f in option.study.select_range_filters)


def _length_indexes(option: RoadOption) -> list[tuple[type[Model], Index]]:
    """An index on the range filter's field for each table that holds it (one per table)."""
    indexes = dict(
        option.index(f.type_key, f.field, "rb_len") for f in option.study.select_range_filters
    )
    return sorted(indexes.items(), key=lambda item: item[0]._meta.db_table)


def index_skipped(index: Index) -> str | None:
    """Why Django would not build this index as written on this database, in its own words
    (its checks W037 and W043). Django skips such an index silently, so a method timed
    "indexed" would time a scan and say it used an index."""
    features, database = connection.features, connection.display_name
    if index.contains_expressions and not features.supports_expression_indexes:
        return (
            f"Django: {database} does not support indexes on expressions (an index won't be "
            "created)"
        )
    if index.condition is not None and not features.supports_partial_indexes:
        return f"Django: {database} does not support indexes with conditions (ignored)"
    return None


def range_unsupported(option: RoadOption) -> str | None:
    """The range reads filter a number every type has: a study with none has no range."""
    if option.study.select_range_filters:
        return None
    return option.study.counter_unsupported("the range filter reads a number every type has")


def length_index_unsupported(option: RoadOption) -> str | None:
    return range_unsupported(option) or next(
        filter(None, (index_skipped(i) for _m, i in _length_indexes(option))), None
    )


def specific_index_unsupported(option: RoadOption) -> str | None:
    (road_filter,) = option.study.select_specific_filters
    _model, index = _specific_index(option)
    reason = index_skipped(index)
    where = f"a {road_filter.type_key}'s {road_filter.field}"
    return f"no index on {where} here: {reason}" if reason else None


def _specific_index(option: RoadOption) -> tuple[type[Model], Index]:
    (road_filter,) = option.study.select_specific_filters
    return option.index(road_filter.type_key, road_filter.field, "rb_exits")


def add_length_index(option: RoadOption, rows: int) -> None:
    with connection.schema_editor() as editor:
        for model, index in _length_indexes(option):
            editor.add_index(model, index)
    from roadbench.database.fastpath import analyze

    analyze(option)


def drop_length_index(option: RoadOption, rows: int) -> None:
    with connection.schema_editor() as editor:
        for model, index in _length_indexes(option):
            editor.remove_index(model, index)


def select_specific(option: RoadOption, rows: int) -> int:
    return sum(len(list(_filtered(option, f))) for f in option.study.select_specific_filters)


def add_specific_index(option: RoadOption, rows: int) -> None:
    """An index on the type-specific field, wherever the design keeps it (column or JSON key)."""
    with connection.schema_editor() as editor:
        editor.add_index(*_specific_index(option))
    from roadbench.database.fastpath import analyze

    analyze(option)


def drop_specific_index(option: RoadOption, rows: int) -> None:
    with connection.schema_editor() as editor:
        editor.remove_index(*_specific_index(option))


# --- listings: every road with a type-specific attribute ------------------------------------


def _specific(option: RoadOption, road: Model, road_type: str) -> Any:
    return option.value(road, road_type, option.study.specific_field(road_type))


def list_naive(option: RoadOption, rows: int) -> int:
    """Each type's roads, then the type-specific attribute of each, as code often does.

    Where the attribute sits in another table (multi-table inheritance, a sibling) the
    listing starts from the base rows and each ``road.freewayc`` is a query of its own: 2 + N.
    """
    read = 0
    for road_type in option.types:
        related = option.related(road_type)
        if related is None:
            for road in option.queryset(road_type):
                _specific(option, road, road_type)
                read += 1
            continue
        base_rows, child = related
        for road in base_rows:
            # The related row is a model of its own, with the attribute as a field.
            getattr(getattr(road, child), option.study.specific_field(road_type))
            read += 1
    return read


def _list_with_children(option: RoadOption, fetch: Callable[[QuerySet[Any], str], Any]) -> int:
    """The naive listing, with the base rows' query changed by ``fetch(base_rows, child)``."""
    read = 0
    for road_type in option.types:
        related = option.related(road_type)
        assert related is not None, "guarded by needs_relation"
        base_rows, child = related
        for road in fetch(base_rows, child):
            getattr(getattr(road, child), option.study.specific_field(road_type))
            read += 1
    return read


def list_select_related(option: RoadOption, rows: int) -> int:
    return _list_with_children(option, lambda base_rows, child: base_rows.select_related(child))


def list_prefetch_related(option: RoadOption, rows: int) -> int:
    return _list_with_children(option, lambda base_rows, child: base_rows.prefetch_related(child))


def list_fetch_peers(option: RoadOption, rows: int) -> int:
    """The naive loop under Django 6.1's ``fetch_mode(FETCH_PEERS)``: Django itself fetches
    the child rows of every road of the query at the first access, in one query."""
    from django.db.models import FETCH_PEERS  # type: ignore[attr-defined,unused-ignore]

    return _list_with_children(option, lambda base_rows, child: base_rows.fetch_mode(FETCH_PEERS))


def needs_fetch_modes(option: RoadOption) -> str | None:
    if django.VERSION < (6, 1):
        return f"needs Django 6.1 (fetch modes); this is Django {django.get_version()}"
    return needs_relation(option)


def needs_relation(option: RoadOption) -> str | None:
    if all(option.related(t) is not None for t in option.types):
        return None
    return (
        f"option {option.number} keeps each {option.study.entity} in one row: there is no "
        "related table to join"
    )


def needs_join(option: RoadOption) -> str | None:
    return needs_relation(option) or option.select_related_unsupported()


# --- all roads of every type ----------------------------------------------------------------


def all_roads(option: RoadOption, rows: int) -> int:
    """Every entity's common fields, in one query where the design has a table for them."""
    return option.count_common(("id", *option.study.common))


def all_roads_naive(option: RoadOption, rows: int) -> int:
    """Every road with its type-specific attributes, the way code is first written."""
    return len(option.listing_naive())


def all_roads_detail(option: RoadOption, rows: int) -> int:
    """Every road with its type-specific attributes, the cheapest way the design allows."""
    return len(option.listing_best())


# --- one entity at a time, counts; and the async ORM's reads -------------------------------

# The primary keys of each option's entities, read untimed before a get: {option: {type: pks}}.
_KEYS: dict[int, dict[str, list[Any]]] = {}


def read_keys(option: RoadOption, rows: int) -> None:
    _KEYS[option.number] = {
        t: list(option.queryset(t).values_list("pk", flat=True)) for t in option.types
    }


def forget_keys(option: RoadOption, rows: int) -> None:
    _KEYS.pop(option.number, None)


def _keys(option: RoadOption) -> list[tuple[str, Any]]:
    return [(t, pk) for t, pks in _KEYS[option.number].items() for pk in pks]


def select_get(option: RoadOption, rows: int) -> int:
    for road_type, pk in _keys(option):
        option.queryset(road_type).get(pk=pk)
    return len(_keys(option))


def select_count(option: RoadOption, rows: int) -> int:
    return sum(option.queryset(t).count() for t in option.types)


async def select_aiterator(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_filter: RangeFilter) -> int:
        read = 0
        async for _road in _filtered(option, road_filter).aiterator(chunk_size=2000):
            read += 1
        return read

    return await in_tasks([partial(one, f) for f in option.study.select_filters], concurrency)


async def select_async_for(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_filter: RangeFilter) -> int:
        return len([road async for road in _filtered(option, road_filter)])

    return await in_tasks([partial(one, f) for f in option.study.select_filters], concurrency)


async def select_aget(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_type: str, pk: Any) -> int:
        await option.queryset(road_type).aget(pk=pk)
        return 1

    return await in_tasks([partial(one, t, pk) for t, pk in _keys(option)], concurrency)


async def select_acount(option: RoadOption, rows: int, concurrency: int) -> int:
    async def one(road_type: str) -> int:
        return await option.queryset(road_type).acount()

    return await in_tasks([partial(one, t) for t in option.types], concurrency)


# A listing's page: the paginated methods read every entity of a type page by page.
PAGE_SIZE = 50


def select_paginate(option: RoadOption, rows: int) -> int:
    from django.core.paginator import Paginator

    read = 0
    for road_type in option.types:
        for page in Paginator(option.queryset(road_type).order_by("pk"), PAGE_SIZE):
            read += len(page.object_list)
    return read


def needs_async_paginator(option: RoadOption) -> str | None:
    from django.core import paginator

    if not hasattr(paginator, "AsyncPaginator"):
        return f"needs Django 6.0 (AsyncPaginator); this is Django {django.get_version()}"
    return None


async def select_apaginate(option: RoadOption, rows: int, concurrency: int) -> int:
    from django.core.paginator import AsyncPaginator  # type: ignore[attr-defined,unused-ignore]

    async def one(road_type: str) -> int:
        read = 0
        pages = AsyncPaginator(option.queryset(road_type).order_by("pk"), PAGE_SIZE)
        async for page in pages:
            read += len(await page.aget_object_list())
        return read

    return await in_tasks([partial(one, t) for t in option.types], concurrency)


# --- checks ---------------------------------------------------------------------------------


def _expect(count: Callable[[int], int]) -> Callable[[RoadOption, int, int], None]:
    def verify(option: RoadOption, rows: int, affected: int) -> None:
        check_affected("select", option, affected, count(rows))

    return verify


def _verify(option: RoadOption, rows: int, affected: int) -> None:
    check_affected(
        "select", option, affected, expected_rows(option.study, rows, option.study.select_filters)
    )


def _expect_filtered(
    filters: Callable[[Study], tuple[RangeFilter, ...]],
) -> Callable[[RoadOption, int, int], None]:
    def verify(option: RoadOption, rows: int, affected: int) -> None:
        expected = expected_rows(option.study, rows, filters(option.study))
        check_affected("select", option, affected, expected)

    return verify


every_road = _expect(lambda rows: rows)

OPERATION = Operation(
    name="select",
    description=(
        "Read the stored entities: filters (a common and a type-specific field, per type), "
        "listings with a type-specific field, and every entity of every type."
    ),
    methods={
        m.name: m
        for m in (
            Method("objects", "the four filters, list(queryset): model instances", select_objects),
            Method(
                "values_list", "the four filters, the same columns as tuples", select_values_list
            ),
            Method("only", "the four filters, only() the id, label and counter", select_only),
            Method(
                "iterator",
                "the four filters, streamed with iterator(chunk_size=2000)",
                select_iterator,
            ),
            Method(
                "cached",
                "the four filters, served from Django's cache (filled untimed)",
                select_cached,
                prepare=fill_cache,
                cleanup=clear_cache,
            ),
            Method(
                "unindexed",
                "a selective range filter on a common number; no index on its column",
                select_range,
                unsupported_reason=range_unsupported,
                verify=_expect_filtered(lambda s: s.select_range_filters),
            ),
            Method(
                "indexed",
                "the same filter with an index on that column (added untimed)",
                select_range,
                unsupported_reason=length_index_unsupported,
                prepare=add_length_index,
                cleanup=drop_length_index,
                verify=_expect_filtered(lambda s: s.select_range_filters),
            ),
            Method(
                "specific_unindexed",
                "a selective filter on a type-specific number; no index",
                select_specific,
                verify=_expect_filtered(lambda s: s.select_specific_filters),
            ),
            Method(
                "specific_indexed",
                "the same filter with an index on it (on option 5 an index on the JSON key)",
                select_specific,
                unsupported_reason=specific_index_unsupported,
                prepare=add_specific_index,
                cleanup=drop_specific_index,
                verify=_expect_filtered(lambda s: s.select_specific_filters),
            ),
            Method(
                "naive",
                "listing: each entity, then its type-specific field (N+1 on multi-table designs)",
                list_naive,
                verify=every_road,
            ),
            Method(
                "select_related",
                "listing: base table joined to the child table",
                list_select_related,
                unsupported_reason=needs_join,
                verify=every_road,
            ),
            Method(
                "prefetch_related",
                "listing: base rows, then the child rows in one query",
                list_prefetch_related,
                unsupported_reason=needs_relation,
                verify=every_road,
            ),
            Method(
                "fetch_peers",
                "listing: the naive loop under fetch_mode(FETCH_PEERS) (Django 6.1)",
                list_fetch_peers,
                unsupported_reason=needs_fetch_modes,
                verify=every_road,
            ),
            Method(
                "all_roads",
                "every entity's common fields (one query; a UNION without a shared table)",
                all_roads,
                verify=every_road,
            ),
            Method(
                "all_roads_naive",
                "every entity of every type with its type-specific fields, the naive way",
                all_roads_naive,
                verify=every_road,
            ),
            Method(
                "all_roads_detail",
                "every entity of every type with its type-specific fields, the best way",
                all_roads_detail,
                verify=every_road,
            ),
            Method(
                "get",
                "every entity by its primary key, QuerySet.get() each (keys read untimed)",
                select_get,
                prepare=read_keys,
                cleanup=forget_keys,
                verify=every_road,
            ),
            Method("count", "QuerySet.count() per type", select_count, verify=every_road),
            Method(
                "paginate",
                f"every entity of each type, page by page: Paginator(queryset, {PAGE_SIZE})",
                select_paginate,
                verify=every_road,
            ),
            async_method(
                "aiterator",
                "async: the four filters, async for over aiterator(chunk_size=2000)",
                select_aiterator,
                mirrors="iterator",
            ),
            async_method(
                "async_for",
                "async: the four filters, [road async for road in queryset]",
                select_async_for,
                mirrors="objects",
            ),
            async_method(
                "aget",
                "async: every entity by its primary key, await QuerySet.aget() each",
                select_aget,
                mirrors="get",
                prepare=read_keys,
                cleanup=forget_keys,
                verify=every_road,
            ),
            async_method(
                "acount",
                "async: await QuerySet.acount() per type",
                select_acount,
                mirrors="count",
                verify=every_road,
            ),
            async_method(
                "apaginate",
                f"async: every entity of each type, page by page: AsyncPaginator(queryset, "
                f"{PAGE_SIZE}) (Django 6.0)",
                select_apaginate,
                mirrors="paginate",
                unsupported_reason=needs_async_paginator,
                verify=every_road,
            ),
        )
    },
    needs=LOADED,
    leaves=LOADED,
    verify=_verify,
    compare_methods={"few": ("objects",), "many": ("objects",)},
    default_method="objects",
    # The question these designs exist for: every road with its type-specific attributes.
    compare_rows=(
        ("listing, naive", "listing", {"few": "all_roads_naive"}),
        ("listing, best", "listing", {"few": "all_roads_detail", "many": "all_roads_detail"}),
    ),
    order=20,
)
