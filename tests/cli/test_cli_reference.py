"""docs/cli.md is generated from the CLI (cog): it is current, and documents everything; the
designs' and ops' tables in the README and docs/ are generated from the registries."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from roadbench.cli.app import app
from roadbench.cli.reference import (
    command_names,
    design_table,
    exit_codes,
    ops_summary,
    ops_table,
)
from roadbench.designs import OPTIONS
from roadbench.ops import OPS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli.md"
# Every file with cog blocks: `cog -r` rewrites them, `cog --check` fails when one is stale.
GENERATED = ["docs/cli.md", "README.md", "docs/designs.md", "docs/methodology.md"]


@pytest.mark.parametrize("name", GENERATED)
def test_the_generated_docs_are_current(name):
    done = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", str(ROOT / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"{name} is stale: run `cog -r {name}`\n" + done.stdout + done.stderr
    )


@pytest.mark.parametrize("name", ["README.md", "docs/designs.md"])
def test_the_tables_are_generated_where_they_are_shown(name):
    text = (ROOT / name).read_text()
    assert "cog.out(design_table())" in text
    assert design_table() in text
    if name == "README.md":  # the short form, to keep the README short
        assert "cog.out(ops_summary())" in text
        assert ops_summary() in text
    else:
        assert "cog.out(ops_table())" in text
        assert ops_table() in text


def test_the_readmes_summary_names_every_method_of_each_op_default_first():
    rows = ops_summary().splitlines()[2:]
    own_ops = [op for op in OPS.values() if op.origin == "roadbench"]
    assert [row.split(" | ")[0] for row in rows] == [f"| **{op.name}**" for op in own_ops]
    for row, op in zip(rows, own_ops, strict=True):
        listed = row.split(" | ")[1].rstrip(" |").split(", ")
        assert listed[0] == f"`{op.default_method}`"
        assert sorted(listed) == sorted(f"`{name}`" for name in op.methods)


def test_the_tables_list_every_design_op_and_method_of_roadbench():
    own_designs = [o for o in OPTIONS.values() if o.origin == "roadbench"]
    own_ops = [op for op in OPS.values() if op.origin == "roadbench"]
    designs = design_table().splitlines()[2:]
    assert [row.split(" | ")[1] for row in designs] == [f"`{o.key}`" for o in own_designs]
    assert len(own_designs) >= 10
    methods = ops_table().splitlines()[2:]
    listed = [row.split(" | ")[1].split()[0] for row in methods]
    assert listed == [
        f"`{name}`"
        for op in own_ops
        for name in sorted(op.methods, key=lambda n: n != op.default_method)
    ]
    assert "`fetch_peers`" in listed  # the README's hand-kept table had lost it
    assert [row.split(" | ")[0] for row in methods if row.startswith("| **")] == [
        f"| **{op.name}**" for op in own_ops
    ]


def test_a_plugins_design_and_op_stay_out_of_the_docs():
    plugin_design = dataclasses.replace(
        OPTIONS[1], number=901, key="docs-plugin-design", origin="tests.docs_plugin"
    )
    plugin_op = dataclasses.replace(
        OPS["select"], name="docs-plugin-op", origin="tests.docs_plugin"
    )
    before = design_table(), ops_table(), ops_summary()
    with OPTIONS.registered(plugin_design), OPS.registered(plugin_op):
        assert (design_table(), ops_table(), ops_summary()) == before
        assert "docs-plugin" not in design_table() + ops_table() + ops_summary()


@pytest.mark.parametrize("command", command_names())
def test_every_command_and_option_is_documented(command):
    text = REFERENCE.read_text()
    assert f"## roadbench {command}\n" in text
    assert f'cog.out(help_block("{command}"))' in text
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    for param in click_command.params:
        for flag in [*param.opts, *param.secondary_opts]:
            if flag.startswith("-"):
                assert f"{flag} " in text or f"{flag}," in text, (command, flag)


def test_every_exit_code_is_documented_once():
    table = [
        line for line in REFERENCE.read_text().splitlines() if line.startswith("| ") and "|" in line
    ]
    for code in exit_codes():
        rows = [line for line in table if line.startswith(f"| {code} |")]
        assert len(rows) == 1, (code, rows)
    assert set(exit_codes()) >= {0, 1, 2, 3, 4, 5, 6, 7, 8, 130}


def test_help_shows_words_not_python_types():
    for command in command_names():
        result = subprocess.run(
            [sys.executable, "-m", "roadbench", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0
        for placeholder in ("<list[", "<str>", "<int>", "<float>", "<path>", "{"):
            assert placeholder not in result.stdout, (command, placeholder)
