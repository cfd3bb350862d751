"""The example shop (examples/roadbench-shop): a study that is not about roads, declared with
abstract models and built into four designs in a line each, runs every op and method on each
design on SQLite, PostgreSQL and MariaDB: each case ok (verified: the rows really stored,
changed, read or deleted) or unsupported with a reason; none crashes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from roadbench.designs import OPTIONS
from roadbench.measuring.measure import PRESETS, measure_case
from roadbench.ops import OPS
from roadbench.session import open_session

SHOP_SOURCE = Path(__file__).resolve().parents[2] / "examples" / "roadbench-shop" / "src"
ROWS = 30
# One value per case: this checks that each case runs and verifies, not how fast it is.
ONE_VALUE = replace(PRESETS["fast"], repeat=1, warmup=0)


@contextlib.contextmanager
def shop_designs() -> Iterator[list]:
    sys.path.insert(0, str(SHOP_SOURCE))
    try:
        from roadbench_shop import designs

        found = [designs.MULTI_TABLE, designs.JSON, designs.ABSTRACT, designs.SINGLE]
        with contextlib.ExitStack() as stack:
            for design in found:
                stack.enter_context(OPTIONS.registered(design))
            yield found
    finally:
        sys.path.remove(str(SHOP_SOURCE))


def _every_case(database: str | None) -> dict[tuple[str, str, str], tuple[str, str | None]]:
    seen = {}
    with shop_designs() as designs, open_session(designs, database, None) as (_b, _e, state):
        for design in designs:
            for op in (OPS[name] for name in ("create", "select", "modify", "delete")):
                for method in op.methods.values():
                    result = measure_case(design, op, method, ROWS, ONE_VALUE, state)
                    seen[(design.key, op.name, method.name)] = (result.status, result.reason)
    return seen


def _check(seen: dict) -> None:
    assert {status for status, _reason in seen.values()} <= {"ok", "unsupported"}
    for case, (status, reason) in seen.items():
        if status == "unsupported":
            assert reason, case
    # What each design is for: the core of every op runs on every design.
    for key in ("shop-mti", "shop-json", "shop-abstract", "shop-single"):
        for op, method in (
            ("create", "save"),
            ("select", "objects"),
            ("modify", "save"),
            ("delete", "each"),
            ("select", "all_roads_naive"),
        ):
            assert seen[(key, op, method)] == ("ok", None), (key, op, method)
    # The multi-table design's listing is the N+1 the shop question is about: joins cure it.
    assert seen[("shop-mti", "select", "select_related")] == ("ok", None)
    assert seen[("shop-mti", "create", "bulk")][0] == "unsupported"
    assert "multi-table" in seen[("shop-mti", "create", "bulk")][1]


def test_the_shop_study_derives_its_roles_from_its_fields():
    with shop_designs() as designs:
        study = designs[0].study
        assert (study.entity, study.plural) == ("product", "products")
        assert study.type_keys == ("book", "ebook", "audiobook")
        assert study.split(60) == {"book": 30, "ebook": 20, "audiobook": 10}
        assert (study.label_field, study.counter_field) == ("name", "stock")
        assert [study.specific_field(t) for t in study.type_keys] == [
            "weight",
            "download_size",
            "duration",
        ]
        # The same product i of a type has the same values in every design.
        for design in designs:
            assert design.row_values("ebook", 7).get("name") == study.values("ebook", 7)["name"]


def test_every_op_and_method_on_every_shop_design_on_sqlite():
    _check(_every_case(None))


@pytest.mark.postgres
def test_every_op_and_method_on_every_shop_design_on_postgresql(postgres_url):
    _check(_every_case(postgres_url))


def test_every_op_and_method_on_every_shop_design_on_mariadb(mysql_url):
    _check(_every_case(mysql_url))
