from __future__ import annotations

import pytest

from roadbench.designs import get_option
from roadbench.errors import VerificationFailed
from roadbench.measuring.measure import TableState, Timing, measure_case
from roadbench.ops import get_op
from roadbench.ops.base import Method
from tests.helpers import transaction_statements


def test_measure_case_times_every_value_and_counts_queries(bench):
    op = get_op("create")
    result = measure_case(get_option(2), op, op.method("atomic"), 20, Timing(1, 3), TableState())
    assert result.ok
    assert len(result.times_s) == 3
    assert result.min_s <= result.median_s <= result.max_s
    assert result.rows_affected == 20
    assert result.queries == 20 + transaction_statements()
    assert result.queries_per_row == pytest.approx(result.queries / 20)


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


def recording(op, name, order):
    """The op's real method, noting the option of each run (the data still goes to the db)."""
    real = op.method(name)

    def run(option, rows):
        order.append(option.number)
        return real.run(option, rows)

    return Method(name, real.description, run)


def test_options_take_turns_in_rotated_rounds(bench):
    from roadbench.measuring.measure import CaseRunner, measure_interleaved

    op, order, state = get_op("create"), [], TableState()
    timing = Timing(warmup=0, repeat=4, loops=1)
    runners = [
        CaseRunner(get_option(n), op, recording(op, "atomic", order), 10, timing, state)
        for n in (1, 2, 3)
    ]
    results = measure_interleaved(runners, timing)
    # One value of each option per round, the order rotated each round; then the counting pass.
    assert order[:12] == [1, 2, 3, 2, 3, 1, 3, 1, 2, 1, 2, 3]
    assert [len(r.times_s) for r in results] == [4, 4, 4]
    assert [len(r.cpu_times_s) for r in results] == [4, 4, 4]
    assert all(r.repeat == 4 and r.cpu_median_s is not None for r in results)


def test_rounds_are_added_until_precise_or_the_budget_is_spent(bench):
    from roadbench.measuring.measure import CaseRunner, measure_interleaved

    op = get_op("select")

    def rounds(timing):
        runners = [
            CaseRunner(get_option(n), op, op.method("objects"), 10, timing, TableState())
            for n in (1, 2)
        ]
        return {len(r.times_s) for r in measure_interleaved(runners, timing)}

    # Every interval is narrower than this: the least rounds suffice.
    assert rounds(Timing(0, 6, loops=1, max_repeat=30, precision=1e9)) == {6}
    # ±0.0001% is out of reach: rounds go on to the most allowed ...
    assert rounds(Timing(0, 6, loops=1, max_repeat=9, precision=1e-6)) == {9}
    # ... or until the budget is spent (after the least rounds).
    assert rounds(Timing(0, 6, loops=1, max_repeat=500, precision=1e-6, budget_s=1e-3)) == {6}


@pytest.mark.parametrize("option", [1, 3])
def test_modify_is_undone_in_place_on_sqlite_and_reloaded_elsewhere(bench, option):
    """Every value of modify starts from the loaded roads; SQLite takes the change back."""
    from roadbench.measuring.counting import count_queries
    from roadbench.ops.checks import check_roads

    road_option = get_option(option)
    op = get_op("modify")
    method = op.method("update-mti" if option == 3 else "update")
    state = TableState()
    result = measure_case(road_option, op, method, 40, Timing(0, 3, loops=1), state)
    assert result.ok and len(result.times_s) == 3  # each value verified from loaded roads
    with count_queries() as counted:
        state.prepare(road_option, "loaded", 40)
    check_roads(road_option, 40, what="test")  # the loaded roads, unmodified
    if bench.vendor == "sqlite":
        assert counted.by_kind.get("insert", 0) == 0
        assert counted.by_kind["update"] == (4 if option == 3 else 2)
    else:
        assert counted.by_kind["insert"] > 0
