from __future__ import annotations

import pytest

from roadbench.designs import OPTIONS, SEED_OPTIONS, get_option, parse_options
from roadbench.errors import BadInput
from roadbench.ops import OPS


def test_the_seed_studys_three_options_with_their_tables():
    assert {n: OPTIONS[n].tables for n in SEED_OPTIONS} == {
        1: ("roadbench_roada",),
        2: ("roadbench_freewayb", "roadbench_tollroadb"),
        3: ("roadbench_roadc", "roadbench_freewayc", "roadbench_tollroadc"),
    }
    assert [OPTIONS[n].rows_per_road for n in SEED_OPTIONS] == [1, 1, 2]


def test_option_2_has_no_base_table_and_option_3_one():
    assert OPTIONS[2].base_model is None
    assert OPTIONS[2].freeway_model._meta.parents == {}
    assert OPTIONS[3].base_model in OPTIONS[3].freeway_model._meta.parents


def test_the_registry_finds_every_design_module_and_op_module():
    from importlib import import_module
    from pathlib import Path

    import roadbench.designs.roads
    import roadbench.ops

    design_modules = {
        p.stem
        for p in Path(roadbench.designs.roads.__file__).parent.glob("*.py")
        if p.stem != "data" and not p.stem.startswith("_")
    }
    # By each module's OPTION: a design that cannot run here has no models to find it by.
    registered = list(OPTIONS.values())
    for stem in design_modules:
        assert import_module(f"roadbench.designs.roads.{stem}").OPTION in registered, stem
    assert list(OPS)[:4] == ["create", "select", "modify", "delete"]


@pytest.mark.parametrize("option", list(OPTIONS.values()), ids=lambda o: o.label)
def test_the_same_logical_road_in_every_design(bench, option):
    # bench: some designs look up a ContentType to build a road.
    if option.unavailable:
        pytest.skip(option.unavailable)
    road = option.new_road("tollroad", 7)
    assert option.value(road, "tollroad", "name") == "Tollroad 7"
    assert float(option.value(road, "tollroad", "toll_amount")) == 2.0
    assert option.value(road, "tollroad", "lanes") == 5


def test_option_1_stores_nulls_for_the_other_type():
    road = OPTIONS[1].new_road("freeway", 3)
    assert road.road_type == "freeway"
    assert road.toll_amount is None and road.operator is None


def test_options_by_number_or_name():
    assert get_option("3") is get_option("multi-table") is OPTIONS[3]
    assert parse_options(None) == [1, 2, 3]
    assert parse_options("all") == sorted(OPTIONS)
    assert parse_options("single,3,1") == [1, 3]


def test_unknown_option():
    with pytest.raises(BadInput, match="unknown option 77; choose one of 1 \\(single\\)"):
        get_option(77)
    with pytest.raises(BadInput, match="unknown option nope;"):
        parse_options("1,nope")


def test_a_design_whose_package_is_missing_says_how_to_install_it(bench):
    from roadbench.designs.base import unavailable_option
    from roadbench.measuring.measure import TableState, Timing, measure_case

    missing = unavailable_option(
        99, "missing", "missing", "a design", "django-missing", ImportError("no module")
    )
    op = OPS["create"]
    result = measure_case(missing, op, op.method("save"), 10, Timing(0, 1), TableState())
    assert result.status == "unsupported"
    assert "pip install 'roadbench[designs]'" in (result.reason or "")
