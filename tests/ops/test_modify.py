from __future__ import annotations

import pytest

from roadbench.errors import VerificationFailed
from roadbench.models import get_option
from roadbench.ops import get_op
from roadbench.ops.checks import check_roads
from tests.helpers import run_counted

ROWS = 40


@pytest.mark.parametrize(("option", "updates"), [(1, 40), (2, 40), (3, 80)])
def test_save_updates_each_road(bench, option, updates):
    affected, counted = run_counted(get_option(option), "modify", "save", ROWS)
    assert affected == ROWS
    assert counted.by_kind["update"] == updates
    assert counted.by_kind["select"] == 2  # one read per type


@pytest.mark.parametrize(("option", "updates"), [(1, 2), (2, 2), (3, 4)])
def test_update_is_one_statement_per_table(bench, option, updates):
    affected, counted = run_counted(get_option(option), "modify", "update", ROWS)
    assert affected == ROWS
    assert counted.by_kind["update"] == updates


@pytest.mark.parametrize("option", [1, 2, 3])
def test_bulk_update_changes_every_road(bench, option):
    affected, counted = run_counted(get_option(option), "modify", "bulk_update", ROWS)
    assert affected == ROWS
    assert 2 <= counted.by_kind["update"] <= 4


def test_verification_catches_a_modify_that_changed_nothing(bench):
    option = get_option(1)
    run_counted(option, "select", "objects", ROWS)  # loads pristine roads, changes nothing
    with pytest.raises(VerificationFailed):
        check_roads(option, ROWS, modified=True, what="modify")
    with pytest.raises(VerificationFailed):
        get_op("modify").verify(option, ROWS, ROWS - 1)
