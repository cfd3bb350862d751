"""Plugins: the example package under examples/, installed with pip, adds a design and an op
that run through compare; ``--plugin module.path`` adds a local module's design.

pip installs the example into a directory of this test's own (``--target``), from a copy of
its source, with this venv's setuptools and no index: the test needs no network and leaves
no build files in the repository. roadbench then runs with that directory on PYTHONPATH, as
it would in a venv where the plugin is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "roadbench-example-plugin"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    source = work / "source"
    shutil.copytree(EXAMPLE, source)
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert list(target.glob("roadbench_example_plugin-*.dist-info"))
    return target


def roadbench(
    *args: str, path: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``roadbench`` command, as a user runs it: ``path`` on PYTHONPATH (an
    installed plugin), ``cwd`` the directory it is run from."""
    env = {**os.environ}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    script = Path(sys.executable).parent / "roadbench"
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=600, env=env, cwd=cwd
    )


def test_without_the_plugin_there_is_no_option_101():
    result = roadbench("options", "--json")
    assert result.returncode == 0, result.stderr
    assert 101 not in [o["number"] for o in json.loads(result.stdout)["options"]]


def test_installing_the_example_adds_its_design_to_roadbench_options(plugin_path):
    result = roadbench("options", "--json", path=plugin_path)
    assert result.returncode == 0, result.stderr
    options = {o["number"]: o for o in json.loads(result.stdout)["options"]}
    assert options[101]["key"] == "checked-single"
    assert options[101]["origin"] == "plugin roadbench_example.design"
    assert options[101]["tables"] == ["roadbench_example_checkedroad"]
    ops = roadbench("ops", "--json", path=plugin_path)
    assert "count" in [op["name"] for op in json.loads(ops.stdout)["ops"]]


def test_the_example_design_and_op_run_through_compare(plugin_path, database_url):
    # An installed op is compared only when named (tests/reports/test_compare.py: not else).
    args = ["compare", "--options", "1,checked-single", "--rows", "10", "--repeat", "1"]
    args += ["--warmup", "0", "--format", "csv", "--ops", "create,delete,count"]
    if database_url:
        args += ["--database", database_url]
    result = roadbench(*args, path=plugin_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    cells = {(r[0], r[2]): r for r in rows}
    # The plugin's op is a row of its own, measured on both designs.
    assert {("count (few)", "1"), ("count (few)", "101")} <= set(cells)
    assert {("create (few)", "101"), ("delete (few)", "101")} <= set(cells)
    assert not any(label == "select (few)" for label, _option in cells)
    assert all(r[4] for r in rows if r[2] == "101" and r[0] != "raw limit (few)"), rows
    # The number where scripts read it; the name, as the outputs give it, in the last column:
    # a plugin's design by its key, roadbench's own as option N.
    assert {(r[2], r[-1]) for r in rows} == {("1", "option 1"), ("101", "checked-single")}


def test_a_local_module_through_the_plugin_option(tmp_path):
    (tmp_path / "my_design.py").write_text(
        "from dataclasses import replace\n"
        "from roadbench.designs import OPTIONS\n"
        "OPTION = replace(OPTIONS[1], number=150, key='mine', name='my copy of option 1')\n"
    )
    result = roadbench("--plugin", "my_design", "options", "--json", path=tmp_path)
    assert result.returncode == 0, result.stderr
    mine = next(o for o in json.loads(result.stdout)["options"] if o["number"] == 150)
    assert mine["origin"] == "--plugin my_design"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("X = 1\n", "defines none of OPTION, OPTIONS, OPERATION, OPERATIONS"),
        (
            "from roadbench.designs import OPTIONS\nOPTION = OPTIONS[1]\n",
            None,  # the same object again: already registered, nothing to do
        ),
        (
            "from dataclasses import replace\nfrom roadbench.designs import OPTIONS\n"
            "OPTION = replace(OPTIONS[1], key='other')\n",
            "already used by 'single table'",
        ),
    ],
)
def test_a_bad_plugin_is_one_line_exit_2(tmp_path, source, message):
    (tmp_path / "bad_plugin.py").write_text(source)
    result = roadbench("--plugin", "bad_plugin", "options", path=tmp_path)
    if message is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


