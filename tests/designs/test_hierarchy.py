"""The user's hierarchy as a study and a design (``--model``), found by introspection, on real
models in real databases (tests/designs/hierarchy_models.py)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from roadbench.designs import OPTIONS
from roadbench.designs.field_values import value_for
from roadbench.designs.hierarchy import find_hierarchy, user_design
from roadbench.errors import BadInput
from roadbench.measuring.measure import PRESETS, measure_case
from roadbench.ops import OPS
from roadbench.session import open_session
from tests.designs import hierarchy_models as hm

ONE_VALUE = replace(PRESETS["fast"], repeat=1, warmup=0)
ROWS = 30


def test_a_multi_table_hierarchy_is_found_with_its_fields_outside_models_and_proxies():
    hierarchy = find_hierarchy("roadbench.HtProduct")
    assert hierarchy.shape == "multi-table inheritance"
    assert hierarchy.base is hm.HtProduct
    # Direct children are the types; the grandchild is no type of its own but its table is made.
    assert hierarchy.types == {
        "htbook": hm.HtBook,
        "htebook": hm.HtEBook,
        "htaudiobook": hm.HtAudiobook,
    }
    assert hierarchy.table_models == (
        hm.HtProduct,
        hm.HtBook,
        hm.HtSignedBook,
        hm.HtEBook,
        hm.HtAudiobook,
    )
    assert [f.name for f in hierarchy.common] == [
        "name",
        "sku",
        "price",
        "stock",
        "publisher",
        "created",
    ]
    assert {k: [f.name for f in v] for k, v in hierarchy.own.items()} == {
        "htbook": ["weight", "pages"],
        "htebook": ["download_size", "format"],
        "htaudiobook": ["duration", "narrator"],
    }
    assert hierarchy.outside == (hm.HtPublisher,)
    assert hierarchy.notices == [
        "roadbench.HtSignedBook is a child of roadbench.HtBook, not of roadbench.HtProduct: "
        "measured as no type of its own (its table is made)",
        "roadbench.HtBestseller is a proxy of roadbench.HtBook: its rows are "
        "roadbench.HtBook's and no field says which, so it is no type of its own (left out)",
    ]
    assert hierarchy.behaviour == [
        "roadbench.HtProduct: custom manager in_stock (InStock)",
        "roadbench.HtProduct: constraint ht_price (CheckConstraint)",
        "roadbench.HtProduct: its own save()",
        "roadbench.HtBook: post_save receiver count_books",
    ]


def test_the_study_names_relations_by_column_and_derives_its_roles():
    _hierarchy, design = user_design("roadbench.HtProduct", functions={})
    study = design.study
    assert study.type_keys == ("htbook", "htebook", "htaudiobook")
    assert study.common == ("name", "sku", "price", "stock", "publisher_id", "created")
    assert (study.label_field, study.counter_field) == ("name", "stock")
    assert [study.specific_field(t) for t in study.type_keys] == [
        "weight",
        "download_size",
        "duration",
    ]


def test_sibling_models_are_a_table_per_type_with_their_shared_fields_in_common():
    hierarchy = find_hierarchy("roadbench.HtPen, roadbench.HtPencil")
    assert hierarchy.shape == "table per type"
    assert hierarchy.base is None
    assert [f.name for f in hierarchy.common] == ["title", "quantity"]
    assert {k: [f.name for f in v] for k, v in hierarchy.own.items()} == {
        "htpen": ["ink", "length_mm"],
        "htpencil": ["hardness"],
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("HtProduct", "model 'HtProduct': name a model as app_label.ModelName (shop.Product)"),
        ("roadbench.HtBestseller", "model roadbench.HtBestseller is a proxy: name a concrete"),
        ("roadbench.HtBook", "model roadbench.HtBook is itself a child of roadbench.HtProduct"),
        ("roadbench.HtPublisher", "model roadbench.HtPublisher has no multi-table children"),
        ("roadbench.Nope", "model roadbench.Nope: App 'roadbench' doesn't have a 'Nope' model"),
    ],
)
def test_what_is_no_hierarchy_is_refused_in_one_line(spec, message):
    with pytest.raises(BadInput) as caught:
        find_hierarchy(spec)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_field_roadbench_cannot_fill_is_named_with_the_fix():
    with pytest.raises(BadInput) as caught:
        user_design("roadbench.HtOdd", functions={})
    message = str(caught.value)
    assert message.startswith("roadbench.HtOdd.code: every value roadbench makes fails its ")
    assert '[values] "roadbench.HtOdd.code" = "module:function"' in message
    assert '[factories] "roadbench.HtOdd" = "module:Factory"' in message
    assert "--value roadbench.HtOdd.code=module:function" in message


def test_a_value_function_from_roadbench_toml_fills_it(tmp_path, monkeypatch):
    (tmp_path / "htvalues.py").write_text(
        "def code(type_key, i):\n    return 'ab!' + str(i % 10)\n", encoding="utf-8"
    )
    (tmp_path / "roadbench.toml").write_text(
        '[values]\n"roadbench.HtOdd.code" = "htvalues:code"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    _hierarchy, design = user_design("roadbench.HtOdd")
    assert design.study.values("htoddchild", 3)["code"] == "ab!3"


def test_a_factory_from_roadbench_toml_fills_its_fields_once_per_entity(tmp_path, monkeypatch):
    """A callable factory of the base: its values win over roadbench's (name), also for the
    child's rows, a field it leaves out keeps roadbench's (rank), and each entity's row is
    built once (the counter would give entity 3 another name the second time)."""
    (tmp_path / "htfactories.py").write_text(
        "import itertools\n"
        "built = itertools.count()\n"
        "def odd(type_key, i):\n"
        "    return {'code': 'cd!' + str(i % 10), 'name': f'odd {next(built)}'}\n",
        encoding="utf-8",
    )
    (tmp_path / "roadbench.toml").write_text(
        '[factories]\n"roadbench.HtOdd" = "htfactories:odd"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    _hierarchy, design = user_design("roadbench.HtOdd")
    first = design.study.values("htoddchild", 3)
    assert (first["code"], first["name"]) == ("cd!3", "odd 0")
    rank = design.type_models["htoddchild"]._meta.get_field("rank")
    assert first["rank"] == value_for(rank, "htoddchild", 3)  # roadbench's own
    assert design.study.values("htoddchild", 3) == first
    assert design.study.values("htoddchild", 4)["name"] == "odd 1"


def test_without_an_integer_in_common_modify_changes_the_first_number():
    _hierarchy, design = user_design("roadbench.HtPhone,roadbench.HtWatch", functions={})
    study = design.study
    assert study.common == ("label", "price", "released")
    assert (study.label_field, study.counter_field) == ("label", "price")
    assert [study.specific_field(t) for t in design.types] == ["storage_gb", "battery_days"]


def _every_case(
    database: str | None, spec: str = "roadbench.HtProduct"
) -> dict[tuple[str, str], tuple[str, str | None]]:
    _hierarchy, design = user_design(spec, functions={})
    seen = {}
    with OPTIONS.registered(design), open_session([design], database, None) as (_b, _e, state):
        # A sample of each type passes the models' own validation (full_clean).
        for type_key in design.types:
            for i in (0, 1, 7):
                design.new_road(type_key, i).full_clean()
        for op in (OPS[name] for name in ("create", "select", "modify", "delete")):
            for method in op.methods.values():
                result = measure_case(design, op, method, ROWS, ONE_VALUE, state)
                seen[(op.name, method.name)] = (result.status, result.reason)
        if spec == "roadbench.HtProduct":
            publishers = list(hm.HtPublisher.objects.values_list("name", flat=True))
            assert len(publishers) == 5
    return seen


def _check(seen: dict, multi_table: bool = True) -> None:
    assert {status for status, _reason in seen.values()} <= {"ok", "unsupported"}
    for case, (status, reason) in seen.items():
        if status == "unsupported":
            assert reason, case
    for case in (
        ("create", "save"),
        ("select", "objects"),
        ("select", "all_roads_naive"),
        ("modify", "save"),
        ("modify", "update"),
        ("delete", "each"),
    ):
        assert seen[case] == ("ok", None), case
    if multi_table:
        assert seen[("select", "select_related")] == ("ok", None)
        assert seen[("create", "bulk")][0] == "unsupported"
    else:
        assert seen[("create", "bulk")] == ("ok", None)


def test_every_op_and_method_on_the_users_design_on_sqlite():
    _check(_every_case(None))


@pytest.mark.postgres
def test_every_op_and_method_on_the_users_design_on_postgresql(postgres_url):
    _check(_every_case(postgres_url))


def test_no_config_file_means_no_value_functions(tmp_path: Path, monkeypatch):
    from roadbench.designs.hierarchy import configured_values

    monkeypatch.chdir(tmp_path)
    assert configured_values() == {}
    (tmp_path / "pyproject.toml").write_text(
        '[tool.roadbench.values]\n"app.M.f" = "nocolon"\n', encoding="utf-8"
    )
    with pytest.raises(BadInput, match="name a function as 'module:function'"):
        configured_values()


def test_value_functions_are_read_from_the_project_directory_too(tmp_path: Path, monkeypatch):
    """Run from elsewhere with --pythonpath DIR --settings ...: DIR's roadbench.toml counts,
    after the current directory's (which wins where both name a field)."""
    from roadbench.config import PROJECT_DIRECTORY_VAR
    from roadbench.designs.hierarchy import configured_values

    project, here = tmp_path / "project", tmp_path / "here"
    project.mkdir()
    here.mkdir()
    (project / "roadbench.toml").write_text(
        '[values]\n"app.M.f" = "os.path:join"\n"app.M.g" = "os.path:join"\n', encoding="utf-8"
    )
    monkeypatch.chdir(here)
    monkeypatch.delenv(PROJECT_DIRECTORY_VAR, raising=False)
    assert configured_values() == {}  # not given: the current directory alone
    monkeypatch.setenv(PROJECT_DIRECTORY_VAR, str(project))
    assert configured_values() == {"app.M.f": os.path.join, "app.M.g": os.path.join}
    (here / "roadbench.toml").write_text('[values]\n"app.M.g" = "os:getcwd"\n', encoding="utf-8")
    assert configured_values() == {"app.M.g": os.getcwd, "app.M.f": os.path.join}


