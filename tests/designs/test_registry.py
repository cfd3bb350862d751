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

    from roadbench.plugins import BUILTIN_DESIGNS

    package, skip = BUILTIN_DESIGNS
    design_modules = {
        p.stem
        for p in Path(import_module(package).__file__).parent.glob("*.py")
        if p.stem not in skip and not p.stem.startswith("_")
    }
    # By each module's OPTION: a design that cannot run here has no models to find it by.
    registered = list(OPTIONS.values())
    for stem in design_modules:
        assert import_module(f"{package}.{stem}").OPTION in registered, stem
    assert list(OPS)[:4] == ["create", "select", "modify", "delete"]


def test_importing_the_registries_registers_nothing():
    """Designs and ops are registered by load_registries at start-up, not by an import."""
    import subprocess
    import sys

    code = (
        "import roadbench.designs, roadbench.ops, roadbench.api; "
        "from django.conf import settings; "
        "print(len(roadbench.designs.OPTIONS), len(roadbench.ops.OPS), settings.configured); "
        "from roadbench.plugins import load_registries; load_registries(); "
        "print(len(roadbench.designs.OPTIONS) > 0, len(roadbench.ops.OPS) > 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["0 0 False", "True True"]


def test_a_design_and_an_op_in_one_new_file_each(tmp_path, monkeypatch):
    """Adding a design or an op is one new file: a temporary package holding one module of
    each, loaded as --plugin loads it, measured through the library; nothing else changes."""
    package = tmp_path / "rbtest_onefile"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "design.py").write_text(
        "from dataclasses import replace\n"
        "from roadbench.designs import get_option\n"
        "OPTION = replace(get_option(2), number=901, key='rbtest-onefile', name='one file')\n"
    )
    (package / "op.py").write_text(
        "from dataclasses import replace\n"
        "from roadbench.ops import get_op\n"
        "OPERATION = replace(get_op('select'), name='rbtest_onefile_select', order=900)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from roadbench import api, plugins
    from roadbench.plugins import load_module

    # The modules --plugin loaded go to every child process (the load test's server): this
    # test's are its own, gone with it.
    monkeypatch.setattr(plugins, "_modules", [])

    before = (list(OPTIONS), list(OPS))
    try:
        assert load_module("rbtest_onefile.design") == ["design 901"]
        assert load_module("rbtest_onefile.op") == ["op rbtest_onefile_select"]
        fast = api.PRESETS["fast"]
        (result,) = api.run(
            option="rbtest-onefile", op="rbtest_onefile_select", rows=20, timing=fast
        ).results
        (builtin,) = api.run(option=2, op="select", rows=20, timing=fast).results
        assert (result.option, result.op, result.status) == (901, "rbtest_onefile_select", "ok")
        # The same filter on the same rows: the new design and op found the same roads.
        assert (result.rows_affected, result.queries) == (builtin.rows_affected, builtin.queries)
    finally:
        OPTIONS.unregister(OPTIONS[901])
        OPS.unregister(OPS["rbtest_onefile_select"])
    assert (list(OPTIONS), list(OPS)) == before


def test_a_registration_for_one_test_is_gone_after_it():
    from dataclasses import replace

    mine = replace(get_option(1), number=902, key="rbtest-registered")
    with OPTIONS.registered(mine):
        assert get_option("rbtest-registered") is mine
    with pytest.raises(BadInput, match="unknown option rbtest-registered"):
        get_option("rbtest-registered")


def test_a_second_design_with_a_taken_key_is_refused_naming_both():
    from dataclasses import replace

    clash = replace(get_option(1), number=903, origin="plugin rbtest")
    with pytest.raises(BadInput, match=r"takes single, already used by .*\(roadbench\)"):
        OPTIONS.register(clash)
    assert 903 not in OPTIONS


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


def test_a_plugin_written_for_roadbench_0_2_still_imports_and_runs(tmp_path, monkeypatch):
    """0.2's import paths (roadbench.models, roadbench.models.base, roadbench.data) are kept as
    re-exports: such a plugin loads and measures unchanged."""
    (tmp_path / "rbtest_old_plugin.py").write_text(
        "from dataclasses import dataclass\n"
        "from django.db import models\n"
        "from roadbench.data import FREEWAY, TOLLROAD\n"
        "from roadbench.models import get_option\n"
        "from roadbench.models.base import APP_LABEL, CommonRoad, RoadOption\n"
        "class OldRoad(CommonRoad):\n"
        "    road_type = models.CharField(max_length=10)\n"
        "    speed_limit = models.SmallIntegerField(null=True)\n"
        "    exits = models.IntegerField(null=True)\n"
        "    toll_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)\n"
        "    operator = models.CharField(max_length=100, null=True)\n"
        "    class Meta:\n"
        "        app_label = APP_LABEL\n"
        "        db_table = 'rbtest_old_plugin_road'\n"
        "assert get_option(1).number == 1\n"
        "OPTION = RoadOption(number=905, key='rbtest-old', name='old', description='0.2 style',\n"
        "    models=(OldRoad,), freeway_model=OldRoad, tollroad_model=OldRoad,\n"
        "    base_model=OldRoad,\n"
        "    type_values={FREEWAY: {'road_type': FREEWAY}, TOLLROAD: {'road_type': TOLLROAD}})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from roadbench import api, plugins
    from roadbench.plugins import load_module

    monkeypatch.setattr(plugins, "_modules", [])
    try:
        assert load_module("rbtest_old_plugin") == ["design 905"]
        (result,) = api.run(
            option="rbtest-old", op="create", rows=10, timing=api.PRESETS["fast"]
        ).results
        assert (result.status, result.rows_affected) == ("ok", 10)
    finally:
        OPTIONS.unregister(OPTIONS[905])
