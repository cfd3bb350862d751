from __future__ import annotations

import pytest

from roadbench.database.fastpath import count_rows, insert_entities
from roadbench.designs import get_option
from roadbench.errors import VerificationFailed
from roadbench.ops import get_op
from tests.helpers import run_counted

ROWS = 30


@pytest.mark.parametrize(("option", "deletes"), [(1, 30), (2, 30), (3, 60)])
def test_each_deletes_road_by_road(bench, option, deletes):
    road_option = get_option(option)
    affected, counted = run_counted(road_option, "delete", "each", ROWS)
    assert affected == ROWS
    assert counted.by_kind["delete"] == deletes
    assert set(count_rows(road_option).values()) == {0}


@pytest.mark.parametrize(("option", "deletes"), [(1, 2), (2, 2), (3, 4)])
def test_queryset_delete_is_a_statement_per_table(bench, option, deletes):
    road_option = get_option(option)
    affected, counted = run_counted(road_option, "delete", "queryset", ROWS)
    assert affected == ROWS
    assert counted.by_kind["delete"] == deletes
    assert set(count_rows(road_option).values()) == {0}


def test_verification_catches_rows_left_behind(bench):
    option = get_option(2)
    insert_entities(option, {"freeway": 3, "tollroad": 3})
    with pytest.raises(VerificationFailed, match="left rows behind"):
        get_op("delete").verify(option, 6, 6)
