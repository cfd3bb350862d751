"""A field roadbench cannot fill, in a project: one line naming the field and the fix (exit 2,
nothing made), and the fix working: a value function named in roadbench.toml in the directory
roadbench runs from. The test project's ``vouchers`` app (installed through
MYSITE_EXTRA_APPS) has ``Voucher.code``, whose RegexValidator no value of roadbench's passes;
on SQLite and PostgreSQL, the project's real database unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests import test_project
from tests.conftest import existing
from tests.test_project import IN_PROJECT, PROJECT, checksum, one_error_line, roadbench, sha256

sqlite_project = test_project.sqlite_project
postgres_project = test_project.postgres_project

pytestmark = pytest.mark.slow

CANNOT_FILL = (
    "roadbench: error: vouchers.Voucher.code: every value roadbench makes fails its "
    "RegexValidator '^[a-z]{2}![0-9]$'; give it a value function: [values] "
    '"vouchers.Voucher.code" = "module:function" (called as function(type, i)) in '
    "roadbench.toml or [tool.roadbench.values] of pyproject.toml, or --value "
    'vouchers.Voucher.code=module:function; or a factory: [factories] "vouchers.Voucher" = '
    '"module:Factory" (factory_boy, or a callable (type, i) returning a dict of values), or '
    "--factory vouchers.Voucher=module:Factory"
)


def vouchers_project(request: Any, vendor: str) -> tuple[dict[str, str], str, Callable[[], Any]]:
    """The test project on ``vendor`` with the vouchers app installed: its environment, its
    real database's name, and a function returning that database's state (to compare)."""
    if vendor == "sqlite":
        env, real = request.getfixturevalue("sqlite_project")
        state = lambda: sha256(real)  # noqa: E731
    else:
        url = request.getfixturevalue("postgres_url")
        env, real = request.getfixturevalue("postgres_project")
        state = lambda: checksum(url, real)  # noqa: E731
    return {**env, "MYSITE_EXTRA_APPS": "vouchers"}, str(real), state


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_a_field_roadbench_cannot_fill_is_one_line_and_its_fix_works(request, tmp_path, vendor):
    env, real, state = vouchers_project(request, vendor)
    before = state()
    here = tmp_path / "work"
    here.mkdir()
    for command in (
        ["compare", "--model", "vouchers.Voucher", "--fast"],
        ["advise", "vouchers.Voucher", "--fast"],
        ["profile", "create", "--model", "vouchers.Voucher"],
    ):
        refused = roadbench([*IN_PROJECT, *command], env, here)
        assert refused.returncode == 2, refused.stderr
        # Where it looked: the current directory, then the project's (--pythonpath).
        assert one_error_line(refused.stderr) == (
            CANNOT_FILL + f" (looked for in {here} and {PROJECT})"
        )
    if vendor == "postgresql":
        url = request.getfixturevalue("postgres_url")
        assert existing(url, "database", {f"test_{real}"}) == set()  # refused before making it

    (here / "roadbench.toml").write_text(
        '[values]\n"vouchers.Voucher.code" = "vouchers.bench:code"\n'
    )
    args = ["run", "--model", "vouchers.Voucher", "--op", "create", "-n", "9", "--fast", "--json"]
    ran = roadbench([*IN_PROJECT, *args], env, here)
    assert ran.returncode == 0, ran.stderr
    (result,) = json.loads(ran.stdout)["results"]
    assert (result["design"], result["status"], result["rows_affected"]) == (
        "vouchers.Voucher",
        "ok",
        9,
    )
    assert state() == before