# --- plugins as users write them (issue 21, item 4): a package, the current directory, lists ---

DESIGN_MODULE = (
    "from dataclasses import replace\n"
    "from roadbench.designs import OPTIONS\n"
    "OPTION = replace(OPTIONS[1], number=160, key='shop-single', name='shop single')\n"
    "OPTIONS = [\n"
    "    replace(OPTIONS[2], number=161, key='shop-split', name='shop split'),\n"
    "    replace(OPTIONS[3], number=162, key='shop-mti', name='shop mti'),\n"
    "]\n"
)
OP_MODULE = (
    "from dataclasses import replace\n"
    "from roadbench.ops import OPS\n"
    "OPERATION = replace(OPS['select'], name='shop_select', order=900)\n"
)


def _listed(result: subprocess.CompletedProcess[str], what: str) -> dict[Any, str]:
    """What ``roadbench options --json`` (or ``ops --json``) lists, with each origin."""
    assert result.returncode == 0, result.stderr
    if what == "options":
        return {o["number"]: o["origin"] for o in json.loads(result.stdout)["options"]}
    return {op["name"]: op.get("origin", "") for op in json.loads(result.stdout)["ops"]}


def test_a_package_registers_every_design_and_op_in_its_modules(tmp_path):
    """``--plugin shop``: a design module (OPTION and a list OPTIONS) and an op module in a
    subpackage, found from the directory roadbench runs in; the package's tests are not
    imported (they would fail: no such module)."""
    package = tmp_path / "rbtest_shop"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("from rbtest_shop.designs import OPTION\n")
    (package / "designs.py").write_text(DESIGN_MODULE)
    (package / "ops" / "__init__.py").write_text("")
    (package / "ops" / "select.py").write_text(OP_MODULE)
    (package / "_private.py").write_text("import no_such_module\n")
    (package / "tests").mkdir()
    (package / "tests" / "__init__.py").write_text("import no_such_module\n")
    options = _listed(
        roadbench("--plugin", "rbtest_shop", "options", "--json", cwd=tmp_path), "options"
    )
    assert {n: options.get(n) for n in (160, 161, 162)} == dict.fromkeys(
        (160, 161, 162), "--plugin rbtest_shop.designs"
    )
    ops = roadbench("--plugin", "rbtest_shop", "ops", "--json", cwd=tmp_path)
    assert "shop_select" in _listed(ops, "ops")


def test_a_module_in_the_current_directory_and_a_comma_list(tmp_path):
    """``--plugin mine`` from the directory holding mine.py, as ``python -m mine`` finds it
    (it failed "No module named 'mine'"), and ``--plugin a,b`` as ``--plugin a --plugin b``."""
    (tmp_path / "rbtest_design.py").write_text(
        "from dataclasses import replace\n"
        "from roadbench.designs import OPTIONS\n"
        "OPTION = replace(OPTIONS[1], number=170, key='cwd-design', name='from the cwd')\n"
    )
    (tmp_path / "rbtest_op.py").write_text(OP_MODULE.replace("shop_select", "cwd_select"))
    alone = roadbench("--plugin", "rbtest_design", "options", "--json", cwd=tmp_path)
    assert _listed(alone, "options")[170] == "--plugin rbtest_design"
    both = roadbench("--plugin", "rbtest_design,rbtest_op", "ops", "--json", cwd=tmp_path)
    assert "cwd_select" in _listed(both, "ops")
    listed = roadbench("--plugin", "rbtest_op, rbtest_design", "options", "--json", cwd=tmp_path)
    assert 170 in _listed(listed, "options")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("rbtest_design,", "has an empty name in its list"),
        ("rbtest_design,no_such_plugin", "--plugin no_such_plugin: cannot import it"),
    ],
)
def test_a_bad_name_in_a_plugin_list_is_one_line_exit_2(tmp_path, value, words):
    (tmp_path / "rbtest_design.py").write_text(OP_MODULE)
    result = roadbench("--plugin", value, "options", cwd=tmp_path)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_module_inside_a_package_names_the_plugin_and_the_module(tmp_path):
    package = tmp_path / "rbtest_broken"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(OP_MODULE.replace("shop_select", "broken_select"))
    (package / "bad.py").write_text("raise RuntimeError('the plugin broke')\n")
    result = roadbench("--plugin", "rbtest_broken", "options", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roadbench: error: --plugin rbtest_broken: importing rbtest_broken.bad failed: "
        "RuntimeError: the plugin broke"
    )


