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


def roadbench(*args: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    script = Path(sys.executable).parent / "roadbench"
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=600, env=env
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
    args = ["compare", "--options", "1,checked-single", "--rows", "10", "--repeat", "1"]
    args += ["--warmup", "0", "--format", "csv"]
    if database_url:
        args += ["--database", database_url]
    result = roadbench(*args, path=plugin_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    cells = {(r[0], r[2]): r for r in rows}
    # The plugin's op is a row of its own, measured on both designs.
    assert {("count (few)", "1"), ("count (few)", "101")} <= set(cells)
    assert {("create (few)", "101"), ("delete (few)", "101")} <= set(cells)
    assert all(r[4] for r in rows if r[2] == "101" and r[0] != "raw limit (few)"), rows


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
        ("X = 1\n", "defines neither OPTION nor OPERATION"),
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
