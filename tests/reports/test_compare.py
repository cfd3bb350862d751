"""The comparison table's logic, on synthetic timings (no database)."""

from __future__ import annotations

import pytest

from roadbench.reports.comparison import EXTRA, LIMIT, STUDY, PlannedCase, build_table, plan_cases
from roadbench.reports.results import UNSUPPORTED, CaseResult


def case(option, op, method, median, queries=10, rows=200):
    return CaseResult(
        option=option,
        op=op,
        method=method,
        rows=rows,
        median_s=median,
        min_s=median,
        max_s=median,
        times_s=[median],
        queries=queries,
    )


def planned(label, op, method_by_option, role=STUDY, rows=200):
    return [PlannedCase(label, role, n, op, m, rows) for n, m in method_by_option.items()]


def seed_like():
    """The seed study's few-scale rows with round timings."""
    plan = (
        planned("create (few)", "create", {1: "save", 2: "save", 3: "save"})
        + planned("select (few)", "select", {1: "objects", 2: "objects", 3: "objects"})
        + planned("delete (few)", "delete", {1: "each", 2: "each", 3: "each"})
    )
    results = [
        case(1, "create", "save", 1.0),
        case(2, "create", "save", 1.01),
        case(3, "create", "save", 1.02),
        case(1, "select", "objects", 0.15),
        case(2, "select", "objects", 0.10),
        case(3, "select", "objects", 0.113),
        case(1, "delete", "each", 2.0),
        case(2, "delete", "each", 4.22),
        case(3, "delete", "each", 2.18),
    ]
    return plan, results


def test_fastest_option_is_one_and_others_are_multiples():
    table = build_table(*seed_like())
    select = next(r for r in table.rows if r.label == "select (few)")
    assert select.ratios == {1: pytest.approx(1.5), 2: 1.0, 3: pytest.approx(1.13)}
    assert select.winner == 2


def test_totals_wins_winner_and_weaknesses():
    table = build_table(*seed_like())
    # create: 1.00, 1.01, 1.02 is a tie (within the 3% minimum effect): each counts as 1.
    create = next(r for r in table.rows if r.label == "create (few)")
    assert create.winner is None and create.tied == [1, 2, 3]
    assert table.ties == 1
    assert table.totals[1] == pytest.approx(1 + 1.5 + 1)
    assert table.totals[2] == pytest.approx(1 + 1 + 2.11)
    assert table.totals[3] == pytest.approx(1 + 1.13 + 1.09)
    assert table.winner == 3
    assert table.wins == {1: 1, 2: 1, 3: 0}
    assert table.weaknesses[1] == "select (1.50)"
    assert table.weaknesses[2] == "delete (2.11)"


def rounds(option, op, method, times):
    return CaseResult(
        option=option, op=op, method=method, rows=200, times_s=times, median_s=sorted(times)[3]
    )


def test_ratios_are_paired_within_rounds_with_intervals():
    # The machine slows down round by round; option 2 is 20% slower in every round.
    drift = [1.0, 1.1, 1.3, 1.6, 2.0, 2.5, 3.0]
    plan = planned("select (few)", "select", {1: "objects", 2: "objects"})
    results = [
        rounds(1, "select", "objects", [0.01 * d for d in drift]),
        rounds(2, "select", "objects", [0.012 * d for d in drift]),
    ]
    row = build_table(plan, results).rows[0]
    assert row.ratios == {1: 1.0, 2: pytest.approx(1.2)}
    assert row.ratio_ci[2] == [pytest.approx(1.2), pytest.approx(1.2)]
    assert row.winner == 1 and row.tied == [] and row.unstable == []


def test_a_difference_inside_the_interval_or_below_the_minimum_effect_is_a_tie():
    plan = planned("select (few)", "select", {1: "objects", 2: "objects"})
    noisy = [0.010, 0.013, 0.009, 0.011, 0.010, 0.012, 0.010]
    other = [0.011, 0.010, 0.012, 0.010, 0.011, 0.011, 0.012]
    table = build_table(
        plan, [rounds(1, "select", "objects", noisy), rounds(2, "select", "objects", other)]
    )
    row = table.rows[0]
    assert row.winner is None and row.tied == [1, 2]
    assert table.ties == 1 and table.winner is None and table.tied_overall == [1, 2]
    assert 2 in row.unstable or 1 in row.unstable  # the interval is wider than ±5%
    close = [0.0102 * t / 0.010 for t in [0.010] * 7]
    row = build_table(
        plan,
        [rounds(1, "select", "objects", [0.010] * 7), rounds(2, "select", "objects", close)],
        min_effect=0.03,
    ).rows[0]
    assert row.winner is None and row.tied == [1, 2]  # 2% < the 3% minimum effect
    assert (
        build_table(
            plan,
            [rounds(1, "select", "objects", [0.010] * 7), rounds(2, "select", "objects", close)],
            min_effect=0.01,
        )
        .rows[0]
        .winner
        == 1
    )


