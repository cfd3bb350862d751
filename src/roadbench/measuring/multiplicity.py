"""Many cases tested at once: p-values corrected for multiplicity, and what a test can reach.

A diff of 21 cases at p < 0.05 expects one false "regression" by chance alone. Holm's step-down
method controls the chance of any false call (the family-wise error rate); Benjamini-Hochberg's
step-up method controls the expected share of false calls among the calls made (the false
discovery rate). Both are a few lines; statsmodels (``multipletests``) would be a heavy
dependency for them; the tests check Benjamini-Hochberg against scipy's
``false_discovery_control`` and Holm against worked examples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

HOLM, BENJAMINI_HOCHBERG, NO_CORRECTION = "holm", "bh", "none"
CORRECTIONS = (HOLM, BENJAMINI_HOCHBERG, NO_CORRECTION)
CORRECTION_NAMES = {
    HOLM: "Holm",
    BENJAMINI_HOCHBERG: "Benjamini-Hochberg",
    NO_CORRECTION: "no correction",
}


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """Adjusted p-values, in the order given: a case is significant at level alpha when its
    adjusted p-value is below alpha (as statsmodels' ``multipletests(..., method)`` with
    ``holm`` or ``fdr_bh``)."""
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}: use one of {', '.join(CORRECTIONS)}")
    m = len(p_values)
    if method == NO_CORRECTION or m == 0:
        return [min(1.0, p) for p in p_values]
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    if method == HOLM:
        running = 0.0  # step-down: each adjusted value at least the one before it
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * p_values[i]))
            adjusted[i] = running
        return adjusted
    running = 1.0  # Benjamini-Hochberg, step-up: from the largest p-value down
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, m * p_values[i] / (rank + 1))
        adjusted[i] = min(1.0, running)
    return adjusted


def smallest_mann_whitney_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value Mann-Whitney U can give for n1 values against n2 (all of
    one side below all of the other): 2 / C(n1 + n2, n1). 3 against 3: 0.1, so nothing can
    be significant at 0.05 however large the change."""
    if n1 < 2 or n2 < 2:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def reachable(smallest: Sequence[float], alpha: float, method: str) -> list[bool]:
    """For each test, whether it could be significant at all: when every test gave its
    smallest possible p-value, would this one's adjusted value be below alpha?"""
    return [p < alpha for p in adjust(smallest, method)]
