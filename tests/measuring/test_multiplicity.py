"""Multiplicity corrections: Holm and Benjamini-Hochberg, and what a test can reach at all."""

from __future__ import annotations

import random

import pytest
from scipy.stats import false_discovery_control, mannwhitneyu

from roadbench.measuring.multiplicity import adjust, reachable, smallest_mann_whitney_p

# A worked example (Holm 1979's procedure by hand): p sorted 0.01 < 0.02 < 0.03 < 0.04 < 0.05,
# multiplied by 5, 4, 3, 2, 1 (0.05, 0.08, 0.09, 0.08, 0.05) and kept non-decreasing.
P = [0.04, 0.01, 0.05, 0.03, 0.02]


def test_holm_by_hand():
    assert adjust(P, "holm") == pytest.approx([0.09, 0.05, 0.09, 0.09, 0.08])


def test_holm_never_below_the_raw_p_and_capped_at_one():
    values = [0.5, 0.9, 0.001]
    adjusted = adjust(values, "holm")
    assert adjusted == pytest.approx([1.0, 1.0, 0.003])
    assert all(a >= p for a, p in zip(adjusted, values, strict=True))


@pytest.mark.parametrize("seed", range(5))
def test_benjamini_hochberg_equals_scipys(seed):
    rng = random.Random(seed)
    values = [rng.random() ** 3 for _ in range(21)]
    assert adjust(values, "bh") == pytest.approx(list(false_discovery_control(values)))


def test_bh_by_hand_and_no_correction():
    # sorted 0.01, 0.02, 0.03, 0.04, 0.05: p * 5 / rank = 0.05 each; min from the top down.
    assert adjust(P, "bh") == pytest.approx([0.05] * 5)
    assert adjust(P, "none") == P
    assert adjust([], "holm") == []


def test_an_unknown_correction_is_refused():
    with pytest.raises(ValueError, match="unknown correction 'bonferoni'"):
        adjust(P, "bonferoni")


@pytest.mark.parametrize(("n1", "n2"), [(3, 3), (4, 4), (6, 6), (3, 5), (10, 10)])
def test_the_smallest_mann_whitney_p_is_scipys_for_separated_values(n1, n2):
    low, high = [float(i) for i in range(n1)], [100.0 + i for i in range(n2)]
    exact = mannwhitneyu(low, high, alternative="two-sided", method="exact").pvalue
    assert smallest_mann_whitney_p(n1, n2) == pytest.approx(exact)


def test_three_against_three_can_never_reach_005():
    assert smallest_mann_whitney_p(3, 3) == pytest.approx(0.1)
    assert reachable([smallest_mann_whitney_p(3, 3)], 0.05, "none") == [False]
    # 6 against 6 (0.0022) reaches 0.05 alone, and after Holm over 21 cases (x21 = 0.045),
    # but not 0.01 after Holm.
    six = smallest_mann_whitney_p(6, 6)
    assert reachable([six], 0.05, "none") == [True]
    assert reachable([six] * 21, 0.05, "holm") == [True] * 21
    assert reachable([six] * 21, 0.01, "holm") == [False] * 21
    assert smallest_mann_whitney_p(1, 10) == 1.0
