"""The import graph of roadbench: no circle, and no lower layer importing a higher one.

Function-level imports count (grimp reads every import statement), so a circle cannot hide
inside a function; ``if TYPE_CHECKING:`` imports do not, as they never run.
"""

from __future__ import annotations

import grimp
import pytest

GRAPH = grimp.build_graph("roadbench", exclude_type_checking_imports=True)

# The shims that keep 0.2 plugins importing re-export the designs: they sit beside the layers.
COMPATIBILITY = {"roadbench.models", "roadbench.models.base", "roadbench.data"}


def _edges() -> list[tuple[str, str]]:
    return sorted(
        (importer, imported)
        for importer in GRAPH.modules - COMPATIBILITY
        for imported in GRAPH.find_modules_directly_imported_by(importer) - COMPATIBILITY
    )


def test_no_import_circle():
    circles = []
    for importer, imported in _edges():
        back = GRAPH.find_shortest_chain(importer=imported, imported=importer)
        if back:
            circles.append(" -> ".join((importer, *back)))
    assert circles == []


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ("roadbench.cli", "roadbench.api"),
        ("roadbench.api", "roadbench.session"),
        ("roadbench.api", "roadbench.measuring"),
        ("roadbench.cli", "roadbench.render"),
        ("roadbench.render", "roadbench.reports"),
        ("roadbench.measuring", "roadbench.ops"),
        ("roadbench.ops", "roadbench.designs"),
    ],
)
def test_a_lower_layer_never_imports_a_higher_one(higher, lower):
    chains = GRAPH.find_shortest_chains(importer=lower, imported=higher, as_packages=True)
    assert chains == set(), f"{lower} reaches {higher}: {sorted(chains)}"


def test_only_the_command_line_imports_it():
    importers = {
        m
        for m in GRAPH.find_downstream_modules("roadbench.cli", as_package=True)
        if not m.startswith("roadbench.cli")
    }
    assert importers <= {"roadbench.__main__", "roadbench.entry"}


def test_the_command_line_goes_through_the_library():
    """Every command calls ``roadbench.api``: the CLI parses, calls, renders and maps errors
    to exit codes, and reaches no other part of roadbench."""
    allowed = ("roadbench.api", "roadbench.cli", "roadbench.render", "roadbench.errors")
    reached = {
        f"{importer} -> {imported}"
        for importer in GRAPH.find_children("roadbench.cli")
        for imported in GRAPH.find_modules_directly_imported_by(importer)
        if imported.startswith("roadbench")
        and imported != "roadbench"  # __version__
        and not imported.startswith(allowed)
    }
    assert reached == set()


def test_the_command_lines_ab_timeout_is_the_librarys():
    # The CLI writes the default itself (its help must not import the measuring code).
    from roadbench.cli.ab import DEFAULT_TIMEOUT_S as shown
    from roadbench.measuring.ab_workers import DEFAULT_TIMEOUT_S

    assert shown == DEFAULT_TIMEOUT_S == 3600
