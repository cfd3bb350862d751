"""``@roadbench.scenario``: what it records, the arguments its functions may take, and how
they are called (by name, as pytest gives fixtures). Running scenarios is in
tests/test_project_scenarios.py, on real databases."""

from __future__ import annotations

import pytest

import roadbench
from roadbench.errors import BadInput
from roadbench.scenario import MARK, Scenario


def test_the_decorator_marks_the_function_and_returns_it_unchanged():
    def setup(rows):
        return list(range(rows))

    @roadbench.scenario(setup=setup, rows=7, name="listing")
    def listing(state, rows):
        """The listing.

        More words."""
        return (state, rows)

    declared = getattr(listing, MARK)
    assert isinstance(declared, Scenario)
    assert (declared.name, declared.rows, declared.setup) == ("listing", 7, setup)
    assert declared.description == "The listing."
    assert listing(1, 2) == (1, 2)  # still a plain function
    state = declared.call("setup", rows=3, design=None)
    assert declared.call("scenario", rows=3, state=state, design=None) == ([0, 1, 2], 3)


def test_a_bare_decorator_and_keyword_catch_alls():
    @roadbench.scenario
    def takes_all(**values):
        return sorted(values)

    declared = getattr(takes_all, MARK)
    assert declared.name == "takes_all" and declared.rows is None
    assert declared.call("scenario", rows=1, state=None, design=None) == [
        "design",
        "rows",
        "state",
    ]


def page():
    return 0


def wants_request(request):
    return request


def wants_result(result):
    return result


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: roadbench.scenario(wants_request),
            "scenario wants_request: scenario wants_request() takes 'request'; it may take "
            "rows, state, design",
        ),
        (
            lambda: roadbench.scenario(setup=wants_result)(page),
            "scenario page: setup wants_result() takes 'result'; it may take rows, design",
        ),
        (
            lambda: roadbench.scenario(rows=0)(page),
            "scenario page: rows must be a whole number of at least 1",
        ),
        (
            lambda: roadbench.scenario(verify="yes")(page),
            "scenario page: verify must be a function, not 'yes'",
        ),
    ],
    ids=["unknown-argument", "setup-argument", "rows", "verify-not-callable"],
)
def test_what_a_scenario_cannot_take_is_refused_when_declared(make, message):
    with pytest.raises(BadInput) as refused:
        make()
    assert str(refused.value) == message


def test_a_name_that_is_not_an_identifier_is_refused():
    with pytest.raises(BadInput, match="scenario name 'a b' is not an identifier"):
        roadbench.scenario(name="a b")(page)
