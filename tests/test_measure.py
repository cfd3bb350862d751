from __future__ import annotations

import pytest

from roadbench.errors import VerificationFailed
from roadbench.measure import TableState, Timing, measure_case
from roadbench.models import get_option
from roadbench.ops import get_op
from roadbench.ops.base import Method


def test_measure_case_times_every_value_and_counts_queries(bench):
    op = get_op("create")
    result = measure_case(get_option(2), op, op.method("atomic"), 20, Timing(1, 3), TableState())
    assert result.ok
    assert len(result.times_s) == 3
    assert result.min_s <= result.median_s <= result.max_s
    assert result.rows_affected == 20
    assert result.queries == 22
    assert result.queries_per_row == pytest.approx(1.1)


def test_an_op_that_lies_is_an_error_not_a_result(bench):
    op = get_op("create")
    # Claims 20 roads but writes 19: verification must refuse it.
    liar = Method(
        "liar",
        "writes one road too few",
        lambda option, rows: op.method("bulk").run(option, rows - 1) + 1,
    )
    with pytest.raises(VerificationFailed):
        measure_case(get_option(1), op, liar, 20, Timing(0, 1), TableState())


def test_state_is_reset_for_every_value(bench):
    """A delete that deletes nothing is the classic bug: each value must find roads to delete."""
    op = get_op("delete")
    result = measure_case(get_option(3), op, op.method("queryset"), 20, Timing(1, 3), TableState())
    assert result.rows_affected == 20
    assert result.queries_by_kind["delete"] == 4