def test_total_without_the_bulk_create_row():
    plan = planned("create (many)", "create", {1: "bulk", 2: "bulk", 3: "bulk-mti"}) + planned(
        "select (many)", "select", {1: "objects", 2: "objects", 3: "objects"}
    )
    results = [
        case(1, "create", "bulk", 1.0),
        case(2, "create", "bulk", 1.0),
        case(3, "create", "bulk-mti", 5.0),
        case(1, "select", "objects", 2.0),
        case(2, "select", "objects", 1.0),
        case(3, "select", "objects", 1.0),
    ]
    table = build_table(plan, results)
    assert table.totals == {1: 3.0, 2: 2.0, 3: 6.0}
    assert table.totals_without_bulk_create == {1: 2.0, 2: 1.0, 3: 1.0}
    assert table.winner == 2


def test_unsupported_cells_have_no_ratio_and_are_explained():
    plan = planned("create (few)", "create", {1: "bulk", 2: "bulk", 3: "bulk"})
    results = [
        case(1, "create", "bulk", 1.0),
        case(2, "create", "bulk", 2.0),
        CaseResult(
            option=3,
            op="create",
            method="bulk",
            rows=200,
            status=UNSUPPORTED,
            reason="Django: Can't bulk create a multi-table inherited model",
        ),
    ]
    table = build_table(plan, results)
    row = table.rows[0]
    assert row.ratios == {1: 1.0, 2: 2.0, 3: None}
    assert table.totals[3] is None
    assert any("Can't bulk create" in n for n in table.notes)


def test_create_cells_show_their_multiple_of_raw():
    plan = planned("create (few)", "create", {1: "save", 2: "save"}) + planned(
        "raw limit (few)", "create", {1: "raw", 2: "raw"}, role=LIMIT
    )
    results = [
        case(1, "create", "save", 1.0),
        case(2, "create", "save", 3.0),
        case(1, "create", "raw", 0.1),
        case(2, "create", "raw", 0.5),
    ]
    table = build_table(plan, results)
    create = table.rows[0]
    assert create.raw_multiples == {1: pytest.approx(10.0), 2: pytest.approx(6.0)}
    # The limit row is not part of the totals.
    assert table.totals == {1: 1.0, 2: 3.0}


def test_plan_uses_the_methods_a_user_would_choose_at_each_scale():
    def choose(option, op, candidates):
        if op == "create" and option == 3 and "bulk" in candidates:
            return "bulk-mti", "bulk is unsupported"
        return candidates[0], ""

    few = plan_cases("few", 200, [1, 2, 3], choose)
    assert {(p.op, p.method) for p in few if p.role == STUDY} == {
        ("create", "save"),
        ("select", "objects"),
        ("modify", "save"),
        ("delete", "each"),
    }
    many = plan_cases("many", 500_000, [1, 2, 3], choose, lambda option, op, m: option == 3)
    study = {(p.option, p.op): p.method for p in many if p.role == STUDY}
    assert study[(1, "create")] == "bulk"
    assert study[(3, "create")] == "bulk-mti"
    assert study[(2, "modify")] == "update"
    assert study[(2, "delete")] == "queryset"
    # Option 3's atomic figure (what the seed study had to use) is shown beside it.
    assert any(p.option == 3 and p.method == "atomic" for p in many)
    assert sum(1 for p in many if p.method == "raw") == 3
    # Option 3's update and delete: roadbench's technique in the study row, Django's beside it.
    assert (study[(3, "modify")], study[(3, "delete")]) == ("update-mti", "delete-mti-fk-once")
    extra = {p.row: (p.option, p.method) for p in many if p.role == EXTRA}
    assert extra["modify, Django's update (many)"] == (3, "update")
    assert extra["delete, Django's queryset (many)"] == (3, "queryset")
    assert not any(p.method.endswith("-mti") for p in few)


def test_compare_shows_djangos_refused_update_beside_the_mti_remedy():
    """SQLite's parameter limit, lowered to what Django assumes (999), fails the MTI update."""
    import sqlite3

    from django.db.backends.signals import connection_created

    from roadbench.api import compare
    from roadbench.measuring.measure import Timing

    def lower_limit(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 1000)

    connection_created.connect(lower_limit)
    try:
        report = compare(scale="many", rows=4000, timing=Timing(0, 1, loops=1), options=[1, 3])
    finally:
        connection_created.disconnect(lower_limit)
    refused = [r for r in report.results if r.op == "modify" and r.status == "unsupported"]
    assert [(r.option, r.method) for r in refused] == [(3, "update")]
    rows = {r.label: r for r in report.table.rows}
    assert rows["modify (many)"].methods == {1: "update", 3: "update-mti"}
    assert rows["delete (many)"].methods == {1: "queryset", 3: "delete-mti-fk-once"}
    assert all(ratio is not None for ratio in rows["modify (many)"].ratios.values())
    assert rows["modify, Django's update (many)"].methods == {3: "update"}
    assert rows["delete, Django's queryset (many)"].medians[3] is not None
    assert any("SQLite: too many SQL variables" in n for n in report.table.notes)
    # Where the time went: every phase of the run has its seconds.
    assert {"prepare", "timed", "check", "count", "growth"} <= set(report.phases_s)
    assert sum(report.phases_s.values()) <= report.elapsed_s