def test_a_hierarchy_without_the_fields_the_ops_need_says_which_and_the_fix():
    """A type with no number of its own is refused (every op's check sums it); no number
    every type has is not: see the HtTicket tests below."""
    with pytest.raises(BadInput) as caught:
        user_design("roadbench.HtPublisher,roadbench.HtPen", functions={})
    assert str(caught.value) == (
        "model roadbench.HtPublisher,roadbench.HtPen: roadbench's ops need a number field of "
        "roadbench.HtPublisher's own; its own fields are name, country"
    )
    _hierarchy, design = user_design("roadbench.HtPen,roadbench.HtPencil", functions={})
    assert [design.study.specific_field(t) for t in design.types] == ["length_mm", "hardness"]


# What a case that needs a number every type has says on a hierarchy with none (HtTicket).
NO_COUNTER = (
    "roadbench.HtTicket has none (its common fields are title, opened, urgent, queue); name "
    'one in roadbench.toml: [roles] counter = "field" (or [tool.roadbench.roles])'
)
NO_COUNTER_MODIFY = f"modify adds 1 to a number every type has: {NO_COUNTER}"
NO_COUNTER_RANGE = f"the range filter reads a number every type has: {NO_COUNTER}"


def test_a_base_with_no_number_has_no_counter_and_its_filters_and_listing_do_without():
    _hierarchy, design = user_design("roadbench.HtTicket", functions={}, roles={})
    study = design.study
    assert study.common == ("title", "opened", "urgent", "queue_id")
    assert not study.has_counter
    assert (study.label_field, study.listing) == ("title", ("id", "title"))
    assert study.select_range_filters == ()
    with pytest.raises(BadInput, match=r"\[roles\] counter"):
        _ = study.counter_field


