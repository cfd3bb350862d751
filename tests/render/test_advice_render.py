"""advise's text: every design's ratio, time, queries and method in columns that stay aligned
when a ratio and its interval are wide (a busy machine's ``156.85 (37.67–276.03)``)."""

from __future__ import annotations

from roadbench.render.advice import advice_text
from roadbench.reports.advice import AdviceReport, AdvisedDesign, DesignCost, Verdict
from roadbench.reports.comparison import ComparisonReport
from roadbench.reports.results import Environment

ENVIRONMENT = Environment(
    python="3.11.7",
    django="5.2.19",
    database_vendor="sqlite",
    database_version="3.40.1",
    database_driver="sqlite3",
    database_url="a temporary SQLite file",
    roadbench="0.1.0",
    os="Linux",
    machine="x86_64",
    cpu="a CPU",
    cores=2,
    date="2026-12-06",
)


def _cost(ratio: float, low: float, high: float, median: float, queries: int) -> DesignCost:
    return DesignCost("all_roads_naive", median, queries, ratio, [low, high], None)


def test_wide_ratios_keep_the_times_in_one_column():
    designs = [
        AdvisedDesign(900, "shop.Product", "shop.Product (yours)", "shop.Product, mti", True),
        AdvisedDesign(901, "as-single-table", "single table", "one table"),
        AdvisedDesign(902, "as-json", "JSONField", "a JSONField"),
    ]
    verdict = Verdict(
        "listing, naive (few)",
        "listing",
        None,
        ["as-single-table", "as-json"],
        {
            "shop.Product": _cost(156.85, 37.67, 276.03, 0.4149, 400),
            "as-single-table": _cost(1.0, 1.0, 1.0, 0.0062, 3),
            "as-json": _cost(4.83, 0.01, 9.65, 0.0088, 3),
        },
    )
    comparison = ComparisonReport(ENVIRONMENT, "few", 200, 0, 3, [], [])
    report = AdviceReport("shop.Product", "mti", designs, [], [], comparison, verdicts=[verdict])
    lines = advice_text(report).splitlines()
    block = lines[lines.index("listing, naive (few): tie between as-single-table, as-json") + 1 :][
        :3
    ]
    assert block[0].startswith("  shop.Product     156.85 (37.67–276.03) 414.9 ms, 400 q")
    assert block[0].endswith("· all_roads_naive (yours)")
    # Each time starts in the same column as the widest ratio's.
    column = block[0].index("414.9 ms")
    times = ("414.9", "6.2 ms", "8.8 ms")
    assert [line.index(time) for line, time in zip(block, times, strict=True)] == [column] * 3
