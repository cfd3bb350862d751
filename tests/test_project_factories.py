"""Factories for a field roadbench cannot fill (``vouchers.Voucher.code``), in a project on
SQLite: named in roadbench.toml (``[factories]``) or on the command line (``--factory``,
``--value``, winning over the file), a class shaped as a factory_boy factory, a plain callable
and, when factory_boy is installed, a real factory_boy factory. The rows' values reach the
database: after every op, compare's untimed checks read each type's rows back (count, distinct
names, the sums of ``amount`` and the type's own number) and end the run (exit 5) unless they
are the values the factories gave. A bad ``--value``/``--factory`` is one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import test_project
from tests.test_project import IN_PROJECT, one_error_line, roadbench, sha256

sqlite_project = test_project.sqlite_project

pytestmark = pytest.mark.slow

COMPARE = ["compare", "--model", "vouchers.Voucher", "--fast", "-n", "20", "--json"]


def measured(ran) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)["results"]
    assert {r["status"] for r in results} == {"ok"}
    return {(r["op"], r["method"], r["design"]) for r in results}


def work(tmp_path: Path, config: str | None = None) -> Path:
    here = tmp_path / "work"
    here.mkdir()
    if config is not None:
        (here / "roadbench.toml").write_text(config)
    return here


def test_factories_in_roadbench_toml_fill_the_rows(sqlite_project, tmp_path):
    env, real = sqlite_project
    env = {**env, "MYSITE_EXTRA_APPS": "vouchers"}
    before = sha256(real)
    here = work(
        tmp_path,
        "[factories]\n"
        '"vouchers.GiftVoucher" = "vouchers.factories:GiftVoucherBuilder"\n'
        '"vouchers.StoreCredit" = "vouchers.factories:store_credit"\n',
    )
    ops = measured(roadbench([*IN_PROJECT, *COMPARE], env, here))
    assert ("create", "save", "vouchers.Voucher") in ops
    assert ("modify", "save", "vouchers.Voucher") in ops
    assert sha256(real) == before


def test_the_command_line_wins_over_the_file(sqlite_project, tmp_path):
    env, _real = sqlite_project
    env = {**env, "MYSITE_EXTRA_APPS": "vouchers"}
    # The file's factory gives StoreCredit no code roadbench can do without: the command
    # line's factory replaces it, and --value replaces one field of it.
    here = work(
        tmp_path,
        '[factories]\n"vouchers.StoreCredit" = "vouchers.factories:NOT_A_FACTORY"\n',
    )
    given = [
        "--factory",
        "vouchers.StoreCredit=vouchers.factories:store_credit",
        "--factory",
        "vouchers.GiftVoucher=vouchers.factories:GiftVoucherBuilder",
        "--value",
        "vouchers.StoreCredit.amount=vouchers.bench:amount",
    ]
    refused = roadbench([*IN_PROJECT, *COMPARE], env, here)
    assert refused.returncode == 2
    assert one_error_line(refused.stderr) == (
        "roadbench: error: roadbench.toml: vouchers.StoreCredit = "
        "'vouchers.factories:NOT_A_FACTORY': vouchers.factories.NOT_A_FACTORY is not callable"
    )
    (here / "roadbench.toml").write_text(
        '[factories]\n"vouchers.StoreCredit" = "vouchers.factories:GiftVoucherBuilder"\n'
    )  # a factory of another model: refused when the file's is used, not when overridden
    refused = roadbench([*IN_PROJECT, *COMPARE], env, here)
    assert refused.returncode == 2
    assert one_error_line(refused.stderr).endswith(
        "vouchers.factories:GiftVoucherBuilder': it builds GiftVoucher, not vouchers.StoreCredit"
    )
    assert measured(roadbench([*IN_PROJECT, *given, *COMPARE], env, here))


def test_a_factory_boy_factory(sqlite_project, tmp_path):
    pytest.importorskip("factory", reason="factory_boy is no dependency of roadbench's")
    env, _real = sqlite_project
    env = {**env, "MYSITE_EXTRA_APPS": "vouchers"}
    given = [
        "--factory",
        "vouchers.GiftVoucher=vouchers.boy_factories:GiftVoucherFactory",
        "--factory",
        "vouchers.StoreCredit=vouchers.factories:store_credit",
    ]
    assert measured(roadbench([*IN_PROJECT, *given, *COMPARE], env, work(tmp_path)))


@pytest.mark.parametrize(
    ("given", "line"),
    [
        (["--value", "nonsense"], "--value 'nonsense': give it as app.Model.field=module:function"),
        (
            ["--factory", "vouchers.GiftVoucher"],
            "--factory 'vouchers.GiftVoucher': give it as app.Model=module:Factory",
        ),
        (
            ["--factory", "vouchers.GiftVoucher=nosuch.module:F"],
            "--factory vouchers.GiftVoucher=nosuch.module:F: cannot import nosuch.module: "
            "No module named 'nosuch'",
        ),
        (
            ["--value", "vouchers.Voucher.nofield=vouchers.bench:code"],
            "--value vouchers.Voucher.nofield=vouchers.bench:code: vouchers.Voucher has no "
            "field nofield",
        ),
        (
            ["--factory", "vouchers.Nope=vouchers.factories:store_credit"],
            "--factory vouchers.Nope=vouchers.factories:store_credit: App 'vouchers' doesn't "
            "have a 'Nope' model. (app_label.ModelName, its app in INSTALLED_APPS)",
        ),
        (
            ["--value", "vouchers.Voucher.code=vouchers.bench:nothing"],
            "--value vouchers.Voucher.code=vouchers.bench:nothing: vouchers.bench has no "
            "function nothing",
        ),
    ],
)
def test_a_bad_value_or_factory_is_one_line(sqlite_project, tmp_path, given, line):
    env, real = sqlite_project
    env = {**env, "MYSITE_EXTRA_APPS": "vouchers"}
    before = sha256(real)
    ran = roadbench(
        [*IN_PROJECT, *given, "run", "--model", "vouchers.Voucher", "--op", "create", "--fast"],
        env,
        work(tmp_path),
    )
    assert ran.returncode == 2, ran.stderr
    assert one_error_line(ran.stderr) == f"roadbench: error: {line}"
    assert sha256(real) == before