def _check_no_counter(database: str | None) -> None:
    """Every case of every op on HtTicket: modify's and the range reads' are unsupported with
    the one-line reason, the rest run and are verified (the checks count the rows, their
    distinct titles and each type's own number); the rows create leaves are in the tables."""
    seen = _every_case(database, "roadbench.HtTicket")
    assert {status for status, _reason in seen.values()} <= {"ok", "unsupported"}
    modify = {case: v for case, v in seen.items() if case[0] == "modify"}
    assert set(modify.values()) == {("unsupported", NO_COUNTER_MODIFY)}
    assert len(modify) == len(OPS["modify"].methods)
    assert seen[("select", "unindexed")] == ("unsupported", NO_COUNTER_RANGE)
    assert seen[("select", "indexed")] == ("unsupported", NO_COUNTER_RANGE)
    for case in (
        ("create", "save"),
        ("create", "raw"),
        ("select", "objects"),
        ("select", "only"),
        ("select", "specific_unindexed"),
        ("select", "all_roads_naive"),
        ("select", "all_roads_detail"),
        ("delete", "each"),
        ("delete", "queryset"),
    ):
        assert seen[case] == ("ok", None), case
    for case, (status, reason) in seen.items():
        if status == "unsupported" and case[0] != "modify":
            assert reason and "\n" not in reason, case


