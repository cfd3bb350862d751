from __future__ import annotations

import random

import pytest

from roadbench.measuring.stats import (
    calibrate_loops,
    growth_exponent,
    instability,
    mad,
    mann_whitney_u,
    median_interval,
    paired_ratios,
    quartiles,
    summarize,
)


def test_summary_of_known_values():
    s = summarize([1.0, 2.0, 3.0, 4.0, 100.0])
    assert s.median == 3.0
    assert (s.q1, s.q3, s.iqr) == (2.0, 4.0, 2.0)
    assert s.mad == 1.0
    assert s.mean == 22.0
    assert s.min == 1.0 and s.max == 100.0
    assert s.stdev == pytest.approx(43.6177, rel=1e-4)


def test_quartiles_interpolate_like_numpy():
    assert quartiles([1, 2, 3, 4]) == (1.75, 2.5, 3.25)
    assert mad([1, 1, 2, 2, 4, 6, 9]) == 1


def test_instability_warnings():
    stable = [0.100, 0.101, 0.099, 0.100, 0.102]
    assert instability(stable) == []
    spread = instability([0.10, 0.13, 0.08, 0.12, 0.09])
    assert any(w.startswith("unstable") for w in spread)
    outlier = instability([0.100, 0.101, 0.099, 0.100, 0.300])
    assert any("far from the rest" in w for w in outlier)
    short = instability([0.001, 0.001, 0.001])
    assert any("hard to time reliably" in w for w in short)
    assert not any("hard to time" in w for w in instability([0.001] * 3, loops=10))
    assert any("too few" in w for w in instability([0.2, 0.2]))


def test_calibrate_loops():
    assert calibrate_loops(0.010) == 1
    assert calibrate_loops(0.001) == 5
    assert calibrate_loops(0.0000001) == 1000


def test_mann_whitney_on_a_known_difference():
    base = [1.00, 1.01, 0.99, 1.02, 1.005, 0.98]
    slower = [1.20, 1.22, 1.19, 1.21, 1.25]  # unequal sizes
    test = mann_whitney_u(base, slower)
    assert test.u == 0
    assert test.method == "exact"
    # Complete separation of 6 and 5 values: p = 2 / C(11, 5)
    assert test.p_value == pytest.approx(2 / 462)
    assert mann_whitney_u(slower, base).p_value == pytest.approx(2 / 462)  # two-sided


def test_mann_whitney_on_identical_distributions():
    rng = random.Random(7)
    a = [rng.gauss(1.0, 0.02) for _ in range(15)]
    b = [rng.gauss(1.0, 0.02) for _ in range(12)]
    test = mann_whitney_u(a, b)
    assert test.p_value > 0.05


def test_a_small_change_perfectly_separated_is_significant_to_the_test():
    """The test sees separation, not size: diff's --min-change is what leaves small ones out."""
    base = [1.000, 1.001, 1.002, 1.003, 1.004]
    new = [1.020, 1.021, 1.022, 1.023, 1.024]  # 2% slower
    test = mann_whitney_u(base, new)
    assert (test.u, test.method) == (0, "exact")
    assert test.p_value == pytest.approx(2 / 252)  # 2 / C(10, 5)


def test_ties_fall_back_to_the_normal_approximation():
    test = mann_whitney_u([1, 1, 2, 2, 3], [3, 3, 4, 4, 5])
    assert test.method == "normal"
    assert 0 < test.p_value < 0.05


def test_too_few_values_conclude_nothing():
    assert mann_whitney_u([1.0], [2.0, 3.0]).p_value == 1.0


def test_growth_exponent():
    assert growth_exponent([(10, 1), (100, 10), (1000, 100)]) == pytest.approx(1.0)
    assert growth_exponent([(10, 1), (100, 100)]) == pytest.approx(2.0)
    assert growth_exponent([(10, 1)]) is None


# --- cross-checks against scipy.stats (a test-only dependency) -------------------------------


def _samples(seed: int, n: int) -> list[float]:
    import random

    rng = random.Random(seed)
    return [round(rng.lognormvariate(0, 0.3), 4) for _ in range(n)]


@pytest.mark.parametrize("n", [6, 7, 10, 15, 30, 61])
def test_median_interval_matches_scipy_quantile_test(n):
    scipy_stats = pytest.importorskip("scipy.stats")
    values = _samples(n, n)
    expected = scipy_stats.quantile_test(values, q=0.5, p=0.5).confidence_interval(0.95)
    assert median_interval(values) == (expected.low, expected.high)


def test_median_interval_of_few_values_is_their_range():
    assert median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)


@pytest.mark.parametrize(("n1", "n2"), [(5, 5), (7, 4), (12, 15), (30, 30)])
def test_mann_whitney_matches_scipy(n1, n2):
    scipy_stats = pytest.importorskip("scipy.stats")
    a, b = _samples(n1, n1), [v * 1.15 for v in _samples(100 + n2, n2)]
    ours = mann_whitney_u(a, b)
    method = "exact" if ours.method == "exact" else "asymptotic"
    theirs = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method=method)
    assert ours.u == pytest.approx(min(theirs.statistic, n1 * n2 - theirs.statistic))
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-6)


def test_mann_whitney_with_ties_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    a = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0]
    b = [3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 7.0, 8.0]
    theirs = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
    assert mann_whitney_u(a, b).p_value == pytest.approx(theirs.pvalue, rel=1e-6)


def test_paired_ratios_cancel_a_drift_that_hits_every_option():
    drift = [1.0, 1.5, 0.8, 2.0, 1.2, 0.9, 1.7]
    paired = paired_ratios({1: [2 * d for d in drift], 2: list(drift), 3: [1.1 * d for d in drift]})
    assert paired is not None and paired.reference == 2
    assert paired.medians == {1: pytest.approx(2.0), 2: 1.0, 3: pytest.approx(1.1)}
    assert paired.intervals[1] == (pytest.approx(2.0), pytest.approx(2.0))


def test_paired_ratios_need_aligned_rounds():
    assert paired_ratios({1: [1.0, 2.0], 2: [1.0]}) is None
    assert paired_ratios({1: [1.0], 2: [1.0]}) is None


def test_paired_ratios_take_the_reference_no_option_beats():
    # Medians of per-round ratios are not transitive: the lowest median (1) is beaten round
    # by round by 3, and 3 by 2; switching once (to 3) left 2 at 0.83 beside the "fastest"
    # 1.00. No option beats 2.
    times = {1: [4.0, 3.0, 9.0], 2: [4.0, 6.0, 5.0], 3: [1.0, 9.0, 6.0]}
    paired = paired_ratios(times)
    assert paired is not None
    assert paired.reference == 2
    assert paired.medians == {1: 1.0, 2: 1.0, 3: 1.2}


def test_paired_ratios_in_a_circle_take_the_option_beaten_least():
    # 1 beats 3, 3 beats 2, 2 beats 1 (round by round): some ratio is below 1 whatever the
    # reference; the one whose worst ratio is nearest 1.
    times = {1: [2.0, 6.0, 9.0], 2: [4.0, 9.0, 2.0], 3: [9.0, 1.0, 4.0]}
    paired = paired_ratios(times)
    assert paired is not None
    assert paired.reference == 2
    assert min(paired.medians.values()) == pytest.approx(2 / 3)
