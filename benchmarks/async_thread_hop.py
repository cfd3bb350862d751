"""What Django's async ORM costs beside the sync ORM: the tables of docs/async.md.

Three parts, each printed as Markdown:

1. The event loop itself: ``asyncio.run()`` of an empty coroutine (a new loop each time, as a
   value run with asyncio.run would pay) against ``run_until_complete`` on one reused loop
   (what roadbench does), and one bare ``sync_to_async`` hop with no database at all.
2. ``roadbench compare --async`` on one database: every async method beside the sync method
   it mirrors, alone and as N tasks, with the thread-hop cost per call (median and 95%
   interval of the per-round differences) and the statements each sent.

    python benchmarks/async_thread_hop.py                      # embedded SQLite
    python benchmarks/async_thread_hop.py --database postgres://user:pw@127.0.0.1:5432/postgres
    python benchmarks/async_thread_hop.py --rows 200 --concurrency 8 --options 1,2,3
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time
from collections.abc import Callable

import django
from asgiref.sync import sync_to_async

from roadbench import api
from roadbench.measuring.stats import median_interval
from roadbench.render.async_comparison import async_markdown, markdown

CALLS = 2000  # per value of part 1
VALUES = 15


async def _nothing() -> None:
    return None


def _per_call(run: Callable[[], None]) -> tuple[float, float, float]:
    """Median and 95% interval of the time per call, over VALUES values of CALLS calls."""
    values = []
    for _ in range(VALUES):
        start = time.perf_counter()
        for _ in range(CALLS):
            run()
        values.append((time.perf_counter() - start) / CALLS)
    low, high = median_interval(values)
    return statistics.median(values), low, high


def loop_costs() -> str:
    loop = asyncio.new_event_loop()

    def hop_once() -> None:
        loop.run_until_complete(sync_to_async(lambda: None)())

    def reused() -> None:
        loop.run_until_complete(_nothing())

    rows = []
    for name, run in (
        ("asyncio.run(empty coroutine): a new loop per value", lambda: asyncio.run(_nothing())),
        ("loop.run_until_complete(empty coroutine), one reused loop", reused),
        ("the reused loop + one sync_to_async hop to a function that does nothing", hop_once),
    ):
        median, low, high = _per_call(run)
        rows.append([name, f"{median * 1e6:.1f}", f"{low * 1e6:.1f} … {high * 1e6:.1f}"])
    loop.close()
    return markdown(["what one call does", "µs per call", "95% CI"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--options", default="1,3")
    parser.add_argument("--ops", default=None, help="default: create,select,modify,delete")
    parser.add_argument("--repeat", type=int, default=8, help="rounds per case (at least 6)")
    parser.add_argument("--skip-loop", action="store_true", help="only the compare table")
    args = parser.parse_args()

    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.machine()}, {platform.processor() or platform.system()}\n"
    )
    if not args.skip_loop:
        print(loop_costs())
    timing = api.Timing(warmup=1, repeat=args.repeat, max_repeat=args.repeat)
    report = api.compare_async(
        rows=args.rows,
        timing=timing,
        database=args.database,
        options=args.options,
        ops=args.ops,
        concurrency=args.concurrency,
    )
    env = report.environment
    print(
        f"{env.database_vendor} {env.database_version} ({env.database_driver}), "
        f"{report.rows} rows, {args.repeat} rounds, concurrency {report.concurrency}, "
        f"{report.elapsed_s:.0f} s\n"
    )
    print(async_markdown(report))


if __name__ == "__main__":
    main()
