"""A plugin's mistakes are the plugin's: named as its own, with where to look, never
"please report it" to roadbench; a multi-table design that cannot reach its children is
refused when it is registered, not measured as a listing that is not one."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from roadbench import api
from roadbench.designs import OPTIONS, get_option
from roadbench.designs.base import RoadOption
from roadbench.errors import BadInput, PluginFailed

SHOP_SOURCE = Path(__file__).resolve().parents[2] / "examples" / "roadbench-shop" / "src"


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.syspath_prepend(str(SHOP_SOURCE))
    from roadbench_shop import designs

    yield designs
    sys.modules.pop("roadbench_shop.designs", None)


def test_an_exception_in_a_plugins_design_names_the_plugin_and_where_to_look(shop):
    # The study names a counter its entities do not have: the design's declaration is wrong.
    broken = replace(
        shop.ABSTRACT,
        number=291,
        key="rbtest-broken",
        origin="plugin rbtest_broken",
        study=replace(shop.SHOP, counter="no_such_field"),
    )
    with OPTIONS.registered(broken), pytest.raises(PluginFailed) as raised:
        api.run(option="rbtest-broken", op="create", rows=12, timing=api.PRESETS["fast"])
    message = str(raised.value)
    assert message.startswith("plugin rbtest_broken: table per type (rbtest-broken) · create")
    assert "KeyError" in message and "no_such_field" in message
    assert "look at the design's path()" in message
    assert "report" not in message and "\n" not in message
    assert raised.value.exit_code == 1


def test_roadbench_s_own_designs_still_raise_their_own_errors():
    # Only a plugin's case is the plugin's: the same mistake in roadbench's own study is a bug.
    own = replace(get_option(2), study=replace(get_option(2).study, counter="no_such_field"))
    from roadbench.measuring.measure import plugin_origin
    from roadbench.ops import get_op

    assert plugin_origin(own, get_op("create")) is None
    assert plugin_origin(replace(own, origin="plugin x"), get_op("create")) == "plugin x"


def test_a_multi_table_design_that_cannot_reach_its_children_is_refused(shop):
    mti = shop.MULTI_TABLE
    # The same models as a plain design: it has no related(), so its naive listing would read
    # each child table directly and show no N+1.
    plain = RoadOption(
        number=292,
        key="rbtest-unreachable",
        name="unreachable children",
        description="multi-table models without related()",
        models=mti.models,
        study=mti.study,
        type_models=dict(mti.type_models),
        base_model=mti.base_model,
        origin="plugin rbtest_unreachable",
    )
    with pytest.raises(BadInput, match=r"is a multi-table child, but the design does not say how"):
        OPTIONS.register(plain)
    assert 292 not in OPTIONS
