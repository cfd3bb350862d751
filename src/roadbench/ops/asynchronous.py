"""Async methods: Django's async ORM, run on the event loop roadbench starts
(``database.orm_thread``), the op's work shared by N tasks.

An async method is declared in its op's module beside the sync methods, with the sync method
it mirrors (``acreate`` mirrors ``save``). Its coroutine takes (option, rows, concurrency) and
hands its units of work (an entity, a type, a filter: each one or more awaited ORM calls) to
``in_tasks``: at concurrency 1 one task does them in order, at N, N tasks take the next unit
as each finishes, on one loop. Every ORM call still runs in the one thread Django's async ORM
uses, so the rows, the statements and their number are the same at any concurrency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from roadbench.database import orm_thread
from roadbench.designs.base import RoadOption
from roadbench.ops.base import AsyncRun, Method, async_runner

Unit = Callable[[], Awaitable[int]]


async def in_tasks(units: Iterable[Unit], concurrency: int) -> int:
    """Run the units as ``concurrency`` tasks on the running loop; the sum of what they return.

    The tasks share one iterator: each takes the next unit when its last one is done (on one
    loop, taking the next item of an iterator never interleaves with another task's).
    """
    pending = iter(units)

    async def task() -> int:
        done = 0
        for unit in pending:
            done += await unit()
        return done

    if concurrency == 1:
        return await task()
    return sum(await asyncio.gather(*(task() for _ in range(concurrency))))


def _start_loop(option: RoadOption, rows: int) -> None:
    orm_thread.connect()  # untimed: the loop and the ORM thread's connection, before a value
    # A design's values may read the database once (django-polymorphic's content type, which
    # Django then caches for the process): read here, untimed, as the sync methods' warm-up
    # does, since the loop's thread may not query (Django raises SynchronousOnlyOperation).
    for road_type in option.types:
        option.row_values(road_type, 0)


def async_method(
    name: str,
    description: str,
    arun: AsyncRun,
    mirrors: str,
    *,
    unsupported_reason: Callable[[RoadOption], str | None] | None = None,
    prepare: Callable[[RoadOption, int], None] | None = None,
    cleanup: Callable[[RoadOption, int], None] | None = None,
    verify: Callable[[RoadOption, int, int], None] | None = None,
) -> Method:
    """A method whose timed run is one run of ``arun`` on roadbench's loop, at concurrency 1."""

    def prepared(option: RoadOption, rows: int) -> None:
        _start_loop(option, rows)
        if prepare:
            prepare(option, rows)

    return Method(
        name,
        description,
        async_runner(arun, 1),
        unsupported_reason=unsupported_reason or (lambda _option: None),
        prepare=prepared,
        cleanup=cleanup,
        verify=verify,
        arun=arun,
        mirrors=mirrors,
    )


def async_methods(methods: Iterable[Method]) -> list[Method]:
    return [m for m in methods if m.arun is not None]