def test_a_study_method_refused_at_run_time_falls_back_to_the_next_candidate():
    from roadbench.api import _fallback
    from roadbench.database import configure_django
    from roadbench.reports.results import CaseResult

    configure_django()
    case = PlannedCase("modify (many)", STUDY, 3, "modify", "update", 500_000)
    refused = CaseResult(option=3, op="modify", method="update", rows=500_000)
    refused.status = "unsupported"
    assert _fallback(case, refused, "many") == "bulk_update"


def test_compare_any_designs_by_name_with_the_listing_rows():
    from roadbench.api import compare
    from roadbench.measuring.measure import Timing

    report = compare(rows=10, timing=Timing(warmup=0, repeat=1), options="sibling,json")
    table = report.table
    assert table.options == [4, 5]
    listing = {r.label: r for r in table.rows if r.role == "listing"}
    assert set(listing) == {"listing, naive (few)", "listing, best (few)"}
    # The sibling's naive listing is N+1: 1 + one query per freeway, two per tollroad.
    assert listing["listing, naive (few)"].queries[4] == 1 + 5 + 2 * 5
    assert listing["listing, best (few)"].queries == {4: 1, 5: 1}
    modify = next(r for r in table.rows if r.label == "modify (few)")
    assert modify.methods == {4: "save", 5: "save"}


def _many_create_rows(planned):
    return [
        (p.row, p.role, p.option, p.method, p.rows, p.note)
        for p in planned
        if p.op == "create" and p.role != STUDY
    ]


def test_creates_raw_and_atomic_rows_are_declared_through_compare_rows():
    from roadbench.ops import OPS
    from roadbench.ops.base import CompareRow

    assert [CompareRow.of(r).name for r in OPS["create"].compare_rows] == [
        "raw limit",
        "create, atomic",
    ]

    def choose(option, op, candidates):
        if op == "create" and option == 3 and "bulk" in candidates:
            return "bulk-mti", "bulk is unsupported"
        return candidates[0], ""

    atomic_note = (
        "the method the seed study had to use for option 3, measured at 1/10 of the rows "
        "('× raw' compares time per road)"
    )
    many = plan_cases("many", 500_000, [1, 2, 3], choose)
    assert _many_create_rows(many) == [
        ("raw limit (many)", LIMIT, 1, "raw", 500_000, ""),
        ("raw limit (many)", LIMIT, 2, "raw", 500_000, ""),
        ("raw limit (many)", LIMIT, 3, "raw", 500_000, ""),
        ("create, atomic (50,000 roads)", EXTRA, 3, "atomic", 50_000, atomic_note),
    ]
    # Each design's rows follow its study row: study, raw limit, then atomic.
    option3 = [(p.op, p.method) for p in many if p.option == 3 and p.op == "create"]
    assert option3 == [("create", "bulk-mti"), ("create", "raw"), ("create", "atomic")]
    few = plan_cases("few", 20, [1, 2], choose)
    assert _many_create_rows(few) == [
        ("raw limit (few)", LIMIT, 1, "raw", 20, ""),
        ("raw limit (few)", LIMIT, 2, "raw", 20, ""),
    ]


def _plugin_op():
    import dataclasses

    from roadbench.ops import OPS

    return dataclasses.replace(OPS["select"], name="plugin-select", origin="tests.compare_plugin")


def test_a_plugins_op_joins_compare_only_when_named():
    from roadbench.ops import OPS

    def choose(option, op, candidates):
        return candidates[0], ""

    before = plan_cases("few", 20, [1, 2], choose)
    with OPS.registered(_plugin_op()):
        assert plan_cases("few", 20, [1, 2], choose) == before
        named = plan_cases("few", 20, [1, 2], choose, ops=["plugin-select", "create"])
    assert {p.op for p in named} == {"create", "plugin-select"}
    assert {p.op for p in before} == {"create", "select", "modify", "delete"}


def test_an_installed_op_never_changes_a_comparisons_rows_or_totals():
    """The same compare with a plugin's op registered measures the same cases; the op is
    measured, and counted in the totals, only when --ops names it."""
    from roadbench.api import compare
    from roadbench.measuring.measure import Timing
    from roadbench.ops import OPS

    timing = Timing(warmup=0, repeat=1)
    with OPS.registered(_plugin_op()):
        default = compare(rows=4, timing=timing, options=[1, 2])
        named = compare(rows=4, timing=timing, options=[1, 2], ops="create,plugin-select")
    assert {r.op for r in default.results} == {"create", "select", "modify", "delete"}
    study = [r.label for r in default.table.rows if r.role == STUDY]
    assert study == ["create (few)", "select (few)", "modify (few)", "delete (few)"]
    # The total adds up the study rows only, a tie counting as 1 (the rule of _counted).
    totals = sum(
        1.0 if 1 in r.tied else (r.ratios[1] or 0) for r in default.table.rows if r.role == STUDY
    )
    assert default.table.totals[1] == pytest.approx(totals)
    assert {r.op for r in named.results} == {"create", "plugin-select"}
    assert [r.label for r in named.table.rows if r.role == STUDY] == [
        "create (few)",
        "plugin-select (few)",
    ]
