from __future__ import annotations

import pytest

from roadbench.errors import BadInput
from roadbench.models import OPTIONS, get_option


def test_three_options_with_their_tables():
    assert {n: o.tables for n, o in OPTIONS.items()} == {
        1: ("roadbench_roada",),
        2: ("roadbench_freewayb", "roadbench_tollroadb"),
        3: ("roadbench_roadc", "roadbench_freewayc", "roadbench_tollroadc"),
    }
    assert [o.multi_table for o in OPTIONS.values()] == [False, False, True]


def test_option_2_has_no_base_table_and_option_3_one():
    assert OPTIONS[2].base_model is None
    assert OPTIONS[2].freeway_model._meta.parents == {}
    assert OPTIONS[3].base_model in OPTIONS[3].freeway_model._meta.parents


def test_the_same_logical_road_in_every_option():
    names = set()
    for option in OPTIONS.values():
        road = option.new_road("tollroad", 7)
        names.add((road.name, road.lanes, road.toll_amount, road.operator))
    assert len(names) == 1


def test_option_1_stores_nulls_for_the_other_type():
    road = OPTIONS[1].new_road("freeway", 3)
    assert road.road_type == "freeway"
    assert road.toll_amount is None and road.operator is None


def test_unknown_option():
    with pytest.raises(BadInput, match="unknown option 7; choose one of 1, 2, 3"):
        get_option(7)
