"""roadbench.config: which config files are found, in which order, and how a bad one is said.

The unit tests read real files in their own directories; the last two run roadbench as a user
does (a project given with --pythonpath and --settings, run from another directory).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from roadbench.config import (
    PROJECT_DIRECTORY_VAR,
    ConfigFile,
    config_files,
    config_sections,
    search_directories,
    searched_text,
)
from roadbench.errors import BadInput
from roadbench.scenario import configured_directory
from tests.test_project import base_env, one_error_line, roadbench

MALFORMED = 'scenarios = "perf"\nnot toml\n'


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory, no project directory given."""
    directory = tmp_path / "here"
    directory.mkdir()
    monkeypatch.chdir(directory)
    monkeypatch.delenv(PROJECT_DIRECTORY_VAR, raising=False)
    return directory


def _toml_error(text: str) -> str:
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    return str(caught.value)


def test_no_file_means_no_config(here: Path):
    assert list(config_files()) == []
    assert search_directories() == [Path()]
    assert searched_text() == str(here.resolve())


def test_roadbench_toml_is_found_whole(here: Path):
    (here / "roadbench.toml").write_text('scenarios = "perf"\n[values]\n"a.B.c" = "m:f"\n')
    (found,) = config_files()
    assert found == ConfigFile(
        Path("roadbench.toml"), (), {"scenarios": "perf", "values": {"a.B.c": "m:f"}}
    )
    assert found.section_name("values") == "values"
    assert found.section("values", "field = 'module:function'") == {"a.B.c": "m:f"}
    assert found.section("roles", "role = 'field'") == {}  # absent: empty
    assert configured_directory() == Path("perf")


def test_tool_roadbench_of_pyproject_toml_is_found(here: Path):
    (here / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.roadbench]\nscenarios = "perf"\n'
        '[tool.roadbench.roles]\nlabel = "title"\n'
    )
    (found,) = config_files()
    assert found.path == Path("pyproject.toml")
    assert found.table == {"scenarios": "perf", "roles": {"label": "title"}}
    assert found.section_name("roles") == "tool.roadbench.roles"
    assert [(c.path, t) for c, t in config_sections("roles", "role = 'field'")] == [
        (Path("pyproject.toml"), {"label": "title"})
    ]
    assert configured_directory() == Path("perf")


