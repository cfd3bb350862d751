from __future__ import annotations

import django
import pytest

from roadbench.designs import get_option
from roadbench.designs.roads.data import ROADS
from roadbench.ops.select import expected_rows
from tests.helpers import run_counted

ROWS = 100


def test_filters_cover_a_common_and_a_specific_attribute_per_type():
    fields = {(f.type_key, f.field) for f in ROADS.select_filters}
    assert fields == {
        ("freeway", "lanes"),
        ("freeway", "speed_limit"),
        ("tollroad", "lanes"),
        ("tollroad", "toll_amount"),
    }


def test_expected_rows_counts_matches_by_hand():
    # 50 freeways: lanes 2..5 cycle -> lanes >= 4 for i % 4 in (2, 3): 24 of 50 (i < 50)
    freeway_lanes = sum(1 for i in range(50) if 2 + i % 4 >= 4)
    speed = sum(1 for i in range(50) if 80 + (i % 5) * 10 >= 100)
    toll = sum(1 for i in range(50) if (i % 50 + 1) / 4 >= 6)
    assert expected_rows(ROADS, ROWS, ROADS.select_filters) == 2 * freeway_lanes + speed + toll


@pytest.mark.parametrize("option", [1, 2, 3])
@pytest.mark.parametrize("method", ["objects", "values_list"])
def test_select_reads_every_matching_row_in_four_queries(bench, option, method):
    affected, counted = run_counted(get_option(option), "select", method, ROWS)
    assert affected == expected_rows(ROADS, ROWS, ROADS.select_filters)
    assert counted.total == 4
    assert counted.by_kind["select"] == 4
    if option == 3:
        # The child tables are joined to the base table: one query, not one per row.
        assert all("JOIN" in q.sql for q in counted.captured)


def test_fetch_peers_says_which_django_it_needs(bench):
    from roadbench.ops import get_op

    method = get_op("select").method("fetch_peers")
    reason = method.unsupported_reason(get_option(3))
    if django.VERSION < (6, 1):
        assert reason == f"needs Django 6.1 (fetch modes); this is Django {django.get_version()}"
    else:
        assert reason is None
        assert "no related table" in method.unsupported_reason(get_option(1))