def _rows_after_create(database: str | None) -> None:
    """After a verified create, the tables hold entity 0..n-1 of each type as the study
    made them: read back with the user's own models."""
    _hierarchy, design = user_design("roadbench.HtTicket", functions={})
    study = design.study
    with OPTIONS.registered(design), open_session([design], database, None) as (_b, _e, state):
        op = OPS["create"]
        result = measure_case(design, op, op.methods["save"], ROWS, ONE_VALUE, state)
        assert (result.status, result.reason) == ("ok", None)
        # The filters do without the common one: each type's own number alone.
        assert [(f.type_key, f.field) for f in study.select_filters] == [
            ("htbug", "severity"),
            ("htchore", "minutes"),
        ]
        counts = study.split(ROWS)
        assert hm.HtTicket.objects.count() == ROWS
        assert hm.HtBug.objects.count() == counts["htbug"]
        assert hm.HtChore.objects.count() == counts["htchore"]
        assert hm.HtQueue.objects.count() == 5
        for model, key, own in (
            (hm.HtBug, "htbug", "severity"),
            (hm.HtChore, "htchore", "minutes"),
        ):
            fields = ("title", "opened", "urgent", "queue_id", own)
            stored = sorted(model.objects.values_list(*fields))
            wanted = sorted(
                tuple(study.values(key, i)[name] for name in fields) for i in range(counts[key])
            )
            assert stored == wanted


def test_no_counter_every_case_on_sqlite():
    _check_no_counter(None)
    _rows_after_create(None)


@pytest.mark.postgres
def test_no_counter_every_case_on_postgresql(postgres_url):
    _check_no_counter(postgres_url)
    _rows_after_create(postgres_url)


def _roles_refused(tmp_path: Path, roles: str, spec: str) -> str:
    """The one line a roadbench.toml naming ``roles`` gets for ``spec`` (run from tmp_path)."""
    (tmp_path / "roadbench.toml").write_text(f"[roles]\n{roles}\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        user_design(spec, functions={})
    return str(caught.value)


def test_roles_counter_must_name_a_number(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _roles_refused(tmp_path, 'counter = "opened"', "roadbench.HtTicket") == (
        "[roles] counter = 'opened': roadbench.HtTicket.opened is a DateField, not a number "
        "(modify adds 1 to it, the checks sum it); its number fields every type has are none"
    )


def test_every_op_and_method_on_sibling_models_with_a_decimal_counter_on_sqlite():
    _check(_every_case(None, "roadbench.HtPhone,roadbench.HtWatch"), multi_table=False)


@pytest.mark.parametrize(
    ("spec", "shape", "listing"),
    [
        ("roadbench.HtNotice", "multi-table inheritance, django-polymorphic", 3),
        ("roadbench.HtPage", "multi-table inheritance, InheritanceManager", 1),
    ],
)
def test_django_polymorphic_and_inheritance_manager_are_read_through_their_library(
    spec, shape, listing
):
    hierarchy, design = user_design(spec, functions={})
    assert hierarchy.shape == shape
    # django-polymorphic's content type column holds each type's real ContentType.
    assert [m._meta.label for m in hierarchy.outside] == (
        ["contenttypes.ContentType"] if "polymorphic" in shape else []
    )
    seen = {}
    with OPTIONS.registered(design), open_session([design], None, None) as (_b, _e, state):
        for op in (OPS[name] for name in ("create", "select", "modify", "delete")):
            for method in op.methods.values():
                result = measure_case(design, op, method, 12, ONE_VALUE, state)
                seen[(op.name, method.name)] = (result.status, result.reason, result.queries)
    assert {status for status, *_ in seen.values()} <= {"ok", "unsupported"}
    for case in (("create", "raw"), ("create", "save"), ("modify", "save"), ("delete", "each")):
        assert seen[case][0] == "ok", (case, seen[case])
    # The library's listing: one query for the base rows and one per type (polymorphic), or
    # one joined query (select_subclasses).
    assert seen[("select", "all_roads_detail")][:2] == ("ok", None)
    assert seen[("select", "all_roads_detail")][2] == listing


def test_a_base_with_no_text_field_has_its_primary_key_as_label_and_every_op_runs():
    """A notification base (recipient, created_at, read, level): no text in common."""
    _hierarchy, design = user_design("roadbench.HtAlert", functions={}, roles={})
    study = design.study
    assert study.label_field == "id"
    assert study.listing == ("id", "level")
    _check(_every_case(None, "roadbench.HtAlert"))


def test_roadbench_toml_names_a_roles_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roadbench.toml").write_text('[roles]\nlabel = "recipient"\n', encoding="utf-8")
    _hierarchy, design = user_design("roadbench.HtAlert", functions={})
    assert design.study.label_field == "recipient_id"
    assert _roles_refused(tmp_path, 'label = "title"', "roadbench.HtAlert") == (
        "[roles] label = 'title': roadbench.HtAlert has no such field every type has; its "
        "common fields are recipient, created_at, read, level"
    )


def test_a_proxys_custom_manager_is_listed_as_left_out():
    """advise's "what the alternatives leave out": a proxy's manager is behaviour too."""
    hierarchy = find_hierarchy("roadbench.HtAlert")
    assert hierarchy.behaviour == ["roadbench.HtUnreadAlert: custom manager objects (UnreadAlerts)"]