def test_an_entry_point_may_name_a_package(tmp_path):
    """An installed plugin whose entry points name its package: every design in it joins,
    every op in it joins (each group takes its own kind)."""
    site = tmp_path / "site"
    package = site / "rbtest_ep_shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "designs.py").write_text(DESIGN_MODULE)
    (package / "select.py").write_text(OP_MODULE.replace("shop_select", "ep_select"))
    info = site / "rbtest_ep_shop-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rbtest-ep-shop\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[roadbench.options]\nshop = rbtest_ep_shop\n\n[roadbench.ops]\nshop = rbtest_ep_shop\n"
    )
    options = _listed(roadbench("options", "--json", path=site), "options")
    assert {n: options.get(n) for n in (160, 161, 162)} == dict.fromkeys(
        (160, 161, 162), "plugin rbtest_ep_shop.designs"
    )
    assert "ep_select" in _listed(roadbench("ops", "--json", path=site), "ops")


# --- check-plugin (issue 21, item 4) -----------------------------------------------------------

# A copy of option 1 whose path() names fields its model lacks: every op that filters, sums or
# changes through it fails; roadbench must say which case, and to look at path().
MISNAMED_DESIGN = (
    "from dataclasses import dataclass, fields\n"
    "from roadbench.designs import OPTIONS\n"
    "from roadbench.designs.base import RoadOption\n"
    "\n"
    "@dataclass(frozen=True)\n"
    "class MisnamedPath(RoadOption):\n"
    "    def path(self, road_type, attribute):\n"
    "        return f'no_such_{attribute}'\n"
    "\n"
    "copied = {f.name: getattr(OPTIONS[1], f.name) for f in fields(OPTIONS[1]) if f.init}\n"
    "OPTION = MisnamedPath(**{**copied, 'number': 180, 'key': 'misnamed', 'name': 'misnamed',\n"
    "                         'origin': 'roadbench'})\n"
)


def _misnamed_plugin(directory: Path) -> str:
    package = directory / "rbtest_misnamed"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "design.py").write_text(MISNAMED_DESIGN)
    return package.name


def _expected_cases(database: str) -> set[tuple[str, int, str, str]]:
    """Every case check-plugin owes the example: roadbench's ops and count on its design 101,
    count on the seed study's designs."""
    from roadbench.ops import OPS

    ops = {op.name: list(op.methods) for op in OPS.values() if op.origin == "roadbench"}
    ops["count"] = ["count", "len"]
    on_101 = {(database, 101, op, method) for op, methods in ops.items() for method in methods}
    on_seeds = {(database, n, "count", method) for n in (1, 2, 3) for method in ("count", "len")}
    return on_101 | on_seeds


def test_check_plugin_passes_the_installed_example_listing_every_case(plugin_path, database_url):
    args = ["check-plugin", "roadbench_example", "--json"]
    args += ["--database", database_url] if database_url else []
    result = roadbench(*args, path=plugin_path)
    assert result.returncode == 0, result.stderr
    check = json.loads(result.stdout)
    assert (check["passed"], check["designs"], check["ops"]) == (True, [101], ["count"])
    # The database's vendor, as Django names it: the URLs the fixtures give.
    vendors = ["sqlite"]
    if database_url:
        vendors.append({"postgres": "postgresql", "mysql": "mysql"}[database_url.split(":")[0]])
    cases = {(c["database"], c["design"], c["op"], c["method"]): c for c in check["cases"]}
    assert set(cases) == set().union(*(_expected_cases(v) for v in vendors))
    assert len(cases) == len(check["cases"])  # each case once
    assert {c["status"] for c in cases.values()} <= {"ok", "unsupported"}
    assert all(c["reason"] for c in cases.values() if c["status"] == "unsupported")
    for vendor in vendors:
        assert cases[(vendor, 101, "create", "save")]["status"] == "ok"
        assert {cases[(vendor, n, "count", "len")]["status"] for n in (1, 2, 3)} == {"ok"}