def test_a_pyproject_toml_without_tool_roadbench_gives_an_empty_table(here: Path):
    (here / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nline-length = 9\n')
    assert [c.table for c in config_files()] == [{}]
    assert configured_directory() is None


def test_both_files_count_roadbench_toml_first(here: Path):
    """Both are read, roadbench.toml first: the setting it gives wins (scenarios here), and a
    table both give is read from each, in that order."""
    (here / "roadbench.toml").write_text('scenarios = "mine"\n[values]\n"a.B.c" = "m:one"\n')
    (here / "pyproject.toml").write_text(
        '[tool.roadbench]\nscenarios = "theirs"\n[tool.roadbench.values]\n"a.B.c" = "m:two"\n'
    )
    assert [c.path for c in config_files()] == [Path("roadbench.toml"), Path("pyproject.toml")]
    assert [t for _c, t in config_sections("values", "field = 'module:function'")] == [
        {"a.B.c": "m:one"},
        {"a.B.c": "m:two"},
    ]
    assert configured_directory() == Path("mine")
    (here / "roadbench.toml").write_text('[values]\n"a.B.c" = "m:one"\n')  # no scenarios: the next
    assert configured_directory() == Path("theirs")


@pytest.mark.parametrize("name", ["roadbench.toml", "pyproject.toml"])
def test_a_malformed_file_is_one_message_naming_it(here: Path, name: str):
    (here / name).write_text(MALFORMED)
    with pytest.raises(BadInput) as caught:
        list(config_files())
    assert str(caught.value) == f"{name}: cannot read it: {_toml_error(MALFORMED)}"
    assert caught.value.exit_code == 2


def test_a_file_not_in_utf8_is_one_message_naming_it(here: Path):
    (here / "roadbench.toml").write_bytes(b'scenarios = "caf\xe9"\n')
    with pytest.raises(BadInput, match=r"^roadbench\.toml: cannot read it: 'utf-8' codec"):
        list(config_files())


def test_a_file_is_read_only_when_reached(here: Path):
    """A caller that stops at roadbench.toml never reads the pyproject.toml after it."""
    (here / "roadbench.toml").write_text('scenarios = "perf"\n')
    (here / "pyproject.toml").write_text(MALFORMED)
    assert configured_directory() == Path("perf")
    with pytest.raises(BadInput, match=r"^pyproject\.toml: cannot read it"):
        list(config_files())


def test_a_section_that_is_not_a_table_is_refused(here: Path):
    (here / "pyproject.toml").write_text('[tool.roadbench]\nvalues = "m:f"\n')
    with pytest.raises(BadInput) as caught:
        list(config_sections("values", "field = 'module:function'"))
    assert str(caught.value) == (
        "pyproject.toml: [tool.roadbench.values] must be a table of field = 'module:function'"
    )


def test_the_project_directory_is_searched_after_the_current_one(
    here: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = tmp_path / "project"
    project.mkdir()
    (project / "roadbench.toml").write_text('[roles]\nlabel = "name"\n')
    (project / "pyproject.toml").write_text('[tool.roadbench.roles]\ncounter = "stock"\n')
    monkeypatch.setenv(PROJECT_DIRECTORY_VAR, str(project))
    assert search_directories() == [Path(), project]
    assert searched_text() == f"{here.resolve()} and {project.resolve()}"
    assert [c.path for c in config_files()] == [
        project / "roadbench.toml",
        project / "pyproject.toml",
    ]
    (here / "roadbench.toml").write_text('[roles]\nlabel = "title"\n')
    assert [t for _c, t in config_sections("roles", "role = 'field'")] == [
        {"label": "title"},
        {"label": "name"},
        {"counter": "stock"},
    ]
    # A directory given is the only one read.
    assert [c.path for c in config_files(project)] == [
        project / "roadbench.toml",
        project / "pyproject.toml",
    ]
    # The project directory that is the current one is searched once.
    monkeypatch.setenv(PROJECT_DIRECTORY_VAR, str(here))
    assert search_directories() == [Path()]


# --- as a user runs it ------------------------------------------------------------------------


def _project(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A project (a settings module, its config naming its scenarios' directory), a directory
    elsewhere to run from, and the options that name the project."""
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "perf").mkdir(parents=True)
    elsewhere.mkdir()
    (project / "cfgsettings.py").write_text(
        'SECRET_KEY = "test"\nINSTALLED_APPS = []\n'
        f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', "
        f"'NAME': {str(tmp_path / 'unused.sqlite3')!r}}}}}\n"
    )
    (project / "roadbench.toml").write_text('scenarios = "perf"\n')
    (project / "perf" / "bench_project.py").write_text(
        "import roadbench\n\n@roadbench.scenario\ndef from_the_project():\n    return 0\n"
    )
    return project, elsewhere, ["--pythonpath", str(project), "--settings", "cfgsettings"]


@pytest.mark.slow
def test_the_pythonpath_projects_config_is_read_from_elsewhere(tmp_path: Path):
    project, elsewhere, options = _project(tmp_path)
    listed = roadbench([*options, "scenarios", "--json"], base_env(tmp_path), cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)["scenarios"]
    assert [(s["name"], s["where"]) for s in found] == [
        ("from_the_project", str(project / "perf" / "bench_project.py"))
    ]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["here", "project"])
def test_a_malformed_config_is_one_line_exit_2_naming_the_file(tmp_path: Path, where: str):
    project, elsewhere, options = _project(tmp_path)
    if where == "here":
        (elsewhere / "pyproject.toml").write_text(MALFORMED)
        named = "pyproject.toml"  # as the current directory's paths are shown: relative
    else:
        (project / "roadbench.toml").write_text(MALFORMED)
        named = str(project / "roadbench.toml")
    ran = roadbench([*options, "scenarios", "--json"], base_env(tmp_path), cwd=elsewhere)
    assert ran.returncode == 2
    assert one_error_line(ran.stderr) == (
        f"roadbench: error: {named}: cannot read it: {_toml_error(MALFORMED)}"
    )
    assert ran.stdout == ""
