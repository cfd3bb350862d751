"""Every registered design through every op and method, on both databases.

Each case runs like a timed value (prepare, run, the op's own check), so a design that
stores or reads its roads wrongly fails here; a method a design cannot do must say why.
Each design's declared query counts are held exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from roadbench.database import bench_database, option_tables
from roadbench.designs import OPTIONS, models_of
from roadbench.measuring.measure import TableState, count_case
from roadbench.ops import OPS, get_op

ROWS = 24


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def designs_bench(request: pytest.FixtureRequest) -> Iterator[object]:
    """One throwaway database with every design's tables for the whole module."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    with bench_database(url) as db, option_tables(models_of(OPTIONS.values())):
        yield db


CASES = [
    pytest.param(option, op, method, id=f"{option.label}-{op.name}-{method.name}")
    for option in OPTIONS.values()
    for op in OPS.values()
    for method in op.methods.values()
]


@pytest.mark.parametrize(("option", "op", "method"), CASES)
def test_every_method_runs_and_verifies_or_says_why_not(designs_bench, option, op, method):
    reason = method.unsupported_reason(option)
    if reason is not None:
        assert len(reason) > 10, reason  # a reason a reader can act on
        return
    # count_case runs the op's (or method's) own check: it raises if the design lied.
    count_case(option, op, method, ROWS, TableState())


COUNTED = [
    pytest.param(option, case, expected, id=f"{option.label}-{case}")
    for option in OPTIONS.values()
    for case, expected in option.expected_queries.items()
]


@pytest.mark.parametrize(("option", "case", "expected"), COUNTED)
def test_each_design_sends_the_queries_it_declares(designs_bench, option, case, expected):
    op_name, method_name = case.split("/")
    op = get_op(op_name)
    method = op.method(method_name)
    count_case(option, op, method, ROWS, TableState())  # warm-up: Django's ContentType cache
    counted, _ = count_case(option, op, method, ROWS, TableState())
    per_road, constant = expected
    assert counted.total == per_road * ROWS + constant, counted.by_kind


def test_every_design_declares_its_query_counts():
    for option in OPTIONS.values():
        if not option.unavailable:
            assert {"create/save", "select/all_roads_naive", "select/all_roads_detail"} <= set(
                option.expected_queries
            ), option.label