def test_check_plugins_table_names_every_case(plugin_path):
    result = roadbench("check-plugin", "roadbench_example", path=plugin_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if " · " in line and "│" in line]
    named = {tuple(line.split("│")[1].strip().split(" · ")) for line in rows}
    expected = {(op, method) for _db, number, op, method in _expected_cases("sqlite")}
    assert named == expected
    # A row naming each design above its cases (wrapped at 80 columns: read as one text).
    text = " ".join(result.stdout.replace("│", " ").split())
    for design in ("checked single table (101, checked-single)", "single table (1, single)"):
        assert design in text
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith(f"{len(_expected_cases('sqlite'))} cases: "), summary
    assert summary.endswith(" unsupported, 0 failed"), summary


def test_check_plugin_names_a_broken_designs_failed_cases_and_what_to_look_at(tmp_path):
    plugin = _misnamed_plugin(tmp_path)
    result = roadbench("check-plugin", plugin, "--json", cwd=tmp_path)
    assert result.returncode == 7, result.stderr
    check = json.loads(result.stdout)
    failed = [c for c in check["cases"] if c["status"] == "failed"]
    assert check["passed"] is False
    assert {(c["design"], c["op"], c["method"]) for c in failed} >= {
        (180, "select", "unindexed"),
        (180, "modify", "update"),
    }
    for case in failed:
        assert case["error"].startswith(("FieldError: ", "FieldDoesNotExist: ")), case
        assert "no_such_" in case["error"], case
        assert "look at " in case["hint"] and "path()" in case["hint"], case
    # One line on stderr: how many failed, the first by name, its exception and the hint.
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"roadbench: error: {len(failed)} of {len(check['cases'])} cases failed")
    first = failed[0]
    assert f"misnamed · {first['op']} {first['method']} on sqlite" in line
    assert "path()" in line and "Traceback" not in result.stderr


def test_check_plugins_table_shows_the_failure_and_the_hint(tmp_path):
    plugin = _misnamed_plugin(tmp_path)
    result = roadbench("check-plugin", plugin, cwd=tmp_path)
    assert result.returncode == 7
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "unindexed FAILED: FieldError: Cannot resolve keyword 'no_such_length_km'" in text
    assert "look at the design's path() and queryset()" in text


PLUGIN_SUITE = """
import roadbench.testing

test_{name} = roadbench.testing.plugin_test({plugin!r})


def test_the_cases_are_returned():
    check = roadbench.testing.check_plugin_cases({plugin!r}, rows=4)
    assert check.passed and check.rows == 4 and check.cases
"""


def _pytest(directory: Path, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=directory,
    )


def test_the_pytest_helper_in_a_plugins_own_suite(plugin_path, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_example.py").write_text(
        PLUGIN_SUITE.format(name="example", plugin="roadbench_example")
    )
    done = _pytest(suite, plugin_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_the_pytest_helper_fails_listing_the_failed_cases(tmp_path):
    plugin = _misnamed_plugin(tmp_path)
    (tmp_path / "test_misnamed.py").write_text(
        f"import roadbench.testing\n\ntest_misnamed = roadbench.testing.plugin_test({plugin!r})\n"
    )
    done = _pytest(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "check-plugin rbtest_misnamed: " in done.stdout
    assert "- misnamed · select unindexed on sqlite: FieldError:" in done.stdout
    assert "look at the design's path() and queryset()" in done.stdout
