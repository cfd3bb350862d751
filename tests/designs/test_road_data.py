from __future__ import annotations

from roadbench.designs.roads.data import freeway_fields, road_fields, split, tollroad_fields


def test_split_is_even_with_the_odd_road_a_freeway():
    assert split(200) == (100, 100)
    assert split(7) == (4, 3)


def test_road_data_is_deterministic_and_typed():
    assert freeway_fields(5) == freeway_fields(5)
    assert road_fields("tollroad", 9) == tollroad_fields(9)
    assert set(freeway_fields(0)) >= {
        "name",
        "length_km",
        "lanes",
        "opened",
        "speed_limit",
        "exits",
    }
    assert set(tollroad_fields(0)) >= {"toll_amount", "operator"}
